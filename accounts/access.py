"""THE access layer: the only code that reads roles and decides who may see or do what.

Two questions, answered from the role table in accounts.roles and the per-school grants that
django-guardian holds (kept in step with memberships by ``sync_permissions``):

* ``schools_for(user, action)``: the schools where the user may take the action;
* ``can(user, action, obj)``: may the user take the action on this object. Subject exclusion
  lives here: a person named as the subject of a record never sees it, whatever role they hold.

Models that belong to a school expose ``visible_to(user, action)`` built on ``scope``; views fetch
objects through ``get_object_for`` (404 when not visible, 403 when visible but not allowed).
A model that names people as subjects defines ``subject_exclusion_q(user)`` (a Q matching the
rows where ``user`` is a subject) and ``is_subject(user)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from guardian.models import UserObjectPermission

from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from accounts.roles import (
    DUTY_HOLDERS,
    HOME_ORDER,
    ROLE_ACTIONS,
    SCHOOL_WORKFORCE,
    TRUST_ROLES,
    TRUST_STAFF_ROLES,
    TWO_FACTOR_ROLES,
    Action,
    Role,
)

_CACHE_ATTR = "_portal_access_cache"


def _cache(user) -> dict[str, Any]:
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE_ATTR, cache)
    return cache


def forget(user) -> None:
    """Drop what this request remembered about the user's access (after a membership change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def memberships(user) -> list[Membership]:
    """The user's role memberships, read once per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = _cache(user)
    if "memberships" not in cache:
        cache["memberships"] = list(Membership.objects.filter(user=user).select_related("school", "trust"))
    return cache["memberships"]


def roles_of(user) -> set[str]:
    """Every role the user holds, anywhere."""
    return {m.role for m in memberships(user)}


def _grants(user) -> dict[str, frozenset]:
    """Map each action to the ids of the schools where django-guardian grants it to the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cache = _cache(user)
    if "grants" not in cache:
        rows = UserObjectPermission.objects.filter(
            user=user, content_type=ContentType.objects.get_for_model(School)
        ).values_list("permission__codename", "object_pk")
        grants: dict[str, set] = {}
        for codename, object_pk in rows:
            grants.setdefault(codename, set()).add(object_pk)
        cache["grants"] = {k: frozenset(_as_uuid(v) for v in pks) for k, pks in grants.items()}
    return cache["grants"]


def load_grants(users: Iterable) -> None:
    """Read the grants of several people in one query (a list that asks about each row's person)."""
    people = [u for u in users if getattr(u, "is_authenticated", False) and u.is_active]
    if not people:
        return
    rows = UserObjectPermission.objects.filter(
        user__in=[u.pk for u in people], content_type=ContentType.objects.get_for_model(School)
    ).values_list("user_id", "permission__codename", "object_pk")
    found: dict[Any, dict[str, set]] = {u.pk: {} for u in people}
    for user_id, codename, object_pk in rows:
        found[user_id].setdefault(codename, set()).add(object_pk)
    for user in people:
        grants = found[user.pk]
        _cache(user)["grants"] = {k: frozenset(_as_uuid(v) for v in pks) for k, pks in grants.items()}


def _as_uuid(value):
    import uuid

    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def schools_for(user, action: str) -> frozenset:
    """Ids of the schools where the user may take the action."""
    return _grants(user).get(str(action), frozenset())


def schools_queryset(user, action: str) -> QuerySet[School]:
    """The schools where the user may take the action, as a queryset."""
    return School.objects.filter(pk__in=schools_for(user, action))


def schools_for_any(user, *actions: str) -> frozenset:
    """Ids of the schools where the user may take at least one of these actions."""
    return frozenset().union(*(schools_for(user, action) for action in actions))


def trusts_for(user, action: str) -> QuerySet[Trust]:
    """The trusts with a school where the user may take the action: whose trust-level records
    (trust-wide policies, retention rules, trustees' reports, trust audit entries) the action
    covers. A queryset, so that used inside another query it costs no query of its own."""
    schools = School.objects.filter(pk__in=schools_for(user, action)).values("trust_id")
    return Trust.objects.filter(pk__in=schools)


def get_trust_record_for(user, queryset: QuerySet | type[Model], action: str, **lookup) -> Model:
    """Fetch one trust-level record (one with a ``trust``, not a school): 404 unless the user may
    take the action in one of that trust's schools."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.filter(trust__in=trusts_for(user, action)).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None


def has_any(user, action: str) -> bool:
    """May the user take the action in at least one school?"""
    return bool(schools_for(user, action))


def has_any_of(user, *actions: str) -> bool:
    """May the user take at least one of these actions somewhere?"""
    return any(has_any(user, action) for action in actions)


def anyone_who(*actions: str):
    """A predicate of a user: may they take any of these actions somewhere? (For registries: a
    navigation entry or home card shown to those who may use it.)"""
    return lambda user: has_any_of(user, *actions)


def is_parent(user) -> bool:
    """Does the user hold the parent role (for a parent's own pages, which no action grants)?"""
    return Role.PARENT in roles_of(user)


def is_pupil(user) -> bool:
    """Does the user hold the pupil role (pages written for a child)?"""
    return Role.PUPIL in roles_of(user)


def is_workforce_reporter(user) -> bool:
    """Someone who works in a school and may report a concern (not a pupil or parent)."""
    return has_any(user, Action.REPORT_CONCERN) and any(m.role in SCHOOL_WORKFORCE for m in memberships(user))


def may_across_trust(user, action: str, trust_id) -> bool:
    """Does a trust-wide role of the user, in this trust, grant the action (for the trust's own
    records, such as a trust-wide policy, rather than one school's)?"""
    return any(
        m.school_id is None and m.trust_id == trust_id and action in ROLE_ACTIONS[Role(m.role)]
        for m in memberships(user)
    )


def is_trust_wide(user) -> bool:
    """Does the user hold a trust-wide role?"""
    return any(m.role in TRUST_ROLES for m in memberships(user))


def requires_two_factor(user) -> bool:
    """Must this user sign in with a second factor?"""
    return any(m.role in TWO_FACTOR_ROLES for m in memberships(user))


def is_subject(user, obj) -> bool:
    """Is the user named as a subject of this record (and so never to see it)?"""
    check = getattr(obj, "is_subject", None)
    return bool(check and check(user))


def can(user, action: str, obj: Model | None = None) -> bool:
    """May the user take the action, on this object if one is given?"""
    if obj is None:
        return has_any(user, action)
    if isinstance(obj, School):
        return obj.pk in schools_for(user, action)
    school_id = getattr(obj, "school_id", None)
    if school_id is None or school_id not in schools_for(user, action):
        return False
    return not is_subject(user, obj)


def scope(queryset: QuerySet, user, action: str, school_field: str = "school") -> QuerySet:
    """Filter a queryset to what the user may see for this action, subject exclusion included."""
    queryset = queryset.filter(**{f"{school_field}__in": schools_for(user, action)})
    return _exclude_subjects(queryset, user)


def scope_by_action_field(
    queryset: QuerySet,
    user,
    action_field: str,
    actions: Iterable[str],
    school_field: str = "school",
) -> QuerySet:
    """Filter rows whose own field names the action that governs them (an incident's handler):
    a row is visible where the user holds that row's action in the row's school."""
    condition = Q(pk__in=[])
    grants = _grants(user)
    for action in actions:
        if grants.get(str(action)):
            condition |= Q(**{action_field: action, f"{school_field}__in": grants[str(action)]})
    queryset = queryset.filter(condition)
    return _exclude_subjects(queryset, user)


def _exclude_subjects(queryset: QuerySet, user) -> QuerySet:
    """Drop the rows that name the user as a subject (for models that name subjects)."""
    exclusion = getattr(queryset.model, "subject_exclusion_q", None)
    if exclusion is not None and getattr(user, "is_authenticated", False):
        queryset = queryset.exclude(exclusion(user))
    return queryset


def without_subjects(queryset: QuerySet, user) -> QuerySet:
    """The rows of any query that the user may be shown as figures: those naming them left out.

    Every count, total and chart shown to a person is built on this (or on ``scope``), so that a
    concern about them changes nothing they can see: not their queue, not their dashboard, not a
    report's figures. Comparing two pages, or one page before and after, then tells them nothing.
    """
    return _exclude_subjects(queryset, user)


def get_object_for(
    user,
    queryset: QuerySet | type[Model],
    see: str,
    *,
    act: str | None = None,
    school_field: str = "school",
    **lookup,
) -> Model:
    """Fetch one object: 404 unless the user may see it (``see``), 403 unless they may ``act``."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        obj = scope(queryset, user, see, school_field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None
    if act is not None and not can(user, act, obj):
        raise PermissionDenied
    return obj


def require(action: str):
    """View decorator: 403 unless the user may take the action in at least one school."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_any(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_action = action
        return wrapped

    return decorator


def children_of(user) -> QuerySet[Pupil]:
    """The pupils for whom this user holds parental responsibility."""
    if not getattr(user, "is_authenticated", False):
        return Pupil.objects.none()
    return Pupil.objects.filter(
        parent_links__parent=user, parent_links__parental_responsibility=True
    ).distinct()


def home_role(user) -> str | None:
    """The role whose home page the user lands on."""
    held = roles_of(user)
    return next((role for role in HOME_ORDER if role in held), None)


def workforce_q(prefix: str = "") -> Q:
    """A condition on membership rows (reached through ``prefix``, such as "user__memberships__")
    matching the people who work in a school: every school role but pupil and parent."""
    return Q(**{f"{prefix}role__in": SCHOOL_WORKFORCE})


def staff_q(*, school_ids=None, trust_ids=None, prefix: str = "") -> Q:
    """A condition on membership rows (reached through ``prefix``) matching staff: those working
    in these schools, and the trust-wide staff (not trustees) of these trusts."""
    condition = Q(pk__in=[])
    if school_ids is not None:
        condition |= workforce_q(prefix) & Q(**{f"{prefix}school__in": school_ids})
    if trust_ids is not None:
        condition |= Q(
            **{
                f"{prefix}role__in": TRUST_STAFF_ROLES,
                f"{prefix}school__isnull": True,
                f"{prefix}trust_id__in": trust_ids,
            }
        )
    return condition


def staff_memberships(school_ids) -> QuerySet[Membership]:
    """The memberships of the people working in these schools (one row per person and role)."""
    return Membership.objects.filter(workforce_q(), school_id__in=school_ids)


def staff_of(school_ids) -> QuerySet[User]:
    """The active people working in these schools."""
    return User.objects.filter(pk__in=staff_memberships(school_ids).values("user_id"), is_active=True)


def staff_of_trust(trust_id) -> QuerySet[User]:
    """The active staff of a trust: those working in any of its schools and its trust-wide staff."""
    members = Membership.objects.filter(trust_id=trust_id).filter(
        workforce_q() | Q(role__in=TRUST_STAFF_ROLES, school__isnull=True)
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True)


def staff_count_by_school(school_ids) -> dict[Any, int]:
    """How many active people work in each of these schools, in one query: {school id: count}."""
    return dict(
        staff_memberships(school_ids)
        .filter(user__is_active=True)
        .values("school_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
        .values_list("school_id", "n")
    )


def staff_memberships_of(user) -> list[Membership]:
    """The user's memberships as staff: in a school, or trust-wide other than as a trustee."""
    return [m for m in memberships(user) if m.role in SCHOOL_WORKFORCE or m.role in TRUST_STAFF_ROLES]


def parents_of(school_id) -> QuerySet[User]:
    """The active parents and carers of pupils of a school."""
    members = Membership.objects.filter(school_id=school_id, role=Role.PARENT)
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True)


def officers_for(action: str, school_id) -> list[QuerySet]:
    """The active people with the duty of an action in this school, one queryset per role holding
    it, in the order they are asked (for passing on what the person asked may not do)."""
    return [holders_of_role(role, school_id) for role in DUTY_HOLDERS[action]]


def memberships_for_home(user) -> list[Membership]:
    """The user's memberships in the role their home page is for (the page's heading names them)."""
    role = home_role(user)
    return [m for m in memberships(user) if m.role == role]


def is_workforce(user) -> bool:
    """Does the user work in a school or for the trust (not only a pupil or parent)?"""
    return any(m.role in SCHOOL_WORKFORCE or m.role in TRUST_ROLES for m in memberships(user))


# --- keeping django-guardian's per-school grants in step with memberships -------------------


def _school_permission_ids() -> dict[str, int]:
    ct = ContentType.objects.get_for_model(School)
    return dict(
        Permission.objects.filter(content_type=ct, codename__in=Action.values).values_list("codename", "id")
    )


def desired_grants(user_ids: Iterable) -> dict[Any, set[tuple[str, Any]]]:
    """For each user, the (action, school id) pairs their memberships grant."""
    user_ids = list(user_ids)
    wanted: dict[Any, set[tuple[str, Any]]] = {uid: set() for uid in user_ids}
    rows = Membership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "role", "school_id", "trust_id"
    )
    trust_schools: dict[Any, list] = {}
    for user_id, role, school_id, trust_id in rows:
        if school_id is not None:
            targets = [school_id]
        else:
            if trust_id not in trust_schools:
                trust_schools[trust_id] = list(
                    School.objects.filter(trust_id=trust_id).values_list("id", flat=True)
                )
            targets = trust_schools[trust_id]
        for action in ROLE_ACTIONS[Role(role)]:
            for target in targets:
                wanted[user_id].add((str(action), target))
    return wanted


@transaction.atomic
def sync_permissions(user_ids: Iterable) -> None:
    """Make django-guardian's school grants for these users match their memberships exactly."""
    user_ids = list(user_ids)
    if not user_ids:
        return
    ct = ContentType.objects.get_for_model(School)
    perm_ids = _school_permission_ids()
    codename_of = {pid: code for code, pid in perm_ids.items()}
    wanted = desired_grants(user_ids)
    existing = UserObjectPermission.objects.filter(user_id__in=user_ids, content_type=ct)
    have: dict[Any, dict[tuple[str, str], int]] = {}
    for row_id, user_id, perm_id, object_pk in existing.values_list(
        "id", "user_id", "permission_id", "object_pk"
    ):
        have.setdefault(user_id, {})[(codename_of.get(perm_id, ""), str(object_pk))] = row_id
    to_delete: list[int] = []
    to_create: list[UserObjectPermission] = []
    for user_id in user_ids:
        want = {(code, str(school)) for code, school in wanted.get(user_id, set())}
        current = have.get(user_id, {})
        to_delete += [row for key, row in current.items() if key not in want]
        to_create += [
            UserObjectPermission(
                user_id=user_id,
                permission_id=perm_ids[code],
                content_type=ct,
                object_pk=school,
            )
            for code, school in want
            if (code, school) not in current
        ]
    if to_delete:
        UserObjectPermission.objects.filter(id__in=to_delete).delete()
    if to_create:
        UserObjectPermission.objects.bulk_create(to_create, batch_size=2000)


def sync_trust(trust_id) -> None:
    """Re-grant every trust-wide member of a trust (after a school is added)."""
    sync_permissions(
        Membership.objects.filter(trust_id=trust_id, school__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def users_with(action: str, school_id) -> QuerySet:
    """The active people who may take the action in this school (for routing notifications)."""
    ct = ContentType.objects.get_for_model(School)
    holders = UserObjectPermission.objects.filter(
        content_type=ct, permission__codename=str(action), object_pk=str(school_id)
    ).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True)


def holders_of_role(role: str, school_id) -> QuerySet:
    """The active people holding a role in a school (a trust-wide role: in the school's trust)."""
    if role in TRUST_ROLES:
        trust = School.objects.filter(pk=school_id).values("trust_id")
        members = Membership.objects.filter(role=role, trust_id__in=trust, school__isnull=True)
    else:
        members = Membership.objects.filter(role=role, school_id=school_id)
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True)


# The people the policies name by their post, for who is told or asked next (escalation ladders,
# routing). Callers say whom they mean; only this module knows how a post is held.


def headteachers_of(school_id) -> QuerySet:
    """The school's headteacher (the active holders of the post)."""
    return holders_of_role(Role.HEADTEACHER, school_id)


def designated_safeguarding_leads_of(school_id) -> QuerySet:
    """The school's Designated Safeguarding Lead(s)."""
    return holders_of_role(Role.DSL, school_id)


def deputy_dsls_of(school_id) -> QuerySet:
    """The school's deputy Designated Safeguarding Lead(s)."""
    return holders_of_role(Role.DEPUTY_DSL, school_id)


def ceos_of(school_id) -> QuerySet:
    """The chief executive of the school's trust."""
    return holders_of_role(Role.CEO, school_id)


def chairs_of(school_id) -> QuerySet:
    """The chair of trustees of the school's trust."""
    return holders_of_role(Role.CHAIR_OF_TRUSTEES, school_id)


def trust_safeguarding_leads_of(school_id) -> QuerySet:
    """The trust safeguarding lead(s) of the school's trust."""
    return holders_of_role(Role.TRUST_SAFEGUARDING_LEAD, school_id)


def marketing_officers_of(school_id) -> QuerySet:
    """The school's marketing officer(s)."""
    return holders_of_role(Role.MARKETING_OFFICER, school_id)


def directors_of_marketing_of(school_id) -> QuerySet:
    """The director(s) of marketing of the school's trust."""
    return holders_of_role(Role.DIRECTOR_OF_MARKETING, school_id)


# Who decides a request in place of the person who normally would, when that person made it: the
# next decider the policies name (the headteacher for the marketing officer; the CEO or the chair
# of trustees for the headteacher), so that nobody's own request waits for themselves.
STAND_INS: dict[str, tuple[str, ...]] = {
    Action.DECIDE_AS_MARKETING: (Role.HEADTEACHER,),
    Action.DECIDE_AS_HEADTEACHER: (Role.CEO, Role.CHAIR_OF_TRUSTEES),
}

STAND_IN_LABELS: dict[str, tuple[str, ...]] = {
    action: tuple(Role(role).label for role in roles) for action, roles in STAND_INS.items()
}


def stand_ins_for(action: str, school_id) -> QuerySet:
    """The active people who decide in place of the holder of ``action`` in this school."""
    people = User.objects.none()
    for role in STAND_INS.get(str(action), ()):
        people = people | holders_of_role(role, school_id)
    return people.distinct()


def stand_in_role(user, action: str, school_id) -> str | None:
    """The role (its label) in which the user decides in place of ``action``'s holder here, if any."""
    for role in STAND_INS.get(str(action), ()):
        for membership in memberships(user):
            if membership.role != role:
                continue
            if membership.school_id == school_id or (
                membership.school_id is None and _school_trust_id(school_id) == membership.trust_id
            ):
                return Role(role).label
    return None


def schools_standing_in(user, action: str) -> frozenset:
    """Ids of the schools where the user decides in place of ``action``'s holder."""
    roles = STAND_INS.get(str(action), ())
    school_ids = {m.school_id for m in memberships(user) if m.role in roles and m.school_id}
    trust_ids = {m.trust_id for m in memberships(user) if m.role in roles and m.school_id is None}
    if trust_ids:
        school_ids |= set(School.objects.filter(trust_id__in=trust_ids).values_list("pk", flat=True))
    return frozenset(school_ids)


def _school_trust_id(school_id):
    return School.objects.filter(pk=school_id).values_list("trust_id", flat=True).first()


def data_protection_officers_of(school_id) -> QuerySet:
    """The data protection officer(s) of the school's trust."""
    return holders_of_role(Role.DATA_PROTECTION_OFFICER, school_id)


def trust_administrators() -> QuerySet:
    """The active trust administrators of every trust on this portal (told when the deadline
    sweep, which serves every trust, has stalled)."""
    members = Membership.objects.filter(role=Role.TRUST_ADMINISTRATOR, school__isnull=True)
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk")


def parent_links_for(user) -> QuerySet[ParentLink]:
    """The user's links to children, with the pupil and school."""
    return ParentLink.objects.filter(parent=user).select_related("pupil", "pupil__school")
