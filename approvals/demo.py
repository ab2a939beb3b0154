"""Sample approvals for the demo trust: in every school, requests at each stage of their workflows.

Called by ``manage.py seed_demo`` (accounts.management.commands.seed_demo.seed_feature_records).
Every request is made and decided through approvals.services, so timelines, the official accounts
register, audit entries and notifications are exactly what real use produces. A school that already
has requests is left as it is, so a second run changes nothing.
"""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Pupil, School, User
from approvals import services
from approvals.models import (
    ApprovalRequest,
    BlockedContentRequest,
    Brand,
    BrandingRequest,
    ConnectionRequest,
    Group,
    OfficialAccount,
    Platform,
    PostRequest,
    RequestType,
    SiteCreationRequest,
)
from approvals.selectors import name_in_text, surname_parts
from approvals.services.blocked import APPLIED


def seed_demo_records(data) -> None:
    """Site creation, post, blocked content, connection and branding requests in every school."""
    for school in data.schools.values():
        if ApprovalRequest.objects.filter(school=school).exists():
            continue
        _seed_school(data, school)


class _People:
    """The school's demo logins who make and decide its requests."""

    def __init__(self, data, school: School) -> None:
        self.head = data.headteacher(school)
        self.marketing = data.marketing_officer(school)
        self.ict = data.ict_technician(school)
        self.parent = data.parent(school)
        staff = data.staff_members(school)
        self.staff1, self.staff2 = staff[0], staff[1]


def _seed_school(data, school: School) -> None:
    people = _People(data, school)
    short = school.name.split()[0]  # "Oakfield"
    slug = short.lower()
    domain = people.head.email.partition("@")[2]

    account = _approved_site(people, school, short, slug, domain)
    _site_waiting_for_head(people, school, short, slug, domain)
    _site_returned(people, school, short, slug, domain)
    _post_waiting(people, school, account, data.pupils.get(school.urn, []))
    _blocked_access_open(people, school, short)
    _connection_waiting(people, school, short)
    _branding_waiting(people, school, short, slug)
    _own_post_waiting_for_head(people, school, account, short)
    _connection_changed_after_approval(people, school, short)


def _site(people: _People, school: School, *, requester: User, admins: list[User], **fields):
    detail = SiteCreationRequest(moderator=people.marketing, **fields)

    def related(saved: SiteCreationRequest) -> None:
        saved.administrators.set(admins)

    return services.request_create(
        user=requester,
        school=school,
        type_=RequestType.SITE_CREATION,
        title=detail.make_title(),
        detail=detail,
        after_save=related,
    )


def _approved_site(people: _People, school: School, short: str, slug: str, domain: str) -> OfficialAccount:
    """The school's Facebook page: approved by the marketing officer and the headteacher."""
    request = _site(
        people,
        school,
        requester=people.staff1,
        admins=[people.staff1, people.staff2],
        team="School office and communications",
        department="Administration",
        purpose=f"Share news, celebrations and reminders with {short} families and the local community.",
        description="The school's official Facebook page: term dates, reminders about trips and clubs, "
        "and celebrations of pupils' work and achievements.",
        aims="Reach families who do not read the newsletter, cut down on paper letters and show the "
        "community what happens in school.",
        proposed_content="Weekly highlights, event reminders, photos of pupils only with photo consent "
        "(first names only), and links to letters on the school website.",
        audience=[Group.FAMILIES, Group.PUBLIC],
        contributors=[Group.STAFF],
        host="Facebook (Meta), through the trust's Meta Business account",
        go_live=timezone.localdate(),
        recruitment="No advertising: only the two administrators and the marketing officer post.",
        security_measures="Comments are filtered for offensive words and checked every school day; "
        "messages are switched off; abusive comments are hidden and recorded in the moderation log.",
        platform=Platform.FACEBOOK,
        handle=f"@{slug}school",
        official_email=f"office@{domain}",
        credentials_location=f"Trust password manager – {short} vault",
    )
    services.request_take_step(
        user=people.marketing,
        request=request,
        step_name="marketing_approve",
        comment="Handle checked and free; the page will sit under the trust's Meta Business account.",
    )
    services.request_take_step(
        user=people.head,
        request=request,
        step_name="head_approve",
        comment="Approved. Every photo of a pupil goes through post approval first.",
    )
    return OfficialAccount.objects.get(site_request=request)


def _site_waiting_for_head(people: _People, school: School, short: str, slug: str, domain: str) -> None:
    """A PE fixtures account on X: the marketing officer has approved, the headteacher is next."""
    request = _site(
        people,
        school,
        requester=people.staff2,
        admins=[people.staff2, people.staff1],
        team="PE department",
        department="PE and school sport",
        purpose="Post fixtures, results and team news for school sport.",
        description=f"An X account for {short} PE: fixtures, late changes to matches and results "
        "from inter-school competitions.",
        aims="Let families know quickly when a fixture is cancelled or moved, and celebrate teams.",
        proposed_content="Fixture lists, results, kit reminders and team photos taken with consent.",
        audience=[Group.FAMILIES, Group.EXTERNAL],
        contributors=[Group.STAFF],
        host="X (Twitter)",
        go_live=timezone.localdate() + timedelta(days=21),
        recruitment="PE staff only; no advertising.",
        security_measures="Replies limited to accounts the school follows; direct messages closed; "
        "followers checked weekly by the PE lead.",
        platform=Platform.X,
        handle=f"@{slug}_pe",
        official_email=f"pe@{domain}",
        credentials_location=f"Trust password manager – {short} PE vault",
    )
    services.request_take_step(
        user=people.marketing,
        request=request,
        step_name="marketing_approve",
        comment="Fine from a communications view; replies must stay limited as described.",
    )


def _site_returned(people: _People, school: School, short: str, slug: str, domain: str) -> None:
    """A music channel on YouTube, returned by the marketing officer for changes."""
    request = _site(
        people,
        school,
        requester=people.staff1,
        admins=[people.staff1, people.staff2],
        team="Music department",
        department="Creative arts",
        purpose="Share recordings of school concerts with families who could not attend.",
        description=f"A YouTube channel for {short} concerts and the school choir.",
        aims="Let families and grandparents far away watch performances.",
        proposed_content="Concert recordings and choir performances.",
        audience=[Group.FAMILIES],
        contributors=[Group.STAFF],
        host="YouTube (Google)",
        go_live=timezone.localdate() + timedelta(days=30),
        recruitment="Music staff only.",
        security_measures="Comments switched off.",
        platform=Platform.YOUTUBE,
        handle=f"@{slug}_music",
        official_email=f"music@{domain}",
        credentials_location=f"Trust password manager – {short} vault",
    )
    services.request_return(
        user=people.marketing,
        request=request,
        comment="Please make the videos unlisted rather than public, and say how you will check that "
        "every pupil filmed has photo consent for school social media before a video is uploaded.",
    )


def _shown_pupils(pupils: list[Pupil], text_for) -> tuple[list[Pupil], str]:
    """Two pupils of one year group whose surnames do not appear in the post written about them."""
    # Runners from the oldest year group up to Year 9 (the school's cross-country age groups).
    ordered = sorted(pupils, key=lambda p: (p.year_group > 9, -p.year_group, p.last_name, p.first_name))
    for first in ordered:
        for second in ordered:
            if second.year_group != first.year_group or second.pk == first.pk:
                continue
            if second.first_name == first.first_name:
                continue
            text = text_for(first, second)
            if not any(
                name_in_text(part, text) for p in (first, second) for part in surname_parts(p.last_name)
            ):
                return [first, second], text
    return [], text_for(None, None)


def _cross_country_text(first: Pupil | None, second: Pupil | None) -> str:
    if first is None or second is None:
        return (
            "A muddy but brilliant afternoon at the inter-schools cross-country race! Thank you to all the "
            "families who came along to cheer."
        )
    return (
        "A muddy but brilliant afternoon at the inter-schools cross-country race! Well done to "
        f"{first.first_name} and {second.first_name}, who both finished in the top ten of the "
        f"{first.get_year_group_display()} race. Thank you to all the families who came along to cheer."
    )


def _post_waiting(people: _People, school: School, account: OfficialAccount, pupils: list[Pupil]) -> None:
    """A cross-country post with a photo of two pupils, waiting for the marketing officer."""
    shown, text = _shown_pupils(pupils, _cross_country_text)
    detail = PostRequest(account=account, text=text, purpose=account.consent_purpose)
    detail.post_on = timezone.localdate() + timedelta(days=2)

    def related(saved: PostRequest) -> None:
        saved.pupils.set(shown)
        photo = SimpleUploadedFile("cross-country.png", _playing_field_png(), content_type="image/png")
        services.post_media_add(user=people.staff1, post=saved, files=[photo])

    services.request_create(
        user=people.staff1,
        school=school,
        type_=RequestType.POST,
        title=detail.make_title(),
        detail=detail,
        after_save=related,
    )


def _blocked_access_open(people: _People, school: School, short: str) -> None:
    """A blocked video for history lessons: assessed, approved, and the filter change applied."""
    today = timezone.localdate()
    detail = BlockedContentRequest(
        url="https://www.youtube.com/watch?v=first-world-war-trenches",
        site_content="A short documentary about life in the trenches, with archive film from the "
        "Imperial War Museums, hosted on YouTube (blocked by the filter's video category).",
        reasons=f"Shown in {short}'s history lessons on the First World War this week and discussed "
        "afterwards in class.",
        risks_and_controls="Played by staff from the staff laptop only; full screen so no suggested "
        "videos or comments are seen; pupils do not browse the site.",
        sensitive_category=False,
        requested_start=today,
        requested_end=today + timedelta(days=6),
    )
    request = services.request_create(
        user=people.staff2,
        school=school,
        type_=RequestType.BLOCKED_CONTENT,
        title=detail.make_title(),
        detail=detail,
    )
    services.request_take_step(
        user=people.ict,
        request=request,
        step_name="ict_assess",
        comment="Checked the video: suitable. Allow this one address on the staff filtering policy only; "
        "restricted mode stays on for pupils.",
    )
    request = services.request_take_step(
        user=people.head,
        request=request,
        step_name="head_approve",
        comment="Approved for this week's history lessons.",
    )
    services.blocked_filter_record(
        user=people.ict,
        request=request,
        change=APPLIED,
        note="Allow rule added for the single video address on the staff policy.",
    )


def _connection_waiting(people: _People, school: School, short: str) -> None:
    """A member of staff asks to join the PTA committee's group with a parent: the headteacher decides."""
    detail = ConnectionRequest(
        staff_member=people.staff2,
        parent=people.parent,
        platform=Platform.WHATSAPP,
        profile="The school's PTA liaison phone (not a personal number)",
        reason=f"The parent chairs the Friends of {short} committee. The group arranges volunteers and "
        "stalls for fundraising events; no pupil information is shared in it.",
        until=timezone.localdate() + timedelta(days=90),
    )
    services.request_create(
        user=people.staff2,
        school=school,
        type_=RequestType.CONNECTION,
        title=detail.make_title(),
        detail=detail,
    )


def _branding_waiting(people: _People, school: School, short: str, slug: str) -> None:
    """The trust's and the school's logos on a fundraising event page: the director decides first."""
    today = timezone.localdate()
    detail = BrandingRequest(
        brand=Brand.BOTH,
        platform=Platform.FACEBOOK,
        where=f"The {short} family fun run event on facebook.com/{slug}school",
        usage="Both logos on the event banner and on the printed poster shared in the event.",
        reason="The fun run raises money for the school's library; families look for the school's and the "
        "trust's logos to know the event is genuine.",
        start_date=today + timedelta(days=7),
        end_date=today + timedelta(days=60),
    )
    services.request_create(
        user=people.marketing,
        school=school,
        type_=RequestType.BRANDING,
        title=detail.make_title(),
        detail=detail,
    )


def _own_post_waiting_for_head(people: _People, school: School, account: OfficialAccount, short: str) -> None:
    """The marketing officer's own post: it waits for the headteacher, who decides in their place."""
    detail = PostRequest(
        account=account,
        text=f"Parents' evening at {short} is next Thursday from 4pm to 7pm. Book your slots through the "
        "school app; the link is in this week's newsletter.",
        purpose=account.consent_purpose,
    )
    detail.post_on = timezone.localdate() + timedelta(days=1)
    services.request_create(
        user=people.marketing,
        school=school,
        type_=RequestType.POST,
        title=detail.make_title(),
        detail=detail,
    )


def _connection_changed_after_approval(people: _People, school: School, short: str) -> None:
    """A connection approved by the headteacher, then changed: version 2 waits, version 1 stays readable
    with the signed record printed when it was approved."""
    detail = ConnectionRequest(
        staff_member=people.staff1,
        parent=people.parent,
        platform=Platform.WHATSAPP,
        profile="The school's sports phone (not a personal number)",
        reason=f"The parent drives the {short} minibus for away fixtures; the group only carries times "
        "and pick-up points.",
        until=timezone.localdate() + timedelta(days=60),
    )
    request = services.request_create(
        user=people.staff1,
        school=school,
        type_=RequestType.CONNECTION,
        title=detail.make_title(),
        detail=detail,
    )
    request = services.request_take_step(
        user=people.head,
        request=request,
        step_name="head_approve",
        comment="Approved for this term's fixtures; times and places only.",
        version=request.version,
    )
    changed = ConnectionRequest.objects.get(pk=request.pk)
    changed.until = timezone.localdate() + timedelta(days=150)
    changed.reason += " Extended to cover the summer athletics season."
    services.request_edit(user=people.staff1, request=request, detail=changed)


def _playing_field_png(width: int = 240, height: int = 160) -> bytes:
    """A small picture of a playing field (sky, grass and white lines), so the post has a real photo."""
    sky, grass, lane = b"\x87\xce\xeb", b"\x3c\xa0\x3c", b"\xff\xff\xff"
    rows = []
    for y in range(height):
        if y < height * 2 // 5:
            colour = sky
        elif (y - height * 2 // 5) % 20 < 2:
            colour = lane
        else:
            colour = grass
        rows.append(b"\x00" + colour * width)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
