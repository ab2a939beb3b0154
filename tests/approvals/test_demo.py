"""The demo trust's sample approvals (approvals.demo, run by ``manage.py seed_demo``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.management.commands.seed_demo import SCHOOLS
from accounts.models import School, User
from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    BlockedContentRequest,
    OfficialAccount,
    PostMedia,
    State,
)
from approvals.selectors import check_post, decision_inbox, name_in_text, surname_parts
from core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db

DIRECTOR = "director-of-marketing@northfield.demo.example"


def seed() -> None:
    # As make run seeds it: the demo refuses a database whose settings have DEBUG off.
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=StringIO())


def counts() -> dict[str, int]:
    models = [ApprovalRequest, ApprovalStep, OfficialAccount, PostMedia, Notification, AuditEntry]
    return {model.__name__: model.objects.count() for model in models}


def login(local: str, spec) -> User:
    return User.objects.get(email=f"{local}@{spec.domain}")


def test_a_second_run_changes_nothing():
    seed()
    first = counts()
    seed()
    assert first["ApprovalRequest"] == 9 * len(SCHOOLS)
    assert counts() == first


def test_every_school_has_an_approved_account_in_the_register():
    seed()
    for spec in SCHOOLS:
        school = School.objects.get(urn=spec.urn)
        account = OfficialAccount.objects.get(school=school, site_request__state=State.APPROVED)
        assert account.status == OfficialAccount.Status.ACTIVE
        assert set(account.administrators.all()) == {login("staff1", spec), login("staff2", spec)}
        assert account.credentials_location.startswith("Trust password manager – ")
        assert account.next_review_due > timezone.localdate()
        steps = [s.step for s in account.site_request.steps.order_by("at", "id")]
        assert steps == ["created", "submit", "marketing_approve", "head_approve"]


def test_deciders_find_work_waiting_in_their_inboxes():
    seed()
    director = User.objects.get(email=DIRECTOR)
    director_inbox = decision_inbox(user=director)
    for spec in SCHOOLS:
        school = School.objects.get(urn=spec.urn)
        head_inbox = decision_inbox(user=login("headteacher", spec))
        assert {r.school_id for r in head_inbox} == {school.pk}
        # The marketing officer's own post and a connection changed after approval wait here too.
        assert sorted(r.type for r in head_inbox) == ["connection", "connection", "post", "site_creation"]
        assert [r.type for r in decision_inbox(user=login("marketing-officer", spec))] == ["post"]
        assert [r.type for r in director_inbox if r.school_id == school.pk] == ["branding"]
        returned = ApprovalRequest.objects.get(school=school, state=State.RETURNED)
        assert returned.steps.get(step="return").comment


def test_each_post_names_its_pupils_by_first_name_only():
    seed()
    for spec in SCHOOLS:
        post = ApprovalRequest.objects.get(requester=login("staff1", spec), type="post").post
        pupils = list(post.pupils.all())
        assert len(pupils) == 2
        assert all(name_in_text(p.first_name, post.text) for p in pupils)
        assert not any(name_in_text(part, post.text) for p in pupils for part in surname_parts(p.last_name))
        assert post.media.count() == 1
        # Whatever the consent register holds, the check answers for both pupils and flags no surname.
        check = check_post(post)
        assert {c.pupil for c in check.consent} == set(pupils)
        assert not check.surname_flags


def test_blocked_content_access_is_open_now():
    seed()
    for spec in SCHOOLS:
        detail = BlockedContentRequest.objects.get(request__school__urn=spec.urn)
        assert detail.request.state == State.APPROVED
        assert detail.access_starts <= timezone.now() < detail.access_ends
        assert detail.access_status == "Access open"
        assert detail.filter_applied_by == login("ict-technician", spec)


def test_the_marketing_officers_own_post_waits_for_the_headteacher():
    seed()
    for spec in SCHOOLS:
        head, officer = login("headteacher", spec), login("marketing-officer", spec)
        post = ApprovalRequest.objects.get(requester=officer, type="post")
        assert post.state == State.SUBMITTED
        assert post in decision_inbox(user=head)
        assert post not in decision_inbox(user=officer)
        assert Notification.objects.filter(user=head, link__contains=str(post.pk), read_at=None).exists()


def test_a_connection_changed_after_approval_keeps_its_approved_version():
    seed()
    for spec in SCHOOLS:
        request = ApprovalRequest.objects.get(requester=login("staff1", spec), type="connection")
        assert request.state == State.SUBMITTED and request.version == 2
        assert [v.number for v in request.versions.all()] == [1, 2]
        assert [r.version for r in request.signed_records.all()] == [1]
