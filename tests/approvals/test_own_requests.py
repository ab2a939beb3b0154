"""Nobody's own request is stuck: when the person who would normally decide made the request, the
next decider the policies name takes the step (the headteacher for the marketing officer; the CEO
or the chair of trustees for the headteacher), is notified, and sees it in their inbox."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from approvals import selectors, services
from approvals.models import State
from core.models import Notification
from tests.approvals.helpers import (
    connection_request,
    official_account,
    post_request,
    site_request,
)

pytestmark = pytest.mark.django_db


def _waiting(user, request) -> list[Notification]:
    return list(Notification.objects.filter(user=user, link=f"/approvals/requests/{request.pk}/"))


def test_the_marketing_officers_own_post_reaches_the_headteachers_inbox_and_is_approved_there(
    personas, client_for
):
    a, b = personas.a, personas.b
    officer, head = a[Role.MARKETING_OFFICER], a[Role.HEADTEACHER]
    post = post_request(a, official_account(a))
    assert post.requester == officer and post.state == State.SUBMITTED

    # The headteacher is told, and the post waits in their inbox; nobody else's.
    assert [n.subject for n in _waiting(head, post)] == [
        f"Post approval {post.reference} is waiting for your decision"
    ]
    assert _waiting(officer, post) == []
    assert b[Role.HEADTEACHER] not in selectors.next_deciders(post)
    inbox = client_for(head).get("/approvals/inbox/").content.decode()
    assert post.reference in inbox
    assert post.reference not in client_for(b[Role.HEADTEACHER]).get("/approvals/inbox/").content.decode()
    assert post.reference not in client_for(officer).get("/approvals/inbox/").content.decode()

    page = client_for(head).get(f"/approvals/requests/{post.pk}/").content.decode()
    # Nobody has decided yet: the seven criteria are not yet confirmed, not "No".
    assert page.count("Not yet confirmed") == 7
    assert "Waiting for: Headteacher (the requester is the marketing officer)" in page
    assert "Record my decision" in page
    # The requester still may not decide it, nor may another school's headteacher see it.
    assert (
        "Record my decision"
        not in client_for(officer).get(f"/approvals/requests/{post.pk}/").content.decode()
    )
    assert client_for(b[Role.HEADTEACHER]).get(f"/approvals/requests/{post.pk}/").status_code == 404

    response = client_for(head).post(
        f"/approvals/requests/{post.pk}/decide/",
        {"version": 1, "decision": "marketing_approve", "criteria": [c for c, _ in _criteria()]},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == State.APPROVED
    page = client_for(officer).get(f"/approvals/requests/{post.pk}/").content.decode()
    assert "Not yet confirmed" not in page
    step = post.steps.get(step="marketing_approve")
    assert step.by == head and step.by_role == "Headteacher, in place of the marketing officer"
    # The request to decide is done: marked so for everyone it was sent to.
    assert all(n.read_at for n in _waiting(head, post) if "waiting" in n.subject)


def test_the_marketing_officers_own_site_request_goes_to_the_headteacher(personas):
    a = personas.a
    request = site_request(a, requester=a[Role.MARKETING_OFFICER])
    head = a[Role.HEADTEACHER]
    assert [s.name for s in selectors.available_steps(head, request)] == ["marketing_approve"]
    assert request in selectors.decision_inbox(user=head)
    assert selectors.available_steps(a[Role.MARKETING_OFFICER], request) == []
    request = services.request_take_step(user=head, request=request, step_name="marketing_approve", version=1)
    request = services.request_take_step(user=head, request=request, step_name="head_approve", version=1)
    assert request.state == State.APPROVED


def test_a_headteachers_own_request_goes_to_the_ceo_or_the_chair(personas, client_for):
    a = personas.a
    head, ceo, chair = a[Role.HEADTEACHER], personas[Role.CEO], personas[Role.CHAIR_OF_TRUSTEES]
    request = connection_request(a, requester=head)
    assert {u.pk for u in selectors.next_deciders(request)} == {ceo.pk, chair.pk}
    assert _waiting(ceo, request) and _waiting(chair, request)
    assert request in selectors.decision_inbox(user=chair)
    assert personas[Role.TRUSTEE] not in selectors.next_deciders(request)
    # A member of staff's connection request is not the CEO's to see.
    other = connection_request(a)
    assert client_for(ceo).get(f"/approvals/requests/{other.pk}/").status_code in (403, 404)

    response = client_for(ceo).post(
        f"/approvals/requests/{request.pk}/decide/",
        {"version": 1, "decision": "head_approve", "comment": "Agreed for the athletics team."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.APPROVED
    assert (
        request.steps.get(step="head_approve").by_role
        == "Chief executive officer, in place of the headteacher"
    )
    # The chair was asked too: their notification is marked done, as the decision is taken.
    assert all(n.read_at for n in _waiting(chair, request))


def test_a_request_waiting_for_the_normal_decider_is_not_shown_to_the_stand_in(personas):
    a = personas.a
    request = site_request(a)  # a member of staff's: the marketing officer decides first
    assert selectors.available_steps(a[Role.HEADTEACHER], request) == []
    assert request not in selectors.decision_inbox(user=a[Role.HEADTEACHER])
    assert selectors.waiting_for(request) == ["Marketing officer"]


def test_once_one_decider_acts_the_others_notifications_are_done(personas):
    a = personas.a
    request = site_request(a, trust_branded=True)
    services.request_take_step(
        user=a[Role.MARKETING_OFFICER], request=request, step_name="marketing_approve", version=1
    )
    director = personas[Role.DIRECTOR_OF_MARKETING]
    assert [n.read_at for n in _waiting(director, request)] == [None]
    assert all(n.read_at for n in _waiting(a[Role.MARKETING_OFFICER], request))
    services.request_withdraw(user=a[Role.STAFF], request=request)
    assert all(n.read_at for n in _waiting(director, request))


def _criteria():
    from approvals.models import POST_CRITERIA

    return POST_CRITERIA
