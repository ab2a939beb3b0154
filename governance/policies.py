"""The policy register: writes (create, add a version, publish, acknowledge), its reads, and the
periodic reminders (review due to the owner, acknowledgement outstanding to staff)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import School, Trust, User
from accounts.roles import Action
from core.audit import audit_record
from core.dates import long_date
from core.models import AuditEntry
from core.notifications import notify
from core.once import claim
from core.tasks import enqueue_on_commit
from governance.models import Acknowledgement, Policy, PolicyReminder, PolicyVersion

# Days before the review date at which the owner is reminded, most urgent first.
REVIEW_LEVELS = ((0, "due"), (7, "7d"), (30, "30d"))


# --- reads ---------------------------------------------------------------------------------------


def may_manage(user, *, trust_id, school_id) -> bool:
    """May the user manage a policy of this school (or, with no school, of the whole trust)?"""
    if school_id is not None:
        return school_id in access.schools_for(user, Action.MANAGE_POLICIES)
    return access.may_across_trust(user, Action.MANAGE_POLICIES, trust_id)


def staff_in_scope(policy: Policy) -> QuerySet[User]:
    """The active members of staff asked to acknowledge the policy: its school's, or for a
    trust-wide policy the trust's (trustees govern; they are not asked)."""
    if policy.school_id:
        return access.staff_of([policy.school_id])
    return access.staff_of_trust(policy.trust_id)


def current_versions() -> QuerySet[PolicyVersion]:
    """The latest published version of every policy."""
    latest = (
        PolicyVersion.objects.filter(policy=OuterRef("policy"), published_at__isnull=False)
        .order_by()
        .values("policy")
        .annotate(top=Max("number"))
        .values("top")
    )
    return PolicyVersion.objects.filter(published_at__isnull=False, number=Subquery(latest[:1]))


def versions_awaiting(user) -> list[PolicyVersion]:
    """Current policy versions in the user's scope that they have not yet acknowledged."""
    held = access.staff_memberships_of(user)
    if not held:
        return []
    schools = {m.school_id for m in held if m.school_id}
    trusts = {m.trust_id for m in held}
    acknowledged = Acknowledgement.objects.filter(version=OuterRef("pk"), user=user)
    return list(
        current_versions()
        .filter(
            Q(policy__school_id__in=schools) | Q(policy__school__isnull=True, policy__trust_id__in=trusts)
        )
        .exclude(Exists(acknowledged))
        .select_related("policy", "policy__school")
        .order_by("policy__title")
    )


def policy_register(user) -> QuerySet[Policy]:
    """The policies the user may manage, with their owner and school."""
    return (
        Policy.objects.visible_to(user, Action.MANAGE_POLICIES)
        .select_related("owner", "school")
        .annotate(
            latest_number=Max("versions__number", filter=Q(versions__published_at__isnull=False)),
            review_due=Max("versions__next_review_due", filter=Q(versions__published_at__isnull=False)),
        )
        .order_by("title")
    )


def trusts_managed(user) -> list[Trust]:
    """The trusts whose trust-wide policies the user may manage."""
    ids = {m.trust_id for m in access.memberships(user) if m.school_id is None}
    return [t for t in Trust.objects.filter(pk__in=ids) if may_manage(user, trust_id=t.pk, school_id=None)]


# --- writes --------------------------------------------------------------------------------------


def policy_create(*, user: User, trust: Trust, school: School | None, title: str, owner: User) -> Policy:
    """Add a policy to the register, for one school or (no school) the whole trust."""
    if not may_manage(user, trust_id=trust.pk, school_id=school.pk if school else None):
        raise PermissionDenied
    policy = Policy(trust=trust, school=school, title=title, owner=owner)
    policy.full_clean()
    policy.save()
    audit_record(verb=AuditEntry.Verb.CREATE, obj=policy, actor=user, school_id=policy.school_id)
    return policy


def policy_version_add(
    *, user: User, policy: Policy, summary: str, text: str, approved_on: date, next_review_due: date
) -> PolicyVersion:
    """Record a newly approved text of a policy (not yet published)."""
    if not may_manage(user, trust_id=policy.trust_id, school_id=policy.school_id):
        raise PermissionDenied
    if next_review_due <= approved_on:
        raise ValidationError({"next_review_due": "The next review date must be after the approval date."})
    with transaction.atomic():
        Policy.objects.select_for_update().get(pk=policy.pk)
        number = (policy.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = PolicyVersion.objects.create(
            policy=policy,
            number=number,
            summary=summary,
            text=text,
            approved_on=approved_on,
            next_review_due=next_review_due,
            created_by=user,
        )
        audit_record(verb=AuditEntry.Verb.CREATE, obj=version, actor=user, school_id=policy.school_id)
    return version


def policy_version_publish(*, user: User, version: PolicyVersion) -> int:
    """Publish a version and ask every member of staff in scope to acknowledge it; returns how many
    were asked. Publishing twice asks nobody twice."""
    policy = version.policy
    if not may_manage(user, trust_id=policy.trust_id, school_id=policy.school_id):
        raise PermissionDenied
    with transaction.atomic():
        version = PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
        if version.published_at is None:
            version.published_at = timezone.now()
            version.save(update_fields=["published_at"])
            audit_record(
                verb=AuditEntry.Verb.UPDATE,
                obj=version,
                actor=user,
                school_id=policy.school_id,
                changes={"published_at": version.published_at.isoformat()},
            )
        waiting = (
            staff_in_scope(policy)
            .exclude(acknowledgements__version=version)
            .exclude(pk__in=version.reminders.filter(level="published").values("user"))
            .count()
        )
        _enqueue_acknowledgement_requests(version.pk)
    return waiting


def _enqueue_acknowledgement_requests(version_id) -> None:
    """Ask staff to acknowledge in a worker, after commit: a trust-wide policy reaches thousands of
    people. With the queue down the requests are written here instead, so publishing never loses
    them."""
    # Here, not at the top: the tasks module imports this one to run the requests in a worker.
    from governance.tasks import ask_policy_acknowledgements

    enqueue_on_commit(
        ask_policy_acknowledgements,
        str(version_id),
        if_queue_down=lambda: acknowledgement_requests_send(version_id=version_id),
    )


def acknowledgement_requests_send(*, version_id) -> int:
    """Ask every member of staff in scope of a published version to acknowledge it (once each)."""
    version = PolicyVersion.objects.select_related("policy").get(pk=version_id)
    if version.published_at is None:
        return 0
    return _ask_to_acknowledge(version, level="published")


def _ask_to_acknowledge(version: PolicyVersion, *, level: str) -> int:
    """Notify each member of staff in scope who has not acknowledged, once per level."""
    link = reverse("governance:policy_read", kwargs={"version_id": version.pk})
    waiting = staff_in_scope(version.policy).exclude(acknowledgements__version=version)
    told = 0
    for person in waiting.iterator():
        if not claim(PolicyReminder, version=version, user=person, level=level):
            continue
        notify(
            user=person,
            subject=f"Please read and acknowledge: {version.policy.title}",
            body=f"Version {version.number} has been published. What has changed: {version.summary}",
            link=link,
        )
        told += 1
    return told


def acknowledgement_record(*, user: User, version: PolicyVersion) -> Acknowledgement:
    """Record that a member of staff has read a published version in their scope."""
    if version.published_at is None or not staff_in_scope(version.policy).filter(pk=user.pk).exists():
        raise PermissionDenied
    acknowledgement, created = Acknowledgement.objects.get_or_create(version=version, user=user)
    if created:
        audit_record(
            verb=AuditEntry.Verb.CREATE,
            obj=acknowledgement,
            actor=user,
            school_id=version.policy.school_id,
            object_repr=f"Acknowledged {version}",
        )
    return acknowledgement


# --- periodic reminders ----------------------------------------------------------------------------


def review_reminder_sweep(*, today: date | None = None) -> int:
    """Remind each policy's owner as its review date nears (30 days, 7 days, due); returns how many."""
    today = today or timezone.localdate()
    sent = 0
    soon = current_versions().filter(next_review_due__lte=today + timezone.timedelta(days=30))
    for version in soon.select_related("policy", "policy__owner"):
        days_left = (version.next_review_due - today).days
        level = next(name for limit, name in REVIEW_LEVELS if days_left <= limit)
        if not claim(PolicyReminder, version=version, user=None, level=level):
            continue
        when = "is due now" if days_left <= 0 else f"is due on {long_date(version.next_review_due)}"
        notify(
            user=version.policy.owner,
            subject=f"Policy review {when}: {version.policy.title}",
            link=reverse("governance:policy_detail", kwargs={"policy_id": version.policy_id}),
        )
        sent += 1
    return sent


def acknowledgement_reminder_sweep(*, today: date | None = None) -> int:
    """Remind, once a week, staff who have not acknowledged a version published a week or more ago."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    level = f"ack-{year}-W{week:02d}"
    cutoff = timezone.now() - timezone.timedelta(days=7)
    sent = 0
    for version in current_versions().filter(published_at__lte=cutoff).select_related("policy"):
        sent += _ask_to_acknowledge(version, level=level)
    return sent


def overdue_policy_reviews(now, school_ids) -> int:
    """Policies whose current version is past its review date."""
    versions = current_versions().filter(next_review_due__lt=timezone.localdate(now))
    if school_ids is not None:
        trusts = School.objects.filter(pk__in=school_ids).values("trust_id")
        versions = versions.filter(
            Q(policy__school_id__in=school_ids) | Q(policy__school__isnull=True, policy__trust_id__in=trusts)
        )
    return versions.count()
