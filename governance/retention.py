"""Retention: the trust's schedule per record type, and the job that LISTS records whose period
has ended for the data protection officer to review. Nothing is deleted here: erasure is a decision
a person takes, recorded on the review."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts import access
from accounts.models import Trust, User
from accounts.roles import Action
from consent.models import ConsentAnswer
from core.audit import audit_record
from core.models import AuditEntry
from governance.register_models import RecordType, RetentionReview, RetentionRule
from incidents.models import Incident

# The trust's schedule unless it sets its own: child-protection records until the pupil's date of
# birth + 25 years; consent answers (which may be erased on request sooner) 3 years after recording.
DEFAULT_RULES = {
    RecordType.SAFEGUARDING: (RetentionRule.Basis.DATE_OF_BIRTH, 25),
    RecordType.CONSENT: (RetentionRule.Basis.RECORDED, 3),
}


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    return years_after(day, -years)


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def schedule(trust: Trust) -> dict[str, RetentionRule]:
    """The trust's rule for each record type (its own setting, or the default, unsaved)."""
    rules = {rule.record_type: rule for rule in RetentionRule.objects.filter(trust=trust)}
    for record_type, (basis, years) in DEFAULT_RULES.items():
        rules.setdefault(
            record_type, RetentionRule(trust=trust, record_type=record_type, basis=basis, years=years)
        )
    return rules


def retention_rule_set(*, user: User, trust: Trust, record_type: str, years: int) -> RetentionRule:
    """Change how many years a record type is kept before review (the basis stays the policy's)."""
    if not _manages(user, trust):
        raise PermissionDenied
    basis = DEFAULT_RULES[RecordType(record_type)][0]
    rule, _ = RetentionRule.objects.update_or_create(
        trust=trust, record_type=record_type, defaults={"basis": basis, "years": years}
    )
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=rule, actor=user, changes={"years": years})
    return rule


def _manages(user, trust: Trust) -> bool:
    schools = access.schools_for(user, Action.MANAGE_RETENTION)
    return trust.schools.filter(pk__in=schools).exists()


def retention_review_sweep(*, today: date | None = None) -> int:
    """List every record whose retention period has ended and is not yet listed; returns how many."""
    today = today or timezone.localdate()
    listed = 0
    for trust in Trust.objects.all():
        rules = schedule(trust)
        reviews = _safeguarding_due(trust, rules[RecordType.SAFEGUARDING].years, today)
        reviews += _consent_due(trust, rules[RecordType.CONSENT].years, today)
        before = RetentionReview.objects.filter(trust=trust).count()
        # A record already listed is not listed again (one review row per record).
        RetentionReview.objects.bulk_create(reviews, ignore_conflicts=True, batch_size=1000)
        listed += RetentionReview.objects.filter(trust=trust).count() - before
    return listed


def _safeguarding_due(trust: Trust, years: int, today: date) -> list[RetentionReview]:
    """Incidents whose youngest named pupil was born more than ``years`` years ago."""
    born_by = years_before(today, years)
    incidents = (
        Incident.objects.filter(school__trust=trust, people__pupil__isnull=False)
        .annotate(youngest=Max("people__pupil__date_of_birth"))
        .filter(youngest__lte=born_by)
        .values("pk", "reference", "school_id", "youngest")
    )
    return [
        RetentionReview(
            trust=trust,
            school_id=row["school_id"],
            record_type=RecordType.SAFEGUARDING,
            object_id=str(row["pk"]),
            object_label=f"Incident {row['reference']}",
            review_due=years_after(row["youngest"], years),
        )
        for row in incidents
    ]


def _consent_due(trust: Trust, years: int, today: date) -> list[RetentionReview]:
    """Consent answers recorded more than ``years`` years ago."""
    cutoff = years_before(today, years)
    answers = ConsentAnswer.objects.filter(school__trust=trust, recorded_at__date__lte=cutoff).values(
        "pk", "school_id", "academic_year", "purpose", "recorded_at"
    )
    return [
        RetentionReview(
            trust=trust,
            school_id=row["school_id"],
            record_type=RecordType.CONSENT,
            object_id=str(row["pk"]),
            object_label=f"Consent answer ({row['academic_year']}, {row['purpose']})",
            review_due=years_after(timezone.localtime(row["recorded_at"]).date(), years),
        )
        for row in answers
    ]


def reviews_for(user) -> QuerySet[RetentionReview]:
    """The reviews of the schools where the user manages retention, oldest first."""
    return access.scope(RetentionReview.objects.all(), user, Action.MANAGE_RETENTION).select_related(
        "school", "decided_by"
    )


def retention_review_decide(*, user: User, review: RetentionReview, outcome: str) -> RetentionReview:
    """Record the officer's decision on a listed record (keep for longer, or erase)."""
    if not access.can(user, Action.MANAGE_RETENTION, review):
        raise PermissionDenied
    review.outcome = RetentionReview.Outcome(outcome)
    review.decided_by = user
    review.decided_at = timezone.now()
    review.save(update_fields=["outcome", "decided_by", "decided_at"])
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=review, actor=user, changes={"outcome": outcome})
    return review
