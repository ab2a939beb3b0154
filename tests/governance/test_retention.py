"""Retention lists records for review and deletes nothing; a subject access export holds
everything about one pupil and nothing of another."""

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from consent.models import ConsentAnswer, Purpose
from consent.selectors import current_academic_year
from consent.services import Answer, consent_record
from governance import retention
from governance.models import RetentionReview
from incidents import services as incident_services
from incidents.models import Incident, Kind
from incidents.services import PersonInvolved
from tests.dates import years_after
from tests.factories import PupilFactory
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


def _incident_naming(personas, *pupils, description="Messages in a group chat"):
    a = personas.a
    return incident_services.incident_report(
        reporter=a[Role.STAFF],
        school=a.school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=timezone.now(),
        description=description,
        people=[PersonInvolved(role="affected", identity="pupil", pupil=p) for p in pupils],
    )


def test_safeguarding_records_are_listed_at_date_of_birth_plus_25_years_and_never_deleted(personas):
    old = PupilFactory(school=personas.a.school, date_of_birth=date(2000, 3, 1))
    young = PupilFactory(school=personas.a.school, date_of_birth=date(2001, 3, 1))
    both = _incident_naming(personas, old, young)
    only_old = _incident_naming(personas, old)
    listed = retention.retention_review_sweep(today=date(2025, 6, 1))
    # The youngest pupil named decides: the shared incident waits for the younger pupil.
    assert listed == 1
    review = RetentionReview.objects.get()
    assert review.object_id == str(only_old.pk) and review.review_due == date(2025, 3, 1)
    assert retention.retention_review_sweep(today=date(2025, 6, 2)) == 0  # listed once only
    assert retention.retention_review_sweep(today=date(2026, 6, 1)) == 1
    assert RetentionReview.objects.filter(object_id=str(both.pk)).exists()
    assert Incident.objects.filter(pk__in=[both.pk, only_old.pk]).count() == 2


def test_the_trusts_own_setting_changes_when_consent_answers_are_listed(personas):
    pupil = personas.a.child
    consent_record(
        by=personas.a[Role.PARENT],
        pupil=pupil,
        # Answers are taken for this academic year or the next only: whichever this is today.
        academic_year=current_academic_year(),
        answers={purpose: Answer("given") for purpose in Purpose.values},
    )
    count = ConsentAnswer.objects.filter(pupil=pupil).count()
    # Two years after the answers were recorded (today): within the default 3 years, past 1 year.
    two_years_on = years_after(timezone.localdate(), 2)
    assert retention.retention_review_sweep(today=two_years_on) == 0
    dpo = personas[Role.DATA_PROTECTION_OFFICER]
    retention.retention_rule_set(user=dpo, trust=personas.trust, record_type="consent", years=1)
    assert retention.retention_review_sweep(today=two_years_on) == count
    assert ConsentAnswer.objects.filter(pupil=pupil).count() == count


def test_only_the_data_protection_officer_decides_reviews(personas, client_for):
    _incident_naming(personas, PupilFactory(school=personas.a.school, date_of_birth=date(1990, 1, 1)))
    retention.retention_review_sweep()
    review = RetentionReview.objects.get()
    url = reverse("governance:retention_decide", kwargs={"review_id": review.pk})
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    assert review.object_label in dpo.get(reverse("governance:retention")).content.decode()
    assert dpo.post(url, {"outcome": "keep"}).status_code == 302
    review.refresh_from_db()
    assert review.outcome == "keep" and review.decided_by == personas[Role.DATA_PROTECTION_OFFICER]
    assert client_for(personas.a[Role.HEADTEACHER]).post(url, {"outcome": "erase"}).status_code == 403


def _export(client, pupil) -> dict:
    response = client.get(reverse("governance:subject_access_json", kwargs={"pupil_id": pupil.pk}))
    assert response.status_code == 200
    return json.loads(response.content)


def test_subject_access_export_holds_the_pupil_and_nothing_of_another(personas, client_for):
    pupil, other = personas.a.child, personas.a.pupil_record
    # Names no generated person (a staff member or parent in the export) can share by chance.
    other.first_name, other.last_name = "Zebedee", "Quillfeather-Marchbanks"
    other.save(update_fields=["first_name", "last_name"])
    incident = _incident_naming(personas, pupil)
    # Both pupils linked by the DSL afterwards: each link is a step naming that pupil.
    for linked in (pupil, other):
        incident_services.incident_link_pupil(
            user=personas.a[Role.DSL], incident=incident, pupil=linked, role="witness"
        )
    other_incident = _incident_naming(personas, other, description="A different matter")
    consent_record(
        by=personas.a[Role.PARENT],
        pupil=pupil,
        academic_year=current_academic_year(),
        answers={Purpose.values[0]: Answer("refused")},
    )
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    export = _export(dpo, pupil)
    assert export["pupil"]["last_name"] == pupil.last_name
    assert export["parents_and_carers"][0]["email"] == personas.a[Role.PARENT].email
    assert [i["reference"] for i in export["incidents"]] == [incident.reference]
    assert export["incidents"][0]["events"]
    assert export["consent_answers"][0]["decision"] == "Consent refused"
    assert export["chronology"]
    text = json.dumps(export)
    assert other_incident.reference not in text
    # This pupil's own link is there; the step linking the other pupil is not.
    links = [e for e in export["incidents"][0]["events"] if e["type"] == "Pupil linked"]
    assert len(links) == 1
    for trace in (other.first_name, other.last_name, str(other.pk), other.mis_id):
        assert trace not in text, trace

    pdf = dpo.get(reverse("governance:subject_access_pdf", kwargs={"pupil_id": pupil.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content, joined=True)
    assert pupil.last_name in words and incident.reference in words
    assert other.last_name not in words and other.mis_id not in words


def test_subject_access_is_for_the_data_protection_officer_only(personas, client_for):
    url = reverse("governance:subject_access_json", kwargs={"pupil_id": personas.a.child.pk})
    assert client_for(personas.a[Role.HEADTEACHER]).get(url).status_code == 403
    assert client_for(personas[Role.TRUSTEE]).get(url).status_code == 403
