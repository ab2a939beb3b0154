"""Retention: the trust's schedule per record type, and the job that LISTS records whose period
has ended for the data protection officer to review. The job erases nothing: erasure is a decision
a person takes, recorded on the review and carried out at once (governance.erasure)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from accounts.models import Trust, User
from accounts.roles import Action
from core import registries
from core.audit import audit_record
from core.models import AuditEntry
from governance.erasure import retention_review_erase
from governance.models import RetentionReview, RetentionRule


def schedule(trust: Trust) -> dict[str, RetentionRule]:
    """The trust's rule for each kind of record the apps registered (its own setting, or the
    registered default, unsaved). Child-protection records are kept until the pupil's date of birth
    + 25 years; consent answers (which may be erased on request sooner) 3 years after recording."""
    rules = {rule.record_type: rule for rule in RetentionRule.objects.filter(trust=trust)}
    for kind in registries.retention_types:
        rules.setdefault(
            kind.key,
            RetentionRule(trust=trust, record_type=kind.key, basis=kind.basis, years=kind.default_years),
        )
    return rules


def retention_rule_set(*, user: User, trust: Trust, record_type: str, years: int) -> RetentionRule:
    """Change how many years a record type is kept before review (the basis stays the policy's)."""
    if not _manages(user, trust):
        raise PermissionDenied
    basis = registries.retention_types.get(record_type).basis
    rule, _ = RetentionRule.objects.update_or_create(
        trust=trust, record_type=record_type, defaults={"basis": basis, "years": years}
    )
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=rule, actor=user, changes={"years": years})
    return rule


def _manages(user, trust: Trust) -> bool:
    return access.trusts_for(user, Action.MANAGE_RETENTION).filter(pk=trust.pk).exists()


def retention_review_sweep(*, today: date | None = None) -> int:
    """List every record whose retention period has ended and is not yet listed; returns how many."""
    today = today or timezone.localdate()
    listed = 0
    for trust in Trust.objects.all():
        rules = schedule(trust)
        reviews = [
            RetentionReview(
                trust=trust,
                school_id=due.school_id,
                record_type=kind.key,
                object_id=due.object_id,
                object_label=due.label,
                review_due=due.review_due,
            )
            for kind in registries.retention_types
            for due in kind.due(trust, rules[kind.key].years, today)
        ]
        before = RetentionReview.objects.filter(trust=trust).count()
        # A record already listed is not listed again (one review row per record).
        RetentionReview.objects.bulk_create(reviews, ignore_conflicts=True, batch_size=1000)
        listed += RetentionReview.objects.filter(trust=trust).count() - before
    return listed


def reviews_for(user) -> QuerySet[RetentionReview]:
    """The reviews of the schools where the user manages retention, oldest first."""
    return access.scope(RetentionReview.objects.all(), user, Action.MANAGE_RETENTION).select_related(
        "school", "decided_by"
    )


@transaction.atomic
def retention_review_decide(*, user: User, review: RetentionReview, outcome: str) -> RetentionReview:
    """Record the officer's decision on a listed record (keep for longer, or erase, which is
    carried out with it)."""
    if not access.can(user, Action.MANAGE_RETENTION, review):
        raise PermissionDenied
    review = RetentionReview.objects.select_for_update().get(pk=review.pk)
    if review.outcome == RetentionReview.Outcome.ERASE:
        # Erased already: there is nothing left to keep or to erase again.
        raise PermissionDenied
    review.outcome = RetentionReview.Outcome(outcome)
    review.decided_by = user
    review.decided_at = timezone.now()
    review.save(update_fields=["outcome", "decided_by", "decided_at"])
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=review, actor=user, changes={"outcome": outcome})
    if review.outcome == RetentionReview.Outcome.ERASE:
        retention_review_erase(user=user, review=review)
    return review
