"""The personal-data breach log: the data protection officer records a breach, the ICO's 72 hours
from when it was found are stored and chased (once 24 hours before, once when they pass), and
recording that the ICO was told, or why not, stops the chasing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEntry, Notification
from governance import breaches
from governance.models import Breach
from governance.tasks import chase_breach_deadlines

pytestmark = pytest.mark.django_db


def _record(personas, *, found_at, **fields):
    return breaches.breach_record(
        user=personas[Role.DATA_PROTECTION_OFFICER],
        school=personas.a.school,
        what_happened="A class list was emailed to the wrong parent.",
        data_involved="Names and classes of 28 pupils",
        found_at=found_at,
        **fields,
    )


def _form(found: timezone.datetime, **extra) -> dict:
    local = timezone.localtime(found)
    return {
        "what_happened": "A laptop with unencrypted pupil reports was left on a train.",
        "data_involved": "End-of-year reports of one class",
        "people_affected": "30",
        "found_on": local.date().isoformat(),
        "found_time": local.strftime("%H:%M"),
        **extra,
    }


def test_the_officer_records_a_breach_and_its_ico_deadline_is_72_hours_after_it_was_found(
    personas, client_for
):
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    found = (timezone.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    response = dpo.post(reverse("governance:breach_new"), {"school": personas.a.school.pk, **_form(found)})
    breach = Breach.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{breach.pk}/")
    assert breach.found_at == found and breach.ico_due_at == found + timedelta(hours=72)
    assert breach.ico_status == "ICO decision due"
    page = dpo.get(reverse("governance:breach_list")).content.decode()
    assert breach.reference in page and "ICO decision due" in page
    # The audit log says a breach was recorded, not what it was about.
    entry = AuditEntry.objects.get(object_type="governance.breach", object_id=str(breach.pk))
    assert "laptop" not in str(entry.changes) and "reports" not in str(entry.changes)


def test_telling_the_ico_is_recorded_and_judged_against_the_deadline(personas, client_for):
    found = (timezone.now() - timedelta(hours=80)).replace(second=0, microsecond=0)
    breach = _record(personas, found_at=found)
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    url = reverse("governance:breach_detail", kwargs={"breach_id": breach.pk})
    told = found + timedelta(hours=70)
    both = _form(
        found,
        school=personas.a.school.pk,
        ico_told_on=timezone.localtime(told).date().isoformat(),
        ico_told_time=timezone.localtime(told).strftime("%H:%M"),
        ico_reference="ICO-123",
        ico_not_told_reason="Low risk",
    )
    response = dpo.post(url, both)
    assert response.status_code == 200 and "not both" in response.content.decode()
    both["ico_not_told_reason"] = ""
    assert dpo.post(url, both).status_code == 302
    breach.refresh_from_db()
    assert breach.ico_told_at == told and breach.ico_reference == "ICO-123"
    assert breach.ico_status == "ICO told in time"


def test_the_deadline_is_chased_once_per_rung_and_stops_once_decided(personas):
    now = timezone.now()
    _record(personas, found_at=now - timedelta(hours=10))
    dpo = personas[Role.DATA_PROTECTION_OFFICER]
    assert breaches.breach_deadline_sweep(now=now) == 0  # 62 hours left
    assert breaches.breach_deadline_sweep(now=now + timedelta(hours=50)) == 1  # 12 hours left
    assert breaches.breach_deadline_sweep(now=now + timedelta(hours=51)) == 0  # sent once
    assert breaches.breach_deadline_sweep(now=now + timedelta(hours=63)) == 1  # passed
    assert breaches.breach_deadline_sweep(now=now + timedelta(hours=90)) == 0
    subjects = list(Notification.objects.filter(user=dpo).values_list("subject", flat=True))
    assert len(subjects) == 2 and any("have passed" in subject for subject in subjects)
    assert all("laptop" not in subject and "class list" not in subject for subject in subjects)
    assert breaches.overdue_breaches(now + timedelta(hours=63), None) == 1

    decided = _record(personas, found_at=now - timedelta(hours=71), ico_not_told_reason="Encrypted device")
    assert decided.ico_status == "ICO not told: reason recorded"
    assert breaches.breach_deadline_sweep(now=now + timedelta(hours=2)) == 0
    assert breaches.overdue_breaches(now + timedelta(hours=2), [personas.b.school.pk]) == 0


def test_the_beat_job_chases_the_deadline(personas):
    _record(personas, found_at=timezone.now() - timedelta(hours=73))
    assert chase_breach_deadlines.apply().get() == 1
    assert chase_breach_deadlines.apply().get() == 0


@pytest.mark.parametrize("count", [1, 8])
def test_the_log_reads_in_a_fixed_number_of_queries(personas, client_for, django_assert_num_queries, count):
    for hours in range(count):
        _record(personas, found_at=timezone.now() - timedelta(hours=hours))
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    dpo.get(reverse("governance:breach_list"))  # warm the session and the user's memberships
    # The session, the user, their two-factor device, their per-school grants, their memberships,
    # the inbox's unread count, and the breaches with their schools: the same for 1 or 8.
    with django_assert_num_queries(7):
        response = dpo.get(reverse("governance:breach_list"))
    assert response.content.decode().count("BR-") >= count
