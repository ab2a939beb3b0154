"""The approval pages: the right role works, another school gets 404, a role with no part 403, a GET
to a POST-only page 405; bad input is shown next to its field with everything typed kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from approvals import services
from approvals.models import ApprovalRequest, OfficialAccount, State
from tests.approvals.helpers import (
    approve_blocked,
    blocked_request,
    official_account,
    png,
    post_request,
    site_request,
)
from tests.factories import PupilFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def site_form(people, **overrides) -> dict:
    go_live = timezone.localdate() + timedelta(days=10)
    data = {
        "team": "Sports team",
        "department": "PE",
        "moderator": people[Role.MARKETING_OFFICER].pk,
        "platform": "instagram",
        "handle": "@school_a_sport",
        "purpose": "Share fixtures and results.",
        "description": "Fixtures, results and photos of matches (with consent).",
        "aims": "Celebrate sport and tell families about fixtures.",
        "proposed_content": "Fixtures, results, photos.",
        "audience": ["families", "pupils"],
        "audience_pupil_ages": "7 to 11",
        "contributors": ["staff"],
        "administrators": [people[Role.STAFF].pk, people[Role.HEADTEACHER].pk],
        "host": "Instagram",
        "go_live_day": go_live.day,
        "go_live_month": go_live.month,
        "go_live_year": go_live.year,
        "recruitment": "PE staff only.",
        "security_measures": "Private account, followers vetted.",
        "official_email": "sport@school.example",
        "credentials_location": "Trust password manager, vault Sport",
    }
    data.update(overrides)
    return data


def test_a_member_of_staff_submits_a_site_creation_request(personas, client_for):
    a = personas.a
    client = client_for(a[Role.STAFF])
    assert client.get("/approvals/requests/new/site-creation/").status_code == 200
    response = client.post("/approvals/requests/new/site-creation/", site_form(a))
    request = ApprovalRequest.objects.get(type="site_creation")
    assert response.status_code == 302 and response["Location"] == f"/approvals/requests/{request.pk}/"
    assert (
        request.state == State.SUBMITTED and request.school == a.school and request.requester == a[Role.STAFF]
    )
    assert request.site_creation.audience == ["families", "pupils"]
    assert set(request.site_creation.administrators.all()) == {a[Role.STAFF], a[Role.HEADTEACHER]}


def test_bad_input_is_shown_next_to_each_field_and_nothing_typed_is_lost(personas, client_for):
    a = personas.a
    past = timezone.localdate() - timedelta(days=3)
    data = site_form(
        a,
        administrators=[a[Role.STAFF].pk],
        handle="not a web address",
        go_live_day=past.day,
        go_live_month=past.month,
        go_live_year=past.year,
        credentials_location="password: Hunter2",
        team="Our very own team name",
    )
    response = client_for(a[Role.STAFF]).post("/approvals/requests/new/site-creation/", data)
    assert response.status_code == 200
    assert not ApprovalRequest.objects.exists()
    html = response.content.decode()
    for field, message in (
        ("administrators", "Choose at least two administrators"),
        ("handle", "Enter the handle starting with @"),
        ("go_live", "must be today or in the future"),
        ("credentials_location", "This looks like a password"),
    ):
        error = re.search(rf'<p id="id_{field}_error" class="govuk-error-message">(.*?)</p>', html, re.S)
        assert error and message in error.group(1), field
    assert "There is a problem" in html
    assert 'value="Our very own team name"' in html
    assert f'value="{past.day}"' in html
    assert 'value="not a web address"' in html


def test_an_invalid_url_for_blocked_content_is_refused_next_to_the_field(personas, client_for):
    a = personas.a
    start = timezone.localdate()
    response = client_for(a[Role.STAFF]).post(
        "/approvals/requests/new/blocked-content/",
        {
            "url": "not a url at all",
            "site_content": "Videos",
            "reasons": "Lesson",
            "risks_and_controls": "Supervised",
            "requested_start_day": start.day,
            "requested_start_month": start.month,
            "requested_start_year": start.year,
            "requested_end_day": start.day,
            "requested_end_month": start.month,
            "requested_end_year": start.year - 1,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'id="id_url_error" class="govuk-error-message">.*?Enter the full web address', html, re.S
    )
    assert re.search(
        r'id="id_requested_end_error" class="govuk-error-message">.*?on or after its start', html, re.S
    )
    assert "Lesson" in html


def test_the_case_page_is_for_the_requester_and_the_deciders_of_its_school(personas, client_for):
    a, b = personas.a, personas.b
    request = site_request(a)
    url = f"/approvals/requests/{request.pk}/"
    for user in (
        a[Role.STAFF],
        a[Role.MARKETING_OFFICER],
        a[Role.HEADTEACHER],
        personas[Role.DIRECTOR_OF_MARKETING],
    ):
        assert client_for(user).get(url).status_code == 200, user
    assert client_for(a[Role.DSL]).get(url).status_code == 403
    assert client_for(b[Role.HEADTEACHER]).get(url).status_code == 404
    assert client_for(a[Role.PARENT]).get(url).status_code == 404
    assert client_for(a[Role.MARKETING_OFFICER]).post(url).status_code == 405


def test_deciding_through_the_page(personas, client_for):
    a, b = personas.a, personas.b
    request = site_request(a)
    decide = f"/approvals/requests/{request.pk}/decide/"
    assert client_for(a[Role.MARKETING_OFFICER]).get(decide).status_code == 405
    assert (
        client_for(b[Role.HEADTEACHER]).post(decide, {"version": 1, "decision": "head_approve"}).status_code
        == 404
    )
    assert (
        client_for(a[Role.DSL]).post(decide, {"version": 1, "decision": "marketing_approve"}).status_code
        == 403
    )

    # The requester is told they cannot decide their own request.
    response = client_for(a[Role.STAFF]).post(decide, {"version": 1, "decision": "marketing_approve"})
    assert "You cannot decide your own request." in response.content.decode()

    response = client_for(a[Role.MARKETING_OFFICER]).post(
        decide, {"version": 1, "decision": "marketing_approve", "comment": "Fine"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.MARKETING_APPROVED

    # The marketing officer may not take the headteacher's step: refused, saying whose it is.
    response = client_for(a[Role.MARKETING_OFFICER]).post(decide, {"version": 1, "decision": "head_approve"})
    assert response.status_code == 403
    assert "Only the headteacher can take the step" in response.content.decode()

    # Returning needs a reason, shown next to the comment box.
    response = client_for(a[Role.HEADTEACHER]).post(
        decide, {"version": 1, "decision": "return", "comment": ""}
    )
    assert re.search(
        r'id="id_comment_error".*?Enter the reasons for your decision', response.content.decode(), re.S
    )

    response = client_for(a[Role.HEADTEACHER]).post(decide, {"version": 1, "decision": "head_approve"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.APPROVED
    page = client_for(a[Role.STAFF]).get(f"/approvals/requests/{request.pk}/").content.decode()
    assert "official accounts register" in page


def test_the_requester_edits_after_approval_and_it_goes_back(personas, client_for):
    a = personas.a
    request = site_request(a)
    for user, name in (
        (a[Role.MARKETING_OFFICER], "marketing_approve"),
        (a[Role.HEADTEACHER], "head_approve"),
    ):
        request = services.request_take_step(user=user, request=request, step_name=name)
    edit = f"/approvals/requests/{request.pk}/edit/"
    assert client_for(a[Role.MARKETING_OFFICER]).get(edit).status_code == 404
    page = client_for(a[Role.STAFF]).get(edit).content.decode()
    assert "sends it back for approval" in page
    data = site_form(
        a, handle="@northfield_year6", aims="New aims", team="Year 6 team", department="Upper key stage 2"
    )
    response = client_for(a[Role.STAFF]).post(edit, data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.SUBMITTED and request.version == 2
    assert request.site_creation.aims == "New aims"


def test_withdraw_and_submit_are_the_requesters_and_post_only(personas, client_for):
    a = personas.a
    draft = site_request(a, submit=False)
    submit = f"/approvals/requests/{draft.pk}/submit/"
    assert client_for(a[Role.STAFF]).get(submit).status_code == 405
    assert client_for(a[Role.HEADTEACHER]).post(submit).status_code == 404
    assert client_for(a[Role.STAFF]).post(submit).status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    assert client_for(a[Role.STAFF]).post(f"/approvals/requests/{draft.pk}/withdraw/").status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN


def test_the_ict_technician_records_the_filter_change_on_the_page(personas, client_for):
    a = personas.a
    request = approve_blocked(a, blocked_request(a))
    url = f"/approvals/requests/{request.pk}/filter/"
    assert client_for(a[Role.HEADTEACHER]).post(url, {"change": "applied"}).status_code == 403
    assert client_for(personas.b[Role.ICT_TECHNICIAN]).post(url, {"change": "applied"}).status_code == 404
    response = client_for(a[Role.ICT_TECHNICIAN]).post(url, {"change": "applied", "note": "Rule 14 added"})
    assert response.status_code == 302
    request.blocked_content.refresh_from_db()
    assert request.blocked_content.filter_applied_by == a[Role.ICT_TECHNICIAN]
    assert (
        "Access open" in client_for(a[Role.STAFF]).get(f"/approvals/requests/{request.pk}/").content.decode()
    )


def test_a_post_is_drafted_with_pupils_from_a_class_and_a_photo(personas, client_for):
    a = personas.a
    account = official_account(a, posters=[a[Role.STAFF]])
    pupil = PupilFactory(school=a.school, class_name="6B", year_group=6, first_name="Zara", last_name="Quill")
    client = client_for(a[Role.STAFF])
    url = "/approvals/requests/new/post/"
    # Listing a class's pupils keeps the text and shows no errors yet.
    response = client.post(url, {"account": account.pk, "text": "Sports day!", "pupil_group": "class:6B",
                                 "list_pupils": "1"})  # fmt: skip
    html = response.content.decode()
    assert "Quill, Zara" in html and "Sports day!" in html and "There is a problem" not in html
    # Another school's pupil is not a choice.
    response = client.post(url, {"account": account.pk, "text": "x", "pupils": [personas.b.child.pk]})
    assert "pupils" in response.context["form"].errors
    response = client.post(
        url, {"account": account.pk, "text": "Sports day!", "pupils": [pupil.pk], "media": [png()]}
    )
    assert response.status_code == 302
    request = ApprovalRequest.objects.get(type="post")
    assert list(request.post.pupils.all()) == [pupil]
    media = request.post.media.get()
    # The photo is served to those who may see the post, and to no one else.
    assert client.get(f"/approvals/media/{media.pk}/").status_code == 200
    assert client_for(a[Role.MARKETING_OFFICER]).get(f"/approvals/media/{media.pk}/").status_code == 200
    assert client_for(a[Role.DSL]).get(f"/approvals/media/{media.pk}/").status_code == 403
    assert (
        client_for(personas.b[Role.MARKETING_OFFICER]).get(f"/approvals/media/{media.pk}/").status_code == 404
    )


def test_the_register_shows_where_credentials_are_kept_only_to_those_who_run_the_account(
    personas, client_for
):
    a = personas.a
    account = official_account(a)
    url = f"/approvals/accounts/{account.pk}/"
    assert "vault Comms" not in client_for(a[Role.STAFF]).get(url).content.decode()
    assert "vault Comms" in client_for(a[Role.MARKETING_OFFICER]).get(url).content.decode()
    assert client_for(personas.b[Role.STAFF]).get(url).status_code == 404
    status_url = f"/approvals/accounts/{account.pk}/status/"
    assert (
        client_for(a[Role.STAFF]).post(status_url, {"status": "suspended", "reason": "x"}).status_code == 403
    )
    response = client_for(a[Role.MARKETING_OFFICER]).post(
        status_url, {"status": "suspended", "reason": "Breach"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == OfficialAccount.Status.SUSPENDED


def test_the_inbox_and_lists_take_the_same_queries_whatever_their_size(personas, client_for):
    a = personas.a
    mo = a[Role.MARKETING_OFFICER]
    site_request(a, handle="@first")
    account = official_account(a, posters=[a[Role.STAFF]])
    post_request(a, account, requester=a[Role.STAFF])

    rounds = iter(range(100))

    def grow():
        n = next(rounds)
        site_request(a, handle=f"@second{n}")
        site_request(a, handle=f"@third{n}", requester=a[Role.DSL])
        post_request(a, account, requester=a[Role.STAFF], text="More news")
        official_account(a, handle=f"@another{n}")

    # Every page: session, user, TOTP device, school grants, memberships (for the navigation) and
    # the unread count: 6 queries. Then each page's own, nothing per row:
    client = client_for(mo)
    # Inbox: the waiting requests with school, requester and form; the requesters' grants (whether
    # someone decides in place of a requester); the requests decided lately (none).
    assert_constant_queries(client, "/approvals/inbox/", grow, expected=9)
    # Requests: the count for the pager; the page with school and requester.
    assert_constant_queries(client, "/approvals/requests/", grow, expected=8)
    # Register: the count for the pager; the page with school and moderator.
    assert_constant_queries(client, "/approvals/accounts/", grow, expected=8)


def test_a_decision_without_the_csrf_token_is_refused(personas, client_for):
    a = personas.a
    request = site_request(a)
    client = client_for(a[Role.MARKETING_OFFICER], enforce_csrf_checks=True)
    response = client.post(f"/approvals/requests/{request.pk}/decide/", {"decision": "marketing_approve"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.state == State.SUBMITTED
