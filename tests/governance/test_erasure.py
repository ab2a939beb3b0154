"""An erase decision erases: after it, no text column of the database holds the person's name,
email or date of birth, their files are gone, and the audit log keeps a certificate that says what
was erased, when, by whom and under which rule, and nothing of the erased data."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Pupil
from accounts.roles import Role
from approvals.models import PostMedia
from consent.models import ConsentAnswer, Purpose
from consent.selectors import current_academic_year
from consent.services import Answer, consent_record, event_add_pupils, event_create
from core.erasure import erase_append_only_rows
from core.models import AuditEntry
from governance import erasure, retention
from governance.models import RetentionReview
from incidents import services as incident_services
from incidents.models import Evidence, Incident, IncidentEvent, Kind, TakedownStep
from tests.approvals.helpers import official_account, post_request
from tests.approvals.helpers import png as post_png
from tests.factories import PupilFactory, UserFactory
from tests.incidents.helpers import png, pupil_named, report

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zephyrina", "Quillfeather-Oduya"
EMAIL = "zephyrina.qo@pupils.example"
BORN = date(2013, 2, 17)


def _traces() -> list[str]:
    return [FIRST, LAST, EMAIL, BORN.isoformat(), BORN.strftime("%d/%m/%Y"), BORN.strftime("%-d %B %Y")]


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
            " AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'character')"
        )
        return cursor.fetchall()


def _found(traces: list[str]) -> list[str]:
    """Every (table, column, trace) where a trace is in a text column of the database."""
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for trace in traces:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) ILIKE %s',  # noqa: S608  # nosec B608
                    [f"%{trace}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}: {trace}")
    return found


@pytest.fixture
def named_everywhere(personas, client_for):
    """A pupil with a login, named in an incident (with evidence and a takedown), a post with a
    photo, consent answers, an event briefing, and a subject access export."""
    a = personas.a
    pupil = a.child
    login = UserFactory(email=EMAIL, full_name=f"{FIRST} {LAST}")
    Pupil.objects.filter(pk=pupil.pk).update(first_name=FIRST, last_name=LAST, date_of_birth=BORN, user=login)
    pupil.refresh_from_db()
    incident = report(
        a[Role.STAFF],
        a.school,
        people=[pupil_named(pupil)],
        description=f"{FIRST} {LAST} (born {BORN:%d/%m/%Y}) was sent threats.",
    )
    evidence = incident_services.incident_add_evidence(
        user=a[Role.STAFF], incident=incident, upload=png(), source_url="https://example.com/zq"
    )
    incident_services.incident_add_note(
        user=a[Role.DSL], incident=incident, text=f"Spoke to {FIRST}'s mother."
    )
    takedown = incident_services.takedown_open(
        user=a[Role.DSL], incident=incident, content_url="https://www.instagram.com/p/zq/"
    )
    incident_services.takedown_request_removal(
        user=a[Role.DSL], takedown=takedown, host="Instagram", reference="IG-1", note=f"Post naming {LAST}"
    )
    account = official_account(a)
    post = post_request(
        a, account, text=f"Congratulations {FIRST} {LAST}!", pupils=[pupil], media=[post_png()]
    )
    consent_record(
        by=a[Role.PARENT],
        pupil=pupil,
        academic_year=current_academic_year(),
        answers={purpose: Answer("given") for purpose in Purpose.values},
    )
    event = event_create(
        by=a[Role.MARKETING_OFFICER],
        name="Sports day",
        date=timezone.localdate() + timedelta(days=10),
        schools=[a.school],
        purposes=[Purpose.values[0]],
    )
    event_add_pupils(by=a[Role.MARKETING_OFFICER], event=event, pupils=[pupil])
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    assert (
        dpo.get(reverse("governance:subject_access_json", kwargs={"pupil_id": pupil.pk})).status_code == 200
    )
    files = [evidence.file.name, PostMedia.objects.get(post__request=post).file.name]
    return {"pupil": pupil, "incident": incident, "post": post, "files": files}


def test_after_erasure_no_text_column_holds_the_pupils_name_email_or_birthday(
    personas, named_everywhere, django_capture_on_commit_callbacks
):
    pupil, files = named_everywhere["pupil"], named_everywhere["files"]
    evidence_file, post_file = files
    assert _found(_traces())  # the search finds them before
    assert all(default_storage.exists(name) for name in files)
    dpo = personas[Role.DATA_PROTECTION_OFFICER]

    # The pupil's request: everything is erased but the safeguarding record (kept until they are
    # 25, whoever asks) and their own record, which that record still needs to say whom it is about.
    with django_capture_on_commit_callbacks(execute=True):
        certificate = erasure.pupil_erase(user=dpo, pupil=pupil)

    assert not ConsentAnswer.objects.filter(pupil=pupil).exists()
    assert not default_storage.exists(post_file) and default_storage.exists(evidence_file)
    incident = Incident.objects.get(pk=named_everywhere["incident"].pk)
    assert FIRST in incident.description and incident.people.filter(pupil=pupil).exists()
    pupil.refresh_from_db()
    assert pupil.first_name == FIRST and pupil.date_of_birth == BORN
    assert certificate.actor == dpo and certificate.verb == AuditEntry.Verb.DELETE
    assert certificate.changes["rule"] == erasure.ON_REQUEST
    assert certificate.changes["rows"]["consent.consentanswer"] == len(Purpose.values)
    assert certificate.changes["files deleted"] == 1
    assert "incidents.incident" not in certificate.changes["rows"]
    kept = " ".join(certificate.changes["kept"])
    assert "Safeguarding records (incidents naming a pupil)" in kept and "Keeping Children Safe" in kept
    assert FIRST not in str(certificate.changes) and LAST not in str(certificate.changes)

    # Years later the pupil has left and the safeguarding record's period is over: the retention
    # schedule lists both records and the officer's erase decisions carry them out.
    Pupil.objects.filter(pk=pupil.pk).update(is_active=False)
    retention.retention_review_sweep(today=date(BORN.year + 26, BORN.month, BORN.day))
    reviews = RetentionReview.objects.filter(object_id__in=[str(incident.pk), str(pupil.pk)])
    assert reviews.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        for review in reviews:
            retention.retention_review_decide(user=dpo, review=review, outcome="erase")

    assert _found(_traces()) == []
    assert not any(default_storage.exists(name) for name in files)
    incident.refresh_from_db()
    # The incident still happened; what it said about whom is gone.
    assert incident.reference and FIRST not in incident.description
    assert Evidence.objects.filter(incident=incident).count() == 1
    assert AuditEntry.objects.filter(object_type=erasure.CERTIFICATE).count() == 3


def test_a_request_erases_everything_where_no_record_must_be_kept(
    personas, django_capture_on_commit_callbacks
):
    a = personas.a
    pupil = a.child
    consent_record(
        by=a[Role.PARENT],
        pupil=pupil,
        academic_year=current_academic_year(),
        answers={purpose: Answer("given") for purpose in Purpose.values},
    )
    named = pupil.full_name
    with django_capture_on_commit_callbacks(execute=True):
        certificate = erasure.pupil_erase(user=personas[Role.DATA_PROTECTION_OFFICER], pupil=pupil)
    pupil.refresh_from_db()
    assert not pupil.is_active and pupil.first_name == "Erased" and pupil.full_name != named
    assert "kept" not in certificate.changes
    assert not ConsentAnswer.objects.filter(pupil=pupil).exists()


def test_a_retention_erase_decision_is_carried_out_with_a_certificate(
    personas, django_capture_on_commit_callbacks
):
    a = personas.a
    old = PupilFactory(school=a.school, first_name=FIRST, last_name=LAST, date_of_birth=date(1990, 1, 1))
    incident = report(a[Role.STAFF], a.school, people=[pupil_named(old)], description=f"About {FIRST} {LAST}")
    evidence = incident_services.incident_add_evidence(user=a[Role.STAFF], incident=incident, upload=png())
    retention.retention_review_sweep()
    review = RetentionReview.objects.get(object_id=str(incident.pk))
    dpo = personas[Role.DATA_PROTECTION_OFFICER]

    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_review_decide(user=dpo, review=review, outcome="erase")

    incident.refresh_from_db()
    assert FIRST not in incident.description
    assert not default_storage.exists(evidence.file.name)
    assert all(FIRST not in event.text for event in IncidentEvent.objects.filter(incident=incident))
    assert not AuditEntry.objects.filter(object_id=str(incident.pk), object_repr__contains=FIRST).exists()
    certificate = AuditEntry.objects.get(object_type=erasure.CERTIFICATE)
    assert certificate.changes["rule"].startswith("Retention: Safeguarding records")
    assert "25 years from the pupil's date of birth" in certificate.changes["rule"]
    assert certificate.changes["rows"]["incidents.incident"] == 1
    assert certificate.actor == dpo and certificate.school_id == a.school.pk
    assert FIRST not in str(certificate.changes) and LAST not in str(certificate.changes)
    # The pupil's own record is another type, reviewed on its own: still there.
    old.refresh_from_db()
    assert old.first_name == FIRST


def test_incidents_naming_no_pupil_are_listed_for_review_too(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=Kind.CYBERBULLYING_PUPIL)
    assert retention.retention_review_sweep(today=timezone.localdate() + timedelta(days=365 * 7)) >= 1
    assert RetentionReview.objects.filter(
        record_type="incidents_unnamed", object_id=str(incident.pk)
    ).exists()


def test_only_the_data_protection_officer_erases_and_never_twice(personas):
    pupil = personas.a.child
    with pytest.raises(PermissionDenied):
        erasure.pupil_erase(user=personas.a[Role.HEADTEACHER], pupil=pupil)
    with pytest.raises(PermissionDenied):
        erasure.pupil_erase(user=personas.b[Role.DSL], pupil=pupil)
    assert not AuditEntry.objects.filter(object_type=erasure.CERTIFICATE).exists()


def test_the_narrow_path_changes_only_personal_columns_and_raw_sql_still_cannot(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, description="A description")
    event = IncidentEvent.objects.filter(incident=incident).first()
    entry = AuditEntry.objects.filter(object_id=str(incident.pk)).first()
    # Outside the function the audit log still refuses an UPDATE, even with the setting raised by
    # hand: the trigger lets it through, and only the function's owner rights should reach it.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE governance_auditentry SET object_repr = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_auditentry WHERE id = %s", [entry.pk])
    assert erase_append_only_rows(kind="incident_event", ids=[event.pk]) == 1
    assert erase_append_only_rows(kind="audit_entry", ids=[entry.pk]) == 1
    event.refresh_from_db()
    entry.refresh_from_db()
    assert event.text == "(erased)" and event.type and event.at
    assert entry.object_repr == "(erased)" and entry.verb and entry.object_id == str(incident.pk)
    # The setting is lowered again once the function returns.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE governance_auditentry SET object_repr = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT portal_erase_rows('incidents_incident', ARRAY[%s])", [str(incident.pk)])
    assert TakedownStep.objects.count() == 0
