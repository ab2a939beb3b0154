"""The annual collection: parents asked when it opens, reminded weekly until they have answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from consent.models import Collection, CollectionReminder, Purpose
from consent.selectors import current_academic_year
from consent.services import collection_open, collection_send_messages
from consent.tasks import send_collection_reminders
from core.models import Notification
from tests.consent.helpers import YES, answer, answer_all, child_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def open_for_school_a(personas, capture, **kwargs) -> Collection:
    with capture(execute=True):
        return collection_open(
            by=personas.a[Role.MARKETING_OFFICER],
            school=personas.a.school,
            academic_year=current_academic_year(),
            closes_on=timezone.localdate() + timedelta(days=28),
            **kwargs,
        )


def asked(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, subject__icontains="consent").values_list("subject", flat=True)
    )


def test_opening_a_collection_asks_every_parent_with_responsibility(
    personas, django_capture_on_commit_callbacks
):
    no_responsibility = UserFactory()
    child_of(no_responsibility, personas.a.school, responsibility=False)

    collection = open_for_school_a(
        personas, django_capture_on_commit_callbacks, message="Forms also at the office."
    )

    (subject,) = asked(personas.a[Role.PARENT])
    assert subject.startswith(f"Photo and video consent for {collection.academic_year}")
    assert "Forms also at the office." in Notification.objects.get(user=personas.a[Role.PARENT]).body
    assert asked(personas.b[Role.PARENT]) == []
    assert asked(no_responsibility) == []
    assert CollectionReminder.objects.filter(collection=collection, number=0).count() == 1
    # The invitation is sent once, however often the job runs.
    assert collection_send_messages(collection=collection) == 0


def test_one_collection_per_school_and_year(personas, django_capture_on_commit_callbacks):
    open_for_school_a(personas, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        open_for_school_a(personas, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        collection_open(
            by=personas[Role.TRUST_ADMINISTRATOR],
            trust=personas.trust,
            academic_year=current_academic_year(),
            closes_on=timezone.localdate() + timedelta(days=28),
        )


def test_only_someone_running_every_school_opens_a_trust_wide_collection(
    personas, django_capture_on_commit_callbacks
):
    year, closes = current_academic_year(), timezone.localdate() + timedelta(days=28)
    with pytest.raises(PermissionDenied):
        collection_open(
            by=personas.a[Role.MARKETING_OFFICER], trust=personas.trust, academic_year=year, closes_on=closes
        )
    with pytest.raises(PermissionDenied):
        collection_open(
            by=personas.a[Role.MARKETING_OFFICER],
            school=personas.b.school,
            academic_year=year,
            closes_on=closes,
        )
    with pytest.raises(PermissionDenied):
        collection_open(
            by=personas.a[Role.STAFF], school=personas.a.school, academic_year=year, closes_on=closes
        )
    with django_capture_on_commit_callbacks(execute=True):
        collection_open(
            by=personas[Role.TRUST_ADMINISTRATOR], trust=personas.trust, academic_year=year, closes_on=closes
        )
    assert len(asked(personas.a[Role.PARENT])) == len(asked(personas.b[Role.PARENT])) == 1


def test_weekly_reminders_go_only_to_parents_still_to_answer(personas, django_capture_on_commit_callbacks):
    collection = open_for_school_a(personas, django_capture_on_commit_callbacks)
    slow, quick = UserFactory(), UserFactory()
    child_of(slow, personas.a.school)
    answer_all(quick, child_of(quick, personas.a.school))
    # A parent who answered only some purposes has not finished.
    answer(personas.a[Role.PARENT], personas.a.child, {Purpose.SCHOOL_WEBSITE: YES})
    opened = timezone.localtime(collection.opened_at).date()

    assert (
        collection_send_messages(collection=collection, today=opened + timedelta(days=3)) == 2
    )  # late invitations
    week_one = collection_send_messages(collection=collection, today=opened + timedelta(days=7))
    again = collection_send_messages(collection=collection, today=opened + timedelta(days=8))

    assert (week_one, again) == (2, 0)
    reminded = set(CollectionReminder.objects.filter(number=1).values_list("parent_id", flat=True))
    assert reminded == {personas.a[Role.PARENT].pk, slow.pk}
    assert any(s.startswith("Reminder:") for s in asked(slow))
    assert not any(s.startswith("Reminder:") for s in asked(quick))

    answer_all(personas.a[Role.PARENT], personas.a.child)
    assert collection_send_messages(collection=collection, today=opened + timedelta(days=14)) == 1
    assert (
        collection_send_messages(collection=collection, today=collection.closes_on + timedelta(days=1)) == 0
    )


def test_the_daily_job_sends_each_reminder_once(personas, django_capture_on_commit_callbacks):
    open_for_school_a(personas, django_capture_on_commit_callbacks)
    before = Notification.objects.count()
    assert send_collection_reminders() == 0
    assert Notification.objects.count() == before


def test_the_collection_page_shows_the_response_rate_and_who_is_outstanding(
    personas, client_for, django_capture_on_commit_callbacks
):
    answer_all(personas.a[Role.PARENT], personas.a.child)
    with django_capture_on_commit_callbacks(execute=True):
        collection = collection_open(
            by=personas[Role.TRUST_ADMINISTRATOR],
            trust=personas.trust,
            academic_year=current_academic_year(),
            closes_on=timezone.localdate() + timedelta(days=28),
        )
    url = reverse("consent:collection_detail", args=[collection.pk])

    whole = client_for(personas[Role.TRUST_ADMINISTRATOR]).get(url)
    assert (whole.context["answered"], whole.context["total"]) == (1, 4)
    assert {p for p, _ in whole.context["outstanding"]} == {
        personas.a.pupil_record,
        personas.b.pupil_record,
        personas.b.child,
    }
    # A school's marketing officer sees their own school's part of a trust-wide collection.
    mine = client_for(personas.a[Role.MARKETING_OFFICER]).get(url)
    assert (mine.context["answered"], mine.context["total"]) == (1, 2)
    assert [p for p, _ in mine.context["outstanding"]] == [personas.a.pupil_record]
    assert mine.context["outstanding"][0][1] == []  # nobody with parental responsibility: shown as such
    assert client_for(personas.a[Role.STAFF]).get(url).status_code == 404


def test_opening_through_the_page(personas, client_for, django_capture_on_commit_callbacks):
    officer = personas.a[Role.MARKETING_OFFICER]
    form_page = client_for(officer).get(reverse("consent:collection_open"))
    assert [c[0] for c in form_page.context["form"].fields["scope"].choices] == [str(personas.a.school.pk)]
    admin_page = client_for(personas[Role.TRUST_ADMINISTRATOR]).get(reverse("consent:collection_open"))
    assert "trust" in [c[0] for c in admin_page.context["form"].fields["scope"].choices]

    closes = timezone.localdate() + timedelta(days=21)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(officer).post(
            reverse("consent:collection_open"),
            {
                "scope": str(personas.a.school.pk),
                "academic_year": current_academic_year(),
                "closes_on_day": closes.day,
                "closes_on_month": closes.month,
                "closes_on_year": closes.year,
            },
        )
    collection = Collection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "consent:collection_detail", args=[collection.pk]
    )
    assert asked(personas.a[Role.PARENT])
    refused = client_for(officer).post(
        reverse("consent:collection_open"), {"scope": str(personas.b.school.pk)}
    )
    assert refused.status_code == 200 and "scope" in refused.context["form"].errors
