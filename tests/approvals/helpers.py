"""Making requests and accounts in tests, through the real services."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import ParentLink
from accounts.roles import Role
from approvals import services
from approvals.models import (
    BlockedContentRequest,
    BrandingRequest,
    ConnectionRequest,
    OfficialAccount,
    PostMedia,
    PostRequest,
    PostTakedownTask,
    SiteCreationRequest,
)
from tests.factories import PupilFactory, UserFactory

# The smallest valid PNG: a 1×1 transparent pixel.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def png(name: str = "sports-day.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def site_fields(people, **overrides) -> dict:
    """Every field of 004 Appendix C, filled in as a member of staff would."""
    fields = dict(
        team="Year 6 team",
        department="Upper key stage 2",
        moderator=people[Role.MARKETING_OFFICER],
        purpose="Share news of Year 6 trips and events with families.",
        description="A page for Year 6 news: trips, residential updates and sports fixtures.",
        aims="Keep families informed and celebrate pupils' achievements.",
        proposed_content="Photos of events (with consent), reminders and results.",
        audience=["families", "staff"],
        contributors=["staff"],
        host="Instagram (Meta)",
        go_live=timezone.localdate() + timedelta(days=14),
        recruitment="Only Year 6 staff contribute; no advertising.",
        security_measures="Private account; followers vetted by the marketing officer.",
        platform="instagram",
        handle="@northfield_year6",
        official_email="year6@school.example",
        credentials_location="Trust password manager, vault Year 6",
        trust_branded=False,
    )
    fields.update(overrides)
    return fields


def site_request(people, *, requester=None, admins=None, submit=True, **overrides):
    """A site creation request of the school, made through the service."""
    requester = requester or people[Role.STAFF]
    admins = admins if admins is not None else [people[Role.STAFF], people[Role.HEADTEACHER]]
    detail = SiteCreationRequest(**site_fields(people, **overrides))

    def related(saved):
        saved.administrators.set(admins)

    return services.request_create(
        user=requester,
        school=people.school,
        type_="site_creation",
        title=detail.make_title(),
        detail=detail,
        submit=submit,
        after_save=related,
    )


def blocked_request(people, *, requester=None, sensitive=False, start=None, days=3, submit=True):
    """A blocked content access request (004 App. A)."""
    start = start or timezone.localdate()
    detail = BlockedContentRequest(
        url="https://www.youtube.com/watch?v=abc123",
        site_content="Video of a science experiment.",
        reasons="Year 8 chemistry lesson on reactions.",
        risks_and_controls="Teacher plays the video; pupils do not browse.",
        sensitive_category=sensitive,
        requested_start=start,
        requested_end=start + timedelta(days=days),
    )
    return services.request_create(
        user=requester or people[Role.STAFF],
        school=people.school,
        type_="blocked_content",
        title=detail.make_title(),
        detail=detail,
        submit=submit,
    )


def branding_request(people, *, requester=None):
    detail = BrandingRequest(
        brand="trust",
        platform="facebook",
        where="https://www.facebook.com/northfield-fun-run",
        usage="Trust logo on the fun run event page.",
        reason="The fun run raises money for the trust's schools.",
        start_date=timezone.localdate() + timedelta(days=7),
    )
    return services.request_create(
        user=requester or people[Role.STAFF],
        school=people.school,
        type_="branding",
        title=detail.make_title(),
        detail=detail,
    )


def connection_request(people, *, requester=None, pupil=None):
    requester = requester or people[Role.STAFF]
    detail = ConnectionRequest(
        staff_member=requester,
        pupil=pupil or people.child,
        platform="x",
        profile="@coach_northfield",
        reason="Coordinating the district athletics team's training updates.",
    )
    return services.request_create(
        user=requester, school=people.school, type_="connection", title=detail.make_title(), detail=detail
    )


def official_account(
    people, *, handle="@school_a_news", admins=None, posters=(), trust_branded=False, **fields
):
    """An account in the register (as approving a site creation request leaves it)."""
    account = OfficialAccount.objects.create(
        school=people.school,
        platform=fields.pop("platform", "instagram"),
        handle=handle,
        purpose="School news",
        moderator=fields.pop("moderator", people[Role.MARKETING_OFFICER]),
        official_email="news@school.example",
        credentials_location="Trust password manager, vault Comms",
        trust_branded=trust_branded,
        next_review_due=fields.pop("next_review_due", timezone.localdate() + timedelta(days=200)),
        **fields,
    )
    account.administrators.set(admins or [people[Role.MARKETING_OFFICER], people[Role.HEADTEACHER]])
    account.authorised_posters.set(posters)
    return account


def post_request(people, account, *, requester=None, text="Well done to everyone at sports day!", pupils=(),
                 media=(), submit=True):  # fmt: skip
    """A post for an official account, with pupils shown and photos."""
    requester = requester or people[Role.MARKETING_OFFICER]
    detail = PostRequest(account=account, text=text, purpose=account.consent_purpose)

    def related(saved):
        saved.pupils.set(pupils)
        if media:
            from approvals.services.posts import post_media_add

            post_media_add(user=requester, post=saved, files=list(media))

    return services.request_create(
        user=requester,
        school=people.school,
        type_="post",
        title=detail.make_title(),
        detail=detail,
        submit=submit,
        after_save=related,
    )


def confirm_all_criteria(post: PostRequest, by) -> None:
    from approvals.models import CRITERIA_FIELDS
    from approvals.services.posts import post_criteria_confirm

    post_criteria_confirm(user=by, post=post, values=dict.fromkeys(CRITERIA_FIELDS, True))


def approve_blocked(people, request):
    """The ICT technician assesses and the headteacher approves."""
    services.request_take_step(
        user=people[Role.ICT_TECHNICIAN],
        request=request,
        step_name="ict_assess",
        comment="Low risk; YouTube only.",
    )
    return services.request_take_step(
        user=people[Role.HEADTEACHER],
        request=request,
        step_name="head_approve",
        comment="Approved for the lesson.",
    )


def parent_of(pupil, **fields):
    """A new parent with parental responsibility for the pupil."""
    from accounts.models import Membership

    parent = UserFactory(**fields)
    Membership.objects.create(user=parent, role=Role.PARENT, school=pupil.school, trust=pupil.school.trust)
    ParentLink.objects.create(parent=parent, pupil=pupil, relationship=ParentLink.Relationship.MOTHER)
    return parent


def pupil_with_parent(people, **fields):
    pupil = PupilFactory(school=people.school, **fields)
    return pupil, parent_of(pupil)


def approval_sweep_objects(personas) -> dict[str, tuple[dict, object]]:
    """School A's records the access sweep reaches approvals' pages through (see tests/access)."""
    a = personas.a
    account = official_account(a, handle="@school_a_sweep")
    # Asked for by school A's marketing officer: only a marketing officer of school A may see it, and
    # school A's headteacher, who decides it in the requester's place.
    post = post_request(a, account, media=[png()])
    media = PostMedia.objects.get(post__request=post)
    blocked = approve_blocked(a, blocked_request(a))
    task = PostTakedownTask.objects.create(
        school=a.school, post=post.post, pupil=a.child, purpose=post.post.purpose, academic_year="2025/26"
    )
    return {
        "approval_request": ({"request_id": post.pk}, post.requester),
        "approval_media": ({"media_id": media.pk}, post.requester),
        "blocked_content_request": ({"request_id": blocked.pk}, blocked.requester),
        "official_account": ({"account_id": account.pk}, a.school),
        "post_takedown": ({"task_id": task.pk}, a.school),
    }
