"""Governance records for tests: a published policy of school A, and a trustees' report."""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from accounts.roles import Role
from governance import policies
from governance.models import Breach, RetentionReview, TrainingSession, TrusteeReport


def published_policy(personas, *, school=None, title="Social media policy"):
    """A policy of school A (or the trust, with school=False) with version 1 published."""
    a = personas.a
    trust_wide = school is False
    manager = personas[Role.TRUST_ADMINISTRATOR] if trust_wide else a[Role.HEADTEACHER]
    policy = policies.policy_create(
        user=manager,
        trust=personas.trust,
        school=None if trust_wide else (school or a.school),
        title=title,
        owner=a[Role.HEADTEACHER],
    )
    version = policies.policy_version_add(
        user=manager,
        policy=policy,
        summary="First version",
        text="Staff must not befriend pupils on personal accounts.",
        approved_on=date(2026, 9, 1),
        next_review_due=date(2027, 9, 1),
    )
    # Staff are asked once the publication commits (by a worker); run that here.
    with TestCase.captureOnCommitCallbacks(execute=True):
        policies.policy_version_publish(user=manager, version=version)
    version.refresh_from_db()
    return policy, version


def governance_sweep_objects(personas) -> dict:
    """The sweep's governance records: school A's policy and version, school A, a report."""
    policy, version = published_policy(personas)
    report = TrusteeReport(trust=personas.trust, term="2026/27 autumn")
    report.file.save("sweep.pdf", ContentFile(b"%PDF-1.4 sweep"), save=True)
    session = TrainingSession.objects.create(
        school=personas.a.school,
        kind=TrainingSession.Kind.STAFF,
        title="Online safety update",
        held_on=date(2026, 10, 1),
        created_by=personas.a[Role.HEADTEACHER],
    )
    review = RetentionReview.objects.create(
        trust=personas.trust,
        school=personas.a.school,
        record_type="consent",
        object_id="sweep",
        object_label="Consent answer (2019/20, website)",
        review_due=date(2023, 1, 1),
    )
    found = timezone.now() - timedelta(hours=5)
    breach = Breach.objects.create(
        school=personas.a.school,
        reference="BR-SWEEP",
        what_happened="A class list was emailed to the wrong parent.",
        data_involved="Names and classes of one class's pupils",
        found_at=found,
        ico_due_at=Breach.due_for(found),
        recorded_by=personas[Role.DATA_PROTECTION_OFFICER],
    )
    return {
        "breach": ({"breach_id": breach.pk}, None),
        "retention_review": ({"review_id": review.pk}, None),
        "training_session": ({"session_id": session.pk}, None),
        "policy": ({"policy_id": policy.pk}, None),
        "policy_version": ({"version_id": version.pk}, None),
        "school": ({"school_id": personas.a.school.pk}, None),
        "trustee_report": ({"report_id": report.pk}, None),
    }
