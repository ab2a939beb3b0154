"""Governance's sample records for the demo trust: in every school a personal-data breach being
chased for the ICO, and an erase decision carried out, with its certificate in the audit log."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Pupil, School
from core import registries
from core.models import AuditEntry
from governance import breaches, erasure, retention
from governance.models import Breach, RetentionReview


def seed_demo_records(data) -> None:
    """A breach and an erasure certificate in every demo school, once."""
    officer = data.data_protection_officer()
    for school in data.schools.values():
        if not Breach.objects.filter(school=school).exists():
            _seed_breach(officer, school)
        if not AuditEntry.objects.filter(object_type=erasure.CERTIFICATE, school_id=school.pk).exists():
            _seed_erasure(officer, school)


def _seed_breach(officer, school: School) -> None:
    # Found two days ago and not yet decided: the log shows it due, and the officer is reminded.
    found = (timezone.now() - timedelta(hours=50)).replace(second=0, microsecond=0)
    breaches.breach_record(
        user=officer,
        school=school,
        what_happened="A Year 8 class list with parents' phone numbers was emailed to one parent by mistake.",
        data_involved="Pupils' names and classes; parents' names and phone numbers (one class)",
        people_affected=29,
        found_at=found,
        who_was_told="The parent who received it (asked to delete it, confirmed by reply); the headteacher.",
        actions_taken="Recall attempted; the class list template no longer includes phone numbers.",
    )


def _seed_erasure(officer, school: School) -> None:
    # A pupil who left long ago, whose record's retention period (date of birth + 25 years) ended.
    today = timezone.localdate()
    pupil = Pupil.objects.create(
        school=school,
        first_name="Former",
        last_name="Pupil",
        date_of_birth=date(today.year - 27, 3, 14),
        year_group=11,
        mis_id=f"LEFT-{school.urn}",
        is_active=False,
    )
    kind = registries.retention_types.get("pupil_records")
    rule = retention.schedule(school.trust)[kind.key]
    due = next(d for d in kind.due(school.trust, rule.years, today) if d.object_id == str(pupil.pk))
    review = RetentionReview.objects.create(
        trust=school.trust,
        school=school,
        record_type=kind.key,
        object_id=due.object_id,
        object_label=due.label,
        review_due=due.review_due,
    )
    retention.retention_review_decide(user=officer, review=review, outcome=RetentionReview.Outcome.ERASE)
