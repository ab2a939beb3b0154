"""Reads of consent: the check other code calls, and the scoped querysets behind each page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import ParentLink, Pupil, School, Trust, User
from accounts.roles import Action
from consent.models import (
    Collection,
    CollectionSchedule,
    ConsentAnswer,
    ConsentState,
    Decision,
    Event,
    Method,
    Purpose,
    Restriction,
    WithdrawalFollowUp,
)
from core.calendar import academic_year_for, next_academic_year
from core.dates import long_date

ALL_PURPOSES = len(Purpose.values)


def current_academic_year(today: date | None = None) -> str:
    """The academic year today falls in (September to August, in the trust's time zone)."""
    return academic_year_for(today or timezone.localdate())


@dataclass(frozen=True)
class Verdict:
    """May a pupil appear for one purpose: yes or no, under which restrictions, and why."""

    allowed: bool
    restrictions: list[str] = field(default_factory=list)
    reason: str = ""
    decision: str | None = None

    @property
    def restriction_labels(self) -> list[str]:
        return [Restriction(value).label for value in self.restrictions]

    @property
    def status(self) -> str:
        """'allowed', 'restricted' or 'not_allowed', for grouping and colouring."""
        if not self.allowed:
            return "not_allowed"
        return "restricted" if self.restrictions else "allowed"


def _verdict(state: ConsentState | None, academic_year: str) -> Verdict:
    """The verdict for one current answer (None: no answer, so no consent)."""
    if state is None:
        return Verdict(allowed=False, reason=f"No answer from a parent or carer for {academic_year}")
    when = long_date(state.answered_at)
    how = " (paper form)" if state.method == Method.PAPER_FORM else ""
    who = state.parent.full_name or state.parent.email
    verb = {Decision.GIVEN: "Given", Decision.REFUSED: "Refused", Decision.WITHDRAWN: "Withdrawn"}[
        state.decision
    ]
    return Verdict(
        allowed=state.decision == Decision.GIVEN,
        restrictions=list(state.restrictions) if state.decision == Decision.GIVEN else [],
        reason=f"{verb} by {who} on {when}{how}",
        decision=state.decision,
    )


def _pupil_ids(pupils) -> list:
    """The ids of pupils given as a queryset (one query), objects or ids."""
    if isinstance(pupils, QuerySet):
        return list(pupils.values_list("pk", flat=True))
    return [getattr(p, "pk", p) for p in pupils]


def consent_check_many(
    *, pupils: QuerySet[Pupil] | Iterable, purposes: Iterable[str], academic_year: str | None = None
) -> dict:
    """For each pupil, a Verdict per purpose, in at most two queries whatever the number of pupils.

    Queries: (1) the pupils' ids, only when ``pupils`` is a queryset; (2) their current answers for
    these purposes and year, with the parent who gave each.
    """
    academic_year = academic_year or current_academic_year()
    purposes = list(purposes)
    ids = _pupil_ids(pupils)
    found: dict = {}
    if ids:
        states = ConsentState.objects.filter(
            pupil_id__in=ids, academic_year=academic_year, purpose__in=purposes
        ).select_related("parent")
        for state in states:
            found[(state.pupil_id, state.purpose)] = state
    return {
        pupil_id: {purpose: _verdict(found.get((pupil_id, purpose)), academic_year) for purpose in purposes}
        for pupil_id in ids
    }


def consent_check(
    *, pupils: QuerySet[Pupil] | Iterable, purpose: str, academic_year: str | None = None
) -> dict:
    """May each pupil appear for this purpose? {pupil id: Verdict}; no answer means no consent.

    A fixed number of queries whatever the number of pupils (see consent_check_many). Callers pass
    only pupils the person asking may see: this answers about consent, not about access.
    """
    verdicts = consent_check_many(pupils=pupils, purposes=[purpose], academic_year=academic_year)
    return {pupil_id: by_purpose[purpose] for pupil_id, by_purpose in verdicts.items()}


def combined_verdict(verdicts: dict[str, Verdict]) -> Verdict:
    """One verdict for several purposes: allowed only if allowed for each, under all their restrictions."""
    refused = [purpose for purpose, v in verdicts.items() if not v.allowed]
    restrictions = {r for v in verdicts.values() for r in v.restrictions}
    ordered = [value for value in Restriction.values if value in restrictions]
    if refused:
        words = {Decision.REFUSED: "refused", Decision.WITHDRAWN: "withdrawn", None: "no answer"}
        reason = "; ".join(f"{Purpose(p).label}: {words[verdicts[p].decision]}" for p in refused)
        return Verdict(allowed=False, restrictions=ordered, reason=reason)
    return Verdict(allowed=True, restrictions=ordered, reason="Consent given for every use")


# --- the consent check page --------------------------------------------------------------------


def pupils_for_check(
    *,
    user: User,
    names: list[str] | None = None,
    school: School | None = None,
    year_group: int | None = None,
    class_name: str = "",
) -> QuerySet[Pupil]:
    """Pupils on roll the user may check consent for, picked by names, class or year group."""
    pupils = Pupil.objects.visible_to(user, Action.CHECK_CONSENT).filter(is_active=True)
    if school is not None:
        pupils = pupils.filter(school=school)
    if names:
        # Each name (a comma-separated list) matches pupils having every word of it in a name.
        any_name = Q(pk__in=[])
        for name in names:
            words = Q()
            for word in name.split()[:4]:
                words &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(mis_id__iexact=word)
            any_name |= words
        pupils = pupils.filter(any_name)
    if year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    if class_name:
        pupils = pupils.filter(class_name__iexact=class_name.strip())
    return pupils.select_related("school").order_by("last_name", "first_name", "pk")


def years_with_answers(*, today: date | None = None) -> list[str]:
    """The academic years worth offering: last year, this year and next."""
    this_year = current_academic_year(today)
    last_year = academic_year_for(date(int(this_year[:4]) - 1, 9, 1))
    return [next_academic_year(this_year), this_year, last_year]


# --- the parent's page -------------------------------------------------------------------------


def children_with_answers(*, parent: User, academic_year: str) -> list[tuple[Pupil, dict[str, ConsentState]]]:
    """The parent's children (parental responsibility only), each with this year's answers by purpose.

    Queries: (1) the children with their schools; (2) their answers for the year.
    """
    children = list(access.children_of(parent).select_related("school").order_by("first_name", "last_name"))
    states = ConsentState.objects.filter(pupil__in=[c.pk for c in children], academic_year=academic_year)
    by_pupil: dict = {}
    for state in states:
        by_pupil.setdefault(state.pupil_id, {})[state.purpose] = state
    return [(child, by_pupil.get(child.pk, {})) for child in children]


def years_for_parent(*, parent: User, today: date | None = None) -> list[str]:
    """This year, and next year when a collection for it is open for one of the parent's children."""
    this_year = current_academic_year(today)
    upcoming = next_academic_year(this_year)
    children = access.children_of(parent)
    # The trusts by subquery: a join from the trust through its schools to every pupil (inside the
    # OR) let the planner read a whole trust's pupils for one parent's page.
    trusts = School.objects.filter(pk__in=children.values("school_id")).values("trust_id")
    open_next = Collection.objects.filter(academic_year=upcoming).filter(
        Q(school__in=children.values("school_id")) | Q(school__isnull=True, trust__in=trusts)
    )
    return [this_year, upcoming] if open_next.exists() else [this_year]


def states_for_pupil(*, pupil: Pupil, academic_year: str) -> dict[str, ConsentState]:
    """A pupil's answers for a year, by purpose."""
    return {
        state.purpose: state
        for state in ConsentState.objects.filter(pupil=pupil, academic_year=academic_year).select_related(
            "parent"
        )
    }


def pupil_history(*, pupil: Pupil) -> QuerySet[ConsentAnswer]:
    """Every answer ever recorded for a pupil, newest first, with who gave and who entered it."""
    return (
        ConsentAnswer.objects.filter(pupil=pupil)
        .select_related("parent", "entered_by")
        .order_by("-recorded_at", "purpose")
    )


def parents_with_responsibility(*, pupil: Pupil) -> QuerySet[User]:
    """The pupil's parents and carers who may give consent."""
    links = ParentLink.objects.filter(pupil=pupil, parental_responsibility=True)
    return User.objects.filter(pk__in=links.values("parent_id")).order_by("full_name")


# --- the register ------------------------------------------------------------------------------


def register_states(
    *,
    user: User,
    schools: Iterable,
    academic_year: str,
    year_group: int | None = None,
    purpose: str | None = None,
) -> QuerySet[ConsentState]:
    """Refusals, withdrawals and restrictions (003 §10.2) in these schools, with pupil and parent."""
    states = (
        ConsentState.objects.visible_to(user, Action.CHECK_CONSENT)
        .filter(school__in=schools, academic_year=academic_year, pupil__is_active=True)
        .without_consent_or_restricted()
    )
    if year_group is not None:
        states = states.filter(pupil__year_group=year_group)
    if purpose:
        states = states.filter(purpose=purpose)
    return states.select_related("pupil", "pupil__school", "parent").order_by(
        "pupil__school__name", "pupil__last_name", "pupil__first_name", "pupil_id", "purpose"
    )


def register_pupils(
    *,
    user: User,
    schools: Iterable,
    academic_year: str,
    year_group: int | None = None,
    purpose: str | None = None,
) -> QuerySet[Pupil]:
    """The pupils with any refusal, withdrawal or restriction: one row each on the register page."""
    states = register_states(
        user=user, schools=schools, academic_year=academic_year, year_group=year_group, purpose=purpose
    )
    return (
        Pupil.objects.filter(pk__in=states.values("pupil_id"))
        .select_related("school")
        .order_by("school__name", "last_name", "first_name", "pk")
    )


def register_states_for(*, pupils: list[Pupil], academic_year: str, purpose: str | None = None) -> dict:
    """Each pupil's refusals, withdrawals and restrictions for the year, in purpose order."""
    states = ConsentState.objects.filter(
        pupil__in=pupils, academic_year=academic_year
    ).without_consent_or_restricted()
    if purpose:
        states = states.filter(purpose=purpose)
    order = {value: index for index, value in enumerate(Purpose.values)}
    out: dict = {}
    for state in sorted(states.select_related("parent"), key=lambda s: order[s.purpose]):
        out.setdefault(state.pupil_id, []).append(state)
    return out


def coverage(*, schools: Iterable, academic_year: str) -> dict:
    """How many pupils on roll have an answer for every purpose, in these schools."""
    pupils = Pupil.objects.filter(school__in=schools, is_active=True)
    answered = pupils.annotate(
        n=Count("consent_states", filter=Q(consent_states__academic_year=academic_year))
    ).filter(n__gte=ALL_PURPOSES)
    total = pupils.count()
    done = answered.count()
    return {"total": total, "answered": done, "percent": round(100 * done / total) if total else 0}


# --- collections -------------------------------------------------------------------------------


def _fully_answered(academic_year: str):
    """A subquery: the pupil has an answer for every purpose in the year."""
    return (
        ConsentState.objects.filter(pupil=OuterRef("pk"), academic_year=academic_year)
        .values("pupil")
        .annotate(n=Count("pk"))
        .filter(n__gte=ALL_PURPOSES)
    )


def collection_pupils(*, collection: Collection, schools: Iterable | None = None) -> QuerySet[Pupil]:
    """The pupils a collection asks about, limited to these schools, each marked ``answered``."""
    pupils = collection.pupils_in_scope()
    if schools is not None:
        pupils = pupils.filter(school__in=schools)
    return pupils.annotate(answered=Exists(_fully_answered(collection.academic_year)))


def collection_parents(*, collection: Collection, outstanding_only: bool = False) -> QuerySet[User]:
    """Active parents with parental responsibility for a pupil in scope (with a pupil still to answer)."""
    pupils = collection_pupils(collection=collection)
    if outstanding_only:
        pupils = pupils.filter(answered=False)
    links = ParentLink.objects.filter(parental_responsibility=True, pupil__in=pupils.values("pk"))
    return User.objects.filter(is_active=True, pk__in=links.values("parent_id"))


def collection_progress(*, collection: Collection, schools: Iterable) -> list[dict]:
    """Per school in scope (of those given): pupils, pupils fully answered, response rate.

    One query: pupils grouped by school with a count of the fully answered.
    """
    rows = (
        collection_pupils(collection=collection, schools=schools)
        .values("school_id", "school__name")
        .annotate(total=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
        .order_by("school__name")
    )
    return [
        {
            "school_id": row["school_id"],
            "school": row["school__name"],
            "total": row["total"],
            "answered": row["answered"],
            "percent": round(100 * row["answered"] / row["total"]) if row["total"] else 0,
        }
        for row in rows
    ]


def outstanding_pupils(*, collection: Collection, schools: Iterable) -> QuerySet[Pupil]:
    """Pupils in scope without an answer for every purpose, with their parents (for the page)."""
    return (
        collection_pupils(collection=collection, schools=schools)
        .filter(answered=False)
        .select_related("school")
        .order_by("school__name", "year_group", "class_name", "last_name", "first_name", "pk")
    )


def parents_by_pupil(*, pupils: list[Pupil]) -> dict:
    """The parents with parental responsibility of each pupil (one query)."""
    links = (
        ParentLink.objects.filter(pupil__in=pupils, parental_responsibility=True)
        .select_related("parent")
        .order_by("parent__full_name")
    )
    out: dict = {}
    for link in links:
        out.setdefault(link.pupil_id, []).append(link.parent)
    return out


def collections_for(*, user: User) -> QuerySet[Collection]:
    """The collections the user may follow."""
    return Collection.objects.visible_to(user).select_related("school", "opened_by")


# A collection may be trust-wide and an event may span schools, which access.get_object_for (one
# school per row) cannot scope: these fetch one through the model's own visible_to instead.
def collection_for(*, user: User, collection_id) -> Collection:
    """One collection the user may follow; 404 for any other id."""
    try:
        return collections_for(user=user).get(pk=collection_id)
    except (Collection.DoesNotExist, ValueError):
        raise Http404 from None


def event_for(*, user: User, event_id) -> Event:
    """One event whose every school is one where the user checks consent; 404 for any other id."""
    try:
        return Event.objects.visible_to(user).select_related("created_by").get(pk=event_id)
    except (Event.DoesNotExist, ValueError):
        raise Http404 from None


# --- follow-ups and events ---------------------------------------------------------------------


def follow_ups_for(*, user: User, done: bool = False) -> QuerySet[WithdrawalFollowUp]:
    """Withdrawal follow-ups in the user's schools: open ones oldest first, or done ones newest first."""
    follow_ups = access.scope(WithdrawalFollowUp.objects.all(), user, Action.MANAGE_CONSENT_REGISTER).filter(
        resolved_at__isnull=not done
    )
    order = ["-resolved_at"] if done else ["created_at"]
    return follow_ups.select_related("pupil", "school", "resolved_by", "answer__parent").order_by(
        *order, "pk"
    )


def events_for(*, user: User) -> QuerySet[Event]:
    """Events the user may brief for, newest first, with their schools and a count of pupils."""
    return (
        Event.objects.visible_to(user)
        .annotate(pupil_count=Count("pupils", distinct=True))
        .prefetch_related("schools")
        .order_by("-date", "name")
    )


def event_attendees(*, event: Event) -> list[tuple[Pupil, object]]:
    """The event's pupils, each with one combined verdict for the event's purposes, in briefing order.

    Queries: (1) the pupils with their schools; (2) their answers for the event's academic year.
    """
    pupils = list(
        event.pupils.select_related("school").order_by(
            "school__name", "year_group", "class_name", "last_name"
        )
    )
    verdicts = consent_check_many(
        pupils=pupils, purposes=event.purposes, academic_year=academic_year_for(event.date)
    )
    return [(pupil, combined_verdict(verdicts[pupil.pk])) for pupil in pupils]


def trust_run_by(*, user) -> Trust | None:
    """The trust in every school of which the user runs the consent collection, if there is one."""
    schools = access.schools_for(user, Action.RUN_CONSENT_COLLECTION)
    for trust_id in School.objects.filter(pk__in=schools).values_list("trust_id", flat=True).distinct():
        if set(School.objects.filter(trust_id=trust_id).values_list("pk", flat=True)) <= schools:
            return Trust.objects.get(pk=trust_id)
    return None


def collection_schedule_of(*, trust) -> CollectionSchedule | None:
    """The trust's schedule for opening the collection by itself, if one was set."""
    return CollectionSchedule.objects.select_related("set_by").filter(trust=trust).first()
