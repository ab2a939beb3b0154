"""Every kind of request through its declared workflow, with the rules no path may break."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from approvals import selectors, services
from approvals.models import ApprovalStep, OfficialAccount, State
from core.models import AuditEntry, Notification
from tests.approvals.helpers import (
    approve_blocked,
    blocked_request,
    branding_request,
    connection_request,
    site_request,
)

pytestmark = pytest.mark.django_db


def step(request, user, name, comment="Agreed."):
    return services.request_take_step(user=user, request=request, step_name=name, comment=comment)


def test_site_creation_is_approved_by_marketing_then_headteacher_and_enters_the_register(personas):
    a = personas.a
    request = site_request(a)
    assert request.state == State.SUBMITTED
    assert [p.pk for p in selectors.next_deciders(request)] == [a[Role.MARKETING_OFFICER].pk]

    request = step(request, a[Role.MARKETING_OFFICER], "marketing_approve")
    assert request.state == State.MARKETING_APPROVED
    assert not OfficialAccount.objects.exists()

    request = step(request, a[Role.HEADTEACHER], "head_approve")
    assert request.state == State.APPROVED and request.decided_at is not None
    account = OfficialAccount.objects.get(site_request=request)
    assert account.school == a.school
    assert account.handle == "@northfield_year6" and account.platform == "instagram"
    assert account.moderator == a[Role.MARKETING_OFFICER]
    assert set(account.administrators.all()) == {a[Role.STAFF], a[Role.HEADTEACHER]}
    assert account.credentials_location == "Trust password manager, vault Year 6"
    assert account.status == OfficialAccount.Status.ACTIVE
    assert account.next_review_due.year == request.decided_at.year + 1
    assert Notification.objects.filter(
        user=a[Role.STAFF], subject__contains="official accounts register"
    ).exists()
    labels = [s.label for s in request.steps.order_by("at", "id")]
    assert labels == ["Created", "Submitted", "Approve as marketing officer", "Approve as headteacher"]


def test_a_trust_branded_site_also_needs_the_director_and_the_headteacher_waits_for_them(personas):
    a = personas.a
    director = personas[Role.DIRECTOR_OF_MARKETING]
    request = site_request(a, trust_branded=True)
    request = step(request, a[Role.MARKETING_OFFICER], "marketing_approve")

    # The headteacher is not yet asked, and cannot jump the director.
    assert [p.pk for p in selectors.next_deciders(request)] == [director.pk]
    assert request not in selectors.decision_inbox(user=a[Role.HEADTEACHER])
    with pytest.raises(ValidationError):
        step(request, a[Role.HEADTEACHER], "head_approve")

    request = step(request, director, "director_approve")
    assert request.state == State.DIRECTOR_APPROVED
    assert request in selectors.decision_inbox(user=a[Role.HEADTEACHER])
    request = step(request, a[Role.HEADTEACHER], "head_approve")
    assert request.state == State.APPROVED
    assert OfficialAccount.objects.get(site_request=request).trust_branded is True


def test_nobody_decides_their_own_request(personas):
    a = personas.a
    # The headteacher asks for a site: the marketing officer approves, but the head may not finish it.
    request = site_request(a, requester=a[Role.HEADTEACHER], admins=[a[Role.STAFF], a[Role.DSL]])
    request = step(request, a[Role.MARKETING_OFFICER], "marketing_approve")
    assert selectors.available_steps(a[Role.HEADTEACHER], request) == []
    assert a[Role.HEADTEACHER] not in selectors.next_deciders(request)
    with pytest.raises(ValidationError, match="cannot decide your own request"):
        step(request, a[Role.HEADTEACHER], "head_approve")
    with pytest.raises(ValidationError, match="cannot decide your own request"):
        services.request_reject(user=a[Role.HEADTEACHER], request=request, comment="No")
    request.refresh_from_db()
    assert request.state == State.MARKETING_APPROVED


def test_the_marketing_officer_cannot_take_the_headteachers_step(personas):
    a = personas.a
    request = step(site_request(a), a[Role.MARKETING_OFFICER], "marketing_approve")
    with pytest.raises(PermissionDenied):
        step(request, a[Role.MARKETING_OFFICER], "head_approve")
    # Nor may they return it: it is not waiting for them any more.
    with pytest.raises(ValidationError, match="not waiting for your decision"):
        services.request_return(user=a[Role.MARKETING_OFFICER], request=request, comment="Change it")
    request.refresh_from_db()
    assert request.state == State.MARKETING_APPROVED


def test_another_schools_headteacher_may_not_decide(personas):
    request = step(site_request(personas.a), personas.a[Role.MARKETING_OFFICER], "marketing_approve")
    with pytest.raises(PermissionDenied):
        step(request, personas.b[Role.HEADTEACHER], "head_approve")
    with pytest.raises(PermissionDenied):
        services.request_reject(user=personas.b[Role.HEADTEACHER], request=request, comment="No")


def test_an_edit_after_approval_sends_it_back_and_the_old_approval_no_longer_counts(personas):
    a = personas.a
    request = site_request(a)
    request = step(request, a[Role.MARKETING_OFFICER], "marketing_approve")
    request = step(request, a[Role.HEADTEACHER], "head_approve")
    assert len(selectors.approvals_of_current_version(request)) == 2

    detail = request.site_creation
    detail.aims = "Also recruit parent volunteers."
    request = services.request_edit(
        user=a[Role.STAFF], request=request, detail=detail, title=detail.make_title()
    )

    assert request.state == State.SUBMITTED
    assert request.version == 2
    assert request.decided_at is None
    assert selectors.approvals_of_current_version(request) == []
    # The earlier approvals stay on the timeline, marked with the version they were for.
    old = ApprovalStep.objects.filter(request=request, step="head_approve")
    assert [s.version for s in old] == [1]
    # The path starts again at the marketing officer.
    assert selectors.available_steps(a[Role.HEADTEACHER], request) == []
    assert [s.name for s in selectors.available_steps(a[Role.MARKETING_OFFICER], request)] == [
        "marketing_approve"
    ]

    request = step(request, a[Role.MARKETING_OFFICER], "marketing_approve")
    request = step(request, a[Role.HEADTEACHER], "head_approve")
    assert [s.version for s in selectors.approvals_of_current_version(request)] == [2, 2]
    # Approving again brings the register up to date rather than adding a second entry.
    assert OfficialAccount.objects.filter(site_request=request).count() == 1


def test_return_for_changes_then_resubmit(personas):
    a = personas.a
    request = site_request(a)
    with pytest.raises(ValidationError):
        services.request_return(user=a[Role.MARKETING_OFFICER], request=request, comment=" ")
    request = services.request_return(user=a[Role.MARKETING_OFFICER], request=request, comment="Name a host.")
    assert request.state == State.RETURNED
    assert Notification.objects.filter(user=a[Role.STAFF], subject__contains="returned for changes").exists()
    request = services.request_submit(user=a[Role.STAFF], request=request, comment="Host added")
    assert request.state == State.SUBMITTED
    assert request.steps.filter(label="Resubmitted").exists()


def test_rejected_and_withdrawn_requests_are_final(personas):
    a = personas.a
    rejected = services.request_reject(
        user=a[Role.MARKETING_OFFICER], request=site_request(a), comment="Not needed"
    )
    assert rejected.state == State.REJECTED
    with pytest.raises(ValidationError):
        services.request_edit(user=a[Role.STAFF], request=rejected, detail=rejected.site_creation)
    withdrawn = services.request_withdraw(user=a[Role.STAFF], request=site_request(a, handle="@other_page"))
    assert withdrawn.state == State.WITHDRAWN
    assert AuditEntry.objects.filter(object_id=str(withdrawn.pk), changes__state__1="withdrawn").exists()
    with pytest.raises(PermissionDenied):
        services.request_withdraw(user=a[Role.HEADTEACHER], request=site_request(a, handle="@third_page"))


def test_branding_needs_the_director_then_the_headteacher(personas):
    a = personas.a
    request = branding_request(a)
    with pytest.raises(PermissionDenied):
        step(request, a[Role.HEADTEACHER], "director_approve")
    request = step(request, personas[Role.DIRECTOR_OF_MARKETING], "director_approve")
    request = step(request, a[Role.HEADTEACHER], "head_approve")
    assert request.state == State.APPROVED


def test_a_connection_is_decided_by_the_headteacher_with_a_reason(personas):
    a = personas.a
    request = connection_request(a)
    with pytest.raises(ValidationError):
        step(request, a[Role.HEADTEACHER], "head_approve", comment="")
    request = step(request, a[Role.HEADTEACHER], "head_approve", comment="For the athletics season only.")
    assert request.state == State.APPROVED


def test_a_connection_with_another_schools_pupil_is_refused(personas):
    with pytest.raises(ValidationError):
        connection_request(personas.a, pupil=personas.b.child)


def test_blocked_content_is_assessed_by_ict_then_decided_by_the_headteacher(personas):
    a = personas.a
    request = blocked_request(a)
    with pytest.raises(PermissionDenied):
        step(request, a[Role.HEADTEACHER], "ict_assess")
    request = approve_blocked(a, request)
    assert request.state == State.APPROVED
    detail = request.blocked_content
    assert detail.access_starts is not None and detail.access_ends > detail.access_starts
    ict = a[Role.ICT_TECHNICIAN]
    assert Notification.objects.filter(user=ict, subject__contains="apply the filter change").exists()


def test_sensitive_blocked_content_needs_the_dsl_before_the_headteacher(personas):
    a = personas.a
    request = blocked_request(a, sensitive=True)
    request = step(request, a[Role.ICT_TECHNICIAN], "ict_assess")
    assert {p.pk for p in selectors.next_deciders(request)} >= {a[Role.DSL].pk}
    assert a[Role.HEADTEACHER] not in selectors.next_deciders(request)
    with pytest.raises(ValidationError):
        step(request, a[Role.HEADTEACHER], "head_approve")
    request = step(request, a[Role.DSL], "dsl_agree")
    request = step(request, a[Role.HEADTEACHER], "head_approve")
    assert request.state == State.APPROVED


def test_a_draft_is_not_sent_until_submitted(personas):
    a = personas.a
    draft = site_request(a, submit=False)
    assert draft.state == State.DRAFT
    assert selectors.decision_inbox(user=a[Role.MARKETING_OFFICER]) == []
    services.request_submit(user=a[Role.STAFF], request=draft)
    assert [r.pk for r in selectors.decision_inbox(user=a[Role.MARKETING_OFFICER])] == [draft.pk]


def test_a_site_request_needs_two_administrators_of_the_school(personas):
    a = personas.a
    with pytest.raises(ValidationError, match="at least two administrators"):
        site_request(a, admins=[a[Role.STAFF]])
    with pytest.raises(ValidationError, match="member of staff of the school"):
        site_request(a, admins=[a[Role.STAFF], personas.b[Role.STAFF]])
    assert not a.school.approval_requests.exists()
