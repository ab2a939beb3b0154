"""The policy register: publishing asks staff in scope to acknowledge; reminders are sent once."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import Notification
from governance import policies
from governance.models import Acknowledgement, PolicyReminder
from tests.governance.helpers import published_policy

pytestmark = pytest.mark.django_db


def _subjects(user):
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def test_publishing_asks_every_member_of_staff_of_the_school_and_nobody_else(personas):
    policy, version = published_policy(personas)
    a, b = personas.a, personas.b
    for role in (Role.STAFF, Role.DSL, Role.HEADTEACHER, Role.ICT_TECHNICIAN):
        assert _subjects(a[role]) == ["Please read and acknowledge: Social media policy"], role
    for user in (b[Role.STAFF], a[Role.PUPIL], a[Role.PARENT], personas[Role.TRUSTEE]):
        assert _subjects(user) == []
    # Publishing again asks nobody twice.
    assert policies.policy_version_publish(user=a[Role.HEADTEACHER], version=version) == 0
    assert len(_subjects(a[Role.STAFF])) == 1


def test_a_trust_wide_policy_reaches_both_schools_and_trust_staff_but_not_trustees(personas):
    published_policy(personas, school=False, title="Trust acceptable use policy")
    assert _subjects(personas.b[Role.STAFF]) and _subjects(personas.a[Role.STAFF])
    assert _subjects(personas[Role.CEO])
    assert not _subjects(personas[Role.TRUSTEE])
    assert not _subjects(personas.a[Role.PARENT])


def test_staff_see_the_prompt_until_they_acknowledge(personas, client_for):
    _, version = published_policy(personas)
    staff = client_for(personas.a[Role.STAFF])
    assert "Policies to read" in staff.get(reverse("home")).content.decode()
    response = staff.post(reverse("governance:policy_read", kwargs={"version_id": version.pk}))
    assert response.status_code == 302
    assert Acknowledgement.objects.filter(version=version, user=personas.a[Role.STAFF]).exists()
    assert "Policies to read" not in staff.get(reverse("home")).content.decode()
    # Another school's member of staff cannot even see it.
    other = client_for(personas.b[Role.STAFF])
    assert other.get(reverse("governance:policy_read", kwargs={"version_id": version.pk})).status_code == 404


def test_a_new_version_replaces_the_old_one_in_the_prompt(personas):
    policy, first = published_policy(personas)
    staff = personas.a[Role.STAFF]
    policies.acknowledgement_record(user=staff, version=first)
    assert policies.versions_awaiting(staff) == []
    second = policies.policy_version_add(
        user=personas.a[Role.HEADTEACHER],
        policy=policy,
        summary="Adds live streaming",
        text="New text",
        approved_on=date(2026, 11, 1),
        next_review_due=date(2027, 11, 1),
    )
    assert policies.versions_awaiting(staff) == []  # not yet published
    policies.policy_version_publish(user=personas.a[Role.HEADTEACHER], version=second)
    assert policies.versions_awaiting(staff) == [second]


def test_review_reminders_go_to_the_owner_once_per_level(personas):
    policy, version = published_policy(personas)
    owner = personas.a[Role.HEADTEACHER]
    before = len(_subjects(owner))
    assert policies.review_reminder_sweep(today=date(2027, 7, 1)) == 0  # more than 30 days away
    assert policies.review_reminder_sweep(today=date(2027, 8, 10)) == 1
    assert policies.review_reminder_sweep(today=date(2027, 8, 11)) == 0  # "30d" already sent
    assert policies.review_reminder_sweep(today=date(2027, 8, 28)) == 1  # "7d"
    assert policies.review_reminder_sweep(today=date(2027, 9, 2)) == 1  # "due"
    assert policies.review_reminder_sweep(today=date(2027, 9, 3)) == 0
    assert len(_subjects(owner)) == before + 3
    assert set(PolicyReminder.objects.filter(user__isnull=True).values_list("level", flat=True)) == {
        "30d",
        "7d",
        "due",
    }


def test_acknowledgement_reminders_are_weekly_and_skip_those_who_acknowledged(personas):
    _, version = published_policy(personas)
    version.published_at -= timedelta(days=8)
    version.save(update_fields=["published_at"])
    policies.acknowledgement_record(user=personas.a[Role.STAFF], version=version)
    sent = policies.acknowledgement_reminder_sweep(today=date(2026, 11, 23))
    assert sent == policies.staff_in_scope(version.policy).count() - 1
    assert policies.acknowledgement_reminder_sweep(today=date(2026, 11, 25)) == 0  # same week
    assert policies.acknowledgement_reminder_sweep(today=date(2026, 11, 30)) == sent  # next week
    assert len(_subjects(personas.a[Role.STAFF])) == 1  # only the original request


def test_register_views_for_managers(personas, client_for):
    policy, version = published_policy(personas)
    head_a = client_for(personas.a[Role.HEADTEACHER])
    assert head_a.get(reverse("governance:policy_detail", kwargs={"policy_id": policy.pk})).status_code == 200
    assert "Social media policy" in head_a.get(reverse("governance:policy_list")).content.decode()
    head_b = client_for(personas.b[Role.HEADTEACHER])
    assert head_b.get(reverse("governance:policy_detail", kwargs={"policy_id": policy.pk})).status_code == 404
    assert client_for(personas.a[Role.STAFF]).get(reverse("governance:policy_list")).status_code == 403
    response = head_a.post(
        reverse("governance:policy_create"),
        {
            "title": "Photo policy",
            "scope": f"school:{personas.b.school.pk}",
            "owner": personas.a[Role.HEADTEACHER].pk,
        },
    )
    # School B is not the headteacher's to choose: the form refuses it and nothing is created.
    assert response.status_code == 200 and "Error:" in response.content.decode()
    assert not policy.trust.policies.filter(title="Photo policy").exists()


def test_publishing_with_the_queue_down_still_asks_everyone(personas, monkeypatch):
    from governance import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.ask_policy_acknowledgements, "apply_async", broker_down)
    published_policy(personas)
    assert _subjects(personas.a[Role.STAFF]) == ["Please read and acknowledge: Social media policy"]
