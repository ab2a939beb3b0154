"""Subject access covers every record type: each model that refers to a pupil is covered by a
section an app registered, and an export holds a record of every kind about the pupil."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import Pupil
from accounts.roles import Role
from approvals.models import PostTakedownTask
from consent.models import Purpose
from consent.services import consent_withdraw
from consent.services.events import event_add_pupils, event_create
from core import registries
from core.calendar import academic_year_for, years_after
from incidents.models import Kind
from tests.approvals.helpers import (
    confirm_all_criteria,
    connection_request,
    official_account,
    post_request,
    pupil_with_parent,
)
from tests.approvals.test_posts import approve, consent
from tests.governance.test_tipping_off import _concern

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"core", "accounts", "incidents", "consent", "approvals", "governance"}


def models_referring_to_pupils() -> set[type]:
    """Every project model with a foreign key, one-to-one or many-to-many field to Pupil."""
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model is Pupil:
                found.add(model)
    return found


def test_every_model_that_refers_to_a_pupil_has_a_subject_access_section():
    covered = {model for section in registries.subject_access_sections for model in section.models}
    referring = models_referring_to_pupils()
    # The walk finds the models it should (so it cannot pass by finding nothing).
    assert {m._meta.label for m in referring} >= {
        "accounts.ParentLink",
        "incidents.IncidentPerson",
        "consent.ConsentAnswer",
        "approvals.PostRequest",
    }
    missing = sorted(m._meta.label for m in referring - covered)
    assert not missing, f"No subject access section covers {missing}: register one in the app's ready()"


def test_an_export_holds_every_kind_of_record_about_the_pupil(
    personas, client_for, django_capture_on_commit_callbacks
):
    a = personas.a
    pupil, parent = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    consent(parent, pupil)
    account = official_account(a, posters=[a[Role.STAFF]])
    post = post_request(a, account, requester=a[Role.STAFF], pupils=[pupil])
    confirm_all_criteria(post.post, a[Role.MARKETING_OFFICER])
    approve(a, post)
    connection = connection_request(a, pupil=pupil)
    incident = _concern(personas, kind=Kind.CYBERBULLYING_PUPIL, named=a[Role.STAFF], pupil=pupil)
    director = personas[Role.DIRECTOR_OF_MARKETING]
    event = event_create(
        by=director,
        name="Trust sports day",
        date=timezone.localdate() + timedelta(days=10),
        schools=[a.school],
        purposes=[Purpose.SCHOOL_SOCIAL_MEDIA],
        location="Northfield Park",
    )
    event_add_pupils(by=director, event=event, pupils=[pupil])
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(by=parent, pupil=pupil, academic_year=academic_year_for(timezone.localdate()))
    assert PostTakedownTask.objects.filter(pupil=pupil).exists()

    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    response = dpo.get(reverse("governance:subject_access_json", kwargs={"pupil_id": pupil.pk}))
    assert response.status_code == 200
    export = json.loads(response.content)
    assert [row["reference"] for row in export["incidents"]] == [incident.reference]
    assert export["incidents"][0]["takedowns"][0]["steps"]
    assert [row["reference"] for row in export["posts"]] == [post.reference]
    assert [row["reference"] for row in export["connection_requests"]] == [connection.reference]
    assert [row["post"] for row in export["post_takedown_tasks"]] == [post.reference]
    assert [row["name"] for row in export["events"]] == ["Trust sports day"]
    assert export["consent_follow_ups"] and export["consent_follow_ups"][0]["kind"] == "Consent withdrawn"
    assert export["consent_answers"] and export["parents_and_carers"]
    records = {entry["record"].split(" ")[0] for entry in export["chronology"]}
    assert {"Incident", "Consent", "Post", "Connection"} <= records

    pdf = dpo.get(reverse("governance:subject_access_pdf", kwargs={"pupil_id": pupil.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_every_model_that_refers_to_a_pupil_has_a_retention_type():
    covered = {model for kind in registries.retention_types for model in kind.models}
    missing = sorted(m._meta.label for m in models_referring_to_pupils() - covered)
    assert not missing, f"No retention type governs {missing}: register one in the app's ready()"


def test_every_retention_type_carries_out_an_erase_decision():
    """An erase decision on any listed record is carried out, not only recorded."""
    missing = sorted(kind.key for kind in registries.retention_types if kind.erase is None)
    assert not missing, f"These retention types cannot erase a record: {missing}"


def test_each_kind_of_record_is_listed_for_review_when_its_period_ends(personas):
    """Every registered retention type lists a record of its kind once its period has ended, and
    only then: a record made today is due in exactly the registered number of years."""
    from governance import retention
    from governance.models import RetentionReview

    a = personas.a
    pupil, parent = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    consent(parent, pupil)
    account = official_account(a, posters=[a[Role.STAFF]])
    post_request(a, account, requester=a[Role.STAFF], pupils=[pupil])
    _concern(personas, kind=Kind.CYBERBULLYING_PUPIL, named=a[Role.STAFF], pupil=pupil, takedown=False)
    # About a member of staff only: kept and reviewed like every other record.
    _concern(personas, kind=Kind.CYBERBULLYING_PUPIL, named=a[Role.STAFF], takedown=False)
    director = personas[Role.DIRECTOR_OF_MARKETING]
    event = event_create(
        by=director,
        name="Sports day",
        date=timezone.localdate(),
        schools=[a.school],
        purposes=[Purpose.SCHOOL_SOCIAL_MEDIA],
    )
    event_add_pupils(by=director, event=event, pupils=[pupil])
    pupil.is_active = False
    pupil.save(update_fields=["is_active"])

    today = timezone.localdate()
    assert retention.retention_review_sweep(today=today) == 0
    kinds = {kind.key: kind for kind in registries.retention_types}
    assert set(kinds) == {
        "safeguarding",
        "incidents_unnamed",
        "consent",
        "event_briefings",
        "approval_records",
        "pupil_records",
    }

    def due_on(kind):
        return years_after(
            pupil.date_of_birth if kind.basis == "date_of_birth" else today, kind.default_years
        )

    for kind in kinds.values():
        RetentionReview.objects.all().delete()
        when = due_on(kind)
        retention.retention_review_sweep(today=when - timedelta(days=1))
        assert not RetentionReview.objects.filter(record_type=kind.key).exists(), kind.key
        retention.retention_review_sweep(today=when)
        assert RetentionReview.objects.filter(record_type=kind.key).count() == 1, kind.key


def test_a_record_from_29_february_is_listed_on_its_review_day(personas):
    """Born on 29 February 2000: due for review on 28 February 2025, and listed that day."""
    from datetime import date

    from governance import retention
    from governance.models import RetentionReview

    a = personas.a
    pupil, _ = pupil_with_parent(a, date_of_birth=date(2000, 2, 29))
    _concern(personas, kind=Kind.CYBERBULLYING_PUPIL, named=a[Role.STAFF], pupil=pupil, takedown=False)
    retention.retention_review_sweep(today=date(2025, 2, 27))
    assert not RetentionReview.objects.filter(record_type="safeguarding").exists()
    retention.retention_review_sweep(today=date(2025, 2, 28))
    review = RetentionReview.objects.get(record_type="safeguarding")
    assert review.review_due == date(2025, 2, 28)
