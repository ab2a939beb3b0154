"""Post approval: the consent of every pupil shown (004 §5), no surnames (001 §13.1), the criteria of
004 §2, checked photos, and the takedown of approved posts when consent is withdrawn."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from approvals import services
from approvals.models import PostTakedownTask, State
from approvals.selectors import check_post, name_in_text, post_approval_problems
from consent.models import Decision, Purpose, Restriction
from consent.selectors import current_academic_year
from consent.services import Answer, consent_record, consent_withdraw
from core.models import Notification
from tests.approvals.helpers import (
    confirm_all_criteria,
    official_account,
    png,
    post_request,
    pupil_with_parent,
)
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def consent(parent, pupil, decision=Decision.GIVEN, purpose=Purpose.SCHOOL_SOCIAL_MEDIA, restrictions=()):
    """The parent answers online, through the consent app's own service."""
    consent_record(
        by=parent,
        pupil=pupil,
        academic_year=current_academic_year(),
        answers={purpose: Answer(decision=decision, restrictions=tuple(restrictions))},
    )


@pytest.fixture
def school(personas):
    a = personas.a
    account = official_account(a, posters=[a[Role.STAFF]])
    return a, account


def approve(a, request):
    return services.request_take_step(
        user=a[Role.MARKETING_OFFICER], request=request, step_name="marketing_approve"
    )


def test_a_post_whose_pupils_all_have_consent_is_approved(school):
    a, account = school
    pupil, parent = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    consent(parent, pupil)
    request = post_request(a, account, requester=a[Role.STAFF], text="Amira won the 100 m!", pupils=[pupil])
    confirm_all_criteria(request.post, a[Role.MARKETING_OFFICER])
    assert post_approval_problems(request.post) == []
    assert approve(a, request).state == State.APPROVED


def test_a_pupil_without_consent_blocks_approval_with_the_reason(school, client_for):
    a, account = school
    given, parent_given = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    refused, parent_refused = pupil_with_parent(a, first_name="Ben", last_name="Whitlock")
    unanswered, _ = pupil_with_parent(a, first_name="Cara", last_name="Lindqvist")
    consent(parent_given, given)
    consent(parent_refused, refused, decision=Decision.REFUSED)
    request = post_request(a, account, requester=a[Role.STAFF], pupils=[given, refused, unanswered])
    confirm_all_criteria(request.post, a[Role.MARKETING_OFFICER])

    problems = post_approval_problems(request.post)
    assert any("Ben Whitlock has no consent for school social media: Refused by" in p for p in problems)
    assert any("Cara Lindqvist has no consent" in p and "No answer" in p for p in problems)
    assert not any("Amira" in p for p in problems)
    with pytest.raises(ValidationError, match="Ben Whitlock has no consent"):
        approve(a, request)
    request.refresh_from_db()
    assert request.state == State.SUBMITTED

    # The marketing officer sees why, on the page, and the decision is refused there too.
    client = client_for(a[Role.MARKETING_OFFICER])
    page = client.get(f"/approvals/requests/{request.pk}/").content.decode()
    assert "No consent" in page and "Refused by" in page
    response = client.post(
        f"/approvals/requests/{request.pk}/decide/",
        {"version": 1, "decision": "marketing_approve", "criteria": [c for c, _ in _criteria()]},
    )
    assert response.status_code == 200
    assert "Ben Whitlock has no consent for school social media" in response.content.decode()
    request.refresh_from_db()
    assert request.state == State.SUBMITTED


def _criteria():
    from approvals.models import POST_CRITERIA

    return POST_CRITERIA


def test_a_trust_account_checks_trust_social_media_consent(personas):
    a = personas.a
    account = official_account(a, handle="@trust_news", trust_branded=True)
    pupil, parent = pupil_with_parent(a)
    consent(parent, pupil, purpose=Purpose.SCHOOL_SOCIAL_MEDIA)
    request = post_request(a, account, pupils=[pupil], requester=a[Role.MARKETING_OFFICER])
    assert request.post.purpose == "trust_social_media"
    assert any("no consent for trust social media" in p for p in post_approval_problems(request.post))


def test_a_pupils_surname_in_the_text_is_flagged_and_blocks_approval(school):
    a, account = school
    pupil, parent = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    consent(parent, pupil)
    request = post_request(
        a, account, requester=a[Role.STAFF], text="Well done AMIRA OKAFOR!", pupils=[pupil]
    )
    confirm_all_criteria(request.post, a[Role.MARKETING_OFFICER])
    check = check_post(request.post)
    assert len(check.surname_flags) == 1 and "Okafor" in check.surname_flags[0]
    with pytest.raises(ValidationError, match="surname"):
        approve(a, request)


def test_the_surname_match_is_a_whole_word_whatever_its_case():
    assert name_in_text("Okafor", "well done okafor.")
    assert name_in_text("O'Neill", "Go O'Neill!")
    assert not name_in_text("Rose", "Our roses are blooming")
    assert not name_in_text("Lee", "Leeds trip")


def test_a_no_name_restriction_refuses_the_first_name_too(school):
    a, account = school
    pupil, parent = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    consent(parent, pupil, restrictions=[Restriction.NO_NAME])
    request = post_request(a, account, requester=a[Role.STAFF], text="Amira scored!", pupils=[pupil])
    confirm_all_criteria(request.post, a[Role.MARKETING_OFFICER])
    assert any("no name" in p for p in post_approval_problems(request.post))


def test_criteria_must_all_be_confirmed(school):
    a, account = school
    request = post_request(a, account, requester=a[Role.STAFF])
    assert post_approval_problems(request.post) == [
        "Confirm that the post meets every one of the policy's criteria."
    ]
    with pytest.raises(ValidationError, match="criteria"):
        approve(a, request)


def test_only_the_accounts_posters_may_draft_a_post_for_it(school):
    a, account = school
    with pytest.raises(ValidationError, match="authorised posters"):
        post_request(a, account, requester=a[Role.DSL])


def test_a_file_that_is_not_a_photo_is_refused_by_its_content(school):
    a, account = school
    fake = SimpleUploadedFile(
        "photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
    with pytest.raises(ValidationError, match="not a photo or a video"):
        post_request(a, account, requester=a[Role.STAFF], media=[fake])
    request = post_request(a, account, requester=a[Role.STAFF], media=[png()])
    media = request.post.media.get()
    assert media.content_type == "image/png" and len(media.sha256) == 64
    assert "sports-day" not in media.file.name


def test_withdrawn_consent_turns_approved_posts_into_takedowns(school, django_capture_on_commit_callbacks):
    a, account = school
    pupil, parent = pupil_with_parent(a, first_name="Amira", last_name="Okafor")
    consent(parent, pupil)
    request = post_request(a, account, requester=a[Role.STAFF], pupils=[pupil])
    confirm_all_criteria(request.post, a[Role.MARKETING_OFFICER])
    approve(a, request)
    pending = post_request(a, account, requester=a[Role.STAFF], pupils=[pupil], text="Another post")

    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(by=parent, pupil=pupil, academic_year=current_academic_year())

    task = PostTakedownTask.objects.get()
    assert task.post == request.post and task.pupil == pupil and task.done_at is None
    assert not PostTakedownTask.objects.filter(post=pending.post).exists()
    notice = Notification.objects.get(user=a[Role.MARKETING_OFFICER], subject__startswith="Take down post")
    assert "Okafor" not in notice.subject and "Amira Okafor" in notice.body

    # The marketing officer records the takedown from the post's page.
    client = signed_in_client(a[Role.MARKETING_OFFICER])
    page = client.get(f"/approvals/requests/{request.pk}/").content.decode()
    assert "Consent withdrawn for Amira Okafor" in page
    # An approved post whose consent went says to take it down, not that it cannot be approved yet.
    assert "Take this post down" in page and "cannot be approved yet" not in page
    assert "cannot be approved yet" in client.get(f"/approvals/requests/{pending.pk}/").content.decode()
    client.post(f"/approvals/takedowns/{task.pk}/done/", {"note": "Post deleted from Instagram."})
    task.refresh_from_db()
    assert task.done_by == a[Role.MARKETING_OFFICER] and task.note == "Post deleted from Instagram."


def test_the_same_withdrawal_announced_twice_opens_one_takedown(school):
    from approvals.services.posts import post_takedowns_open

    a, account = school
    pupil, parent = pupil_with_parent(a)
    consent(parent, pupil)
    request = post_request(a, account, requester=a[Role.STAFF], pupils=[pupil])
    confirm_all_criteria(request.post, a[Role.MARKETING_OFFICER])
    approve(a, request)
    first = post_takedowns_open(pupil=pupil, purpose="school_social_media", academic_year="2025/26")
    second = post_takedowns_open(pupil=pupil, purpose="school_social_media", academic_year="2025/26")
    assert len(first) == 1 and second == []
    assert PostTakedownTask.objects.count() == 1
