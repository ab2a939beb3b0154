"""Evidence is what was uploaded: every download hashes the stored file against the SHA-256
recorded on upload, and a nightly job checks every file. A changed or missing file is refused,
audited and told, once, to the school's safeguarding leads and the data protection officer."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import AuditEntry, Notification
from incidents.models import Evidence, IntegrityCheck, IntegrityProblem, Problem
from incidents.services.integrity import ALERT_SUBJECT, evidence_integrity_check
from incidents.tasks import check_evidence_integrity
from portal.settings import CELERY_BEAT_SCHEDULE
from tests.incidents.helpers import png, pupil_named, report

pytestmark = pytest.mark.django_db


def reported_with_evidence(personas, school="a", files=1):
    side = getattr(personas, school)
    incident = report(
        side[Role.STAFF],
        side.school,
        people=[pupil_named(side.child)],
        evidence_files=[png(f"screenshot-{n}.png") for n in range(files)],
    )
    return incident, list(Evidence.objects.filter(incident=incident).order_by("uploaded_at", "id"))


def tamper(evidence: Evidence) -> None:
    with open(evidence.file.path, "ab") as handle:
        handle.write(b"edited")


def download(client, evidence: Evidence):
    return client.get(
        reverse(
            "incidents:evidence", kwargs={"incident_id": evidence.incident_id, "evidence_id": evidence.pk}
        )
    )


def alerted(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, subject=ALERT_SUBJECT))


def test_an_untouched_file_downloads(personas, client_for):
    _, (evidence,) = reported_with_evidence(personas)
    response = download(client_for(personas.a[Role.DSL]), evidence)
    assert response.status_code == 200
    assert not Notification.objects.filter(subject=ALERT_SUBJECT).exists()


def test_a_tampered_file_is_refused_audited_and_alerted_once(
    personas, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    a = personas.a
    incident, (evidence,) = reported_with_evidence(personas)
    tamper(evidence)
    dsl, officer = a[Role.DSL], personas[Role.DATA_PROTECTION_OFFICER]
    with django_capture_on_commit_callbacks(execute=True):
        response = download(client_for(dsl), evidence)
    assert response.status_code == 409
    html = response.content.decode()
    assert "This evidence file cannot be downloaded" in html and "no longer exactly what was uploaded" in html
    assert b"edited" not in response.content
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.DOWNLOAD, object_id=str(evidence.pk))
    assert entry.actor == dsl and entry.changes["refused"][1] == Problem.MISMATCH.label
    assert entry.changes["sha256"][0] == evidence.sha256 != entry.changes["sha256"][1]
    # The DSL, the deputy, the trust safeguarding lead and the data protection officer; not school B.
    for person in (dsl, a[Role.DEPUTY_DSL], personas[Role.TRUST_SAFEGUARDING_LEAD], officer):
        (notification,) = alerted(person)
        assert incident.reference in notification.body
    assert not alerted(personas.b[Role.DSL]) and not alerted(a[Role.STAFF])
    emails = [m for m in mailoutbox if m.subject == ALERT_SUBJECT]
    assert {m.to[0] for m in emails} >= {dsl.email, officer.email}
    for message in emails:
        assert a.child.first_name not in message.body and a.child.last_name not in message.body
        assert incident.description not in message.body
    # Refused again, audited again, but not alerted again.
    reporter = a[Role.STAFF]
    assert download(client_for(reporter), evidence).status_code == 409
    assert AuditEntry.objects.filter(object_id=str(evidence.pk), actor=reporter).exists()
    assert len(alerted(dsl)) == 1


def test_a_missing_file_is_refused(personas, client_for):
    _, (evidence,) = reported_with_evidence(personas)
    os.remove(evidence.file.path)
    response = download(client_for(personas.a[Role.DSL]), evidence)
    assert response.status_code == 409 and "missing from the portal's storage" in response.content.decode()
    assert len(alerted(personas.a[Role.DSL])) == 1


def test_the_nightly_job_reports_changed_and_missing_files(personas, client_for):
    a_incident, a_files = reported_with_evidence(personas, files=3)
    _, b_files = reported_with_evidence(personas, school="b")
    tamper(a_files[0])
    os.remove(a_files[1].file.path)

    run = IntegrityCheck.objects.get(pk=check_evidence_integrity.delay().get())
    assert (run.checked, run.mismatched, run.missing) == (4, 1, 1) and not run.passed
    assert {(p.evidence_id, p.problem) for p in IntegrityProblem.objects.filter(check_run=run)} == {
        (a_files[0].pk, Problem.MISMATCH),
        (a_files[1].pk, Problem.MISSING),
    }
    (notification,) = alerted(personas.a[Role.DSL])
    assert notification.body.count(a_incident.reference) == 2
    assert len(alerted(personas[Role.DATA_PROTECTION_OFFICER])) == 1
    assert not alerted(personas.b[Role.DSL])

    # Idempotent: a second run records its own result and tells nobody again.
    again = evidence_integrity_check()
    assert again.pk != run.pk and (again.checked, again.mismatched, again.missing) == (4, 1, 1)
    assert len(alerted(personas.a[Role.DSL])) == 1
    # A file found changed at night is refused by day too.
    assert download(client_for(personas.a[Role.DSL]), a_files[0]).status_code == 409
    assert download(client_for(personas.b[Role.DSL]), b_files[0]).status_code == 200


def test_the_job_is_scheduled_nightly():
    (entry,) = [
        e for e in CELERY_BEAT_SCHEDULE.values() if e["task"] == "incidents.tasks.check_evidence_integrity"
    ]
    assert entry["schedule"].hour == {1}


def test_the_job_streams_files_in_a_fixed_number_of_queries(personas, django_assert_num_queries):
    """Rows are read through one cursor, so thousands of files cost no more queries than three."""
    reported_with_evidence(personas, files=3)
    # The rows through one server-side cursor (DECLARE); then savepoint, the run's row, release
    # (no problems to insert, nobody to tell).
    with django_assert_num_queries(4):
        assert evidence_integrity_check().checked == 3
    for _ in range(4):
        reported_with_evidence(personas, files=5)
    with django_assert_num_queries(4):
        assert evidence_integrity_check().checked == 23


def test_the_dsl_and_the_officer_see_the_last_result(personas, client_for):
    url = reverse("incidents:evidence_integrity")
    dsl = client_for(personas.a[Role.DSL])
    assert "The check has not run yet" in dsl.get(url).content.decode()
    a_incident, (a_file,) = reported_with_evidence(personas)
    b_incident, (b_file,) = reported_with_evidence(personas, school="b")
    evidence_integrity_check()
    assert "Every file matched" in dsl.get(url).content.decode()
    tamper(a_file)
    tamper(b_file)
    evidence_integrity_check()
    html = dsl.get(url).content.decode()
    assert "Files changed or missing" in html and a_incident.reference in html
    assert b_incident.reference not in html, "another school's failures are not listed"
    officer = client_for(personas[Role.DATA_PROTECTION_OFFICER]).get(url).content.decode()
    assert a_incident.reference in officer and b_incident.reference in officer
    for role in (Role.STAFF, Role.HEADTEACHER, Role.PARENT):
        assert client_for(personas.a[role]).get(url).status_code == 403
    assert dsl.post(url).status_code == 405
