"""Sample incidents for the demo trust: in every school, a queue with real work in it.

Called by ``manage.py seed_demo`` (accounts.management.commands.seed_demo.seed_feature_records).
Everything is made through incidents.services, so routing, timelines, flags and notifications are
exactly what a real report produces. A school that already has incidents is left as it is, so a
second run changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import School
from incidents import services
from incidents.models import Incident, IncidentPerson, Kind, ModerationEntry, Platform, Severity
from incidents.services.first_response import first_response_escalate

# A 1×1 PNG: a stand-in screenshot, so the evidence list and its hash show something real.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _platform(name: str) -> Platform | None:
    return Platform.objects.filter(name=name).first()


def _pupil_named(pupil, role=IncidentPerson.Role.AFFECTED) -> services.PersonInvolved:
    return services.PersonInvolved(role=role, identity=IncidentPerson.Identity.PUPIL, pupil=pupil)


def seed_demo_records(data) -> None:
    """Reports of several kinds per school, some triaged, one with a takedown under way, one that
    nobody has answered past its deadline."""
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    for school in data.schools.values():
        if Incident.objects.filter(school=school).exists():
            continue
        _seed_school(data, school, rng)
        _seed_takedown_ladder(data, school, rng)


def _seed_takedown_ladder(data, school: School, rng: random.Random) -> None:
    """A takedown part-way up the ladder: the host asked, then Report Harmful Content, support
    offered; the internet service provider is what the case page offers next."""
    dsl = data.dsl(school)
    pupils = sorted(data.pupils.get(school.urn, []), key=lambda p: (-p.year_group, p.last_name))
    incident = services.incident_report(
        reporter=data.staff_member(school),
        school=school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=timezone.now() - timedelta(hours=2),
        platform=_platform("TikTok"),
        urls=["https://www.tiktok.com/@demo-account/video/1"],
        description="A video mocking a pupil has been reposted by an anonymous account; the pupil "
        "has asked for it to come down.",
        nature=["bullying"],
        people=[_pupil_named(pupils[0])] if pupils else [],
    )
    services.incident_set_severity(user=dsl, incident=incident, severity=Severity.HIGH)
    takedown = services.takedown_open(
        user=dsl, incident=incident, content_url="https://www.tiktok.com/@demo-account/video/1", host="TikTok"
    )
    services.takedown_request_removal(
        user=dsl, takedown=takedown, host="TikTok", reference=f"TT-{rng.randrange(10**6, 10**7)}"
    )
    services.takedown_escalate(
        user=dsl,
        takedown=takedown,
        route="report_harmful_content",
        reference=f"RHC-{rng.randrange(10**4, 10**5)}",
        note="TikTok declined to remove it; the case was sent to Report Harmful Content.",
    )
    services.takedown_offer_support(
        user=dsl, takedown=takedown, note="Met the pupil and their parent; a weekly check-in was agreed."
    )


def _seed_school(data, school: School, rng: random.Random) -> None:
    now = timezone.now()
    pupils = sorted(data.pupils.get(school.urn, []), key=lambda p: (p.year_group, p.last_name))
    staff = data.staff_member(school)
    dsl = data.dsl(school)
    deputy = data.deputy_dsl(school)
    parent = data.parent(school)
    older = [p for p in pupils if p.year_group >= 5] or pupils
    younger = [p for p in pupils if 3 <= p.year_group <= 8] or pupils

    bullying = services.incident_report(
        reporter=staff,
        school=school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=now - timedelta(hours=14),
        occurred_at=now - timedelta(hours=20),
        platform=_platform("Instagram"),
        urls=["https://www.instagram.com/p/demo-post-1/"],
        description="A group chat screenshot shared on Instagram mocks a pupil's appearance; "
        "several pupils have commented.",
        nature=["bullying", "abusive"],
        people=[_pupil_named(older[0]), _pupil_named(older[1], IncidentPerson.Role.ALLEGED)],
        evidence_files=[SimpleUploadedFile("instagram-screenshot.png", _PNG, content_type="image/png")],
    )
    services.incident_set_severity(user=dsl, incident=bullying, severity=Severity.HIGH)
    services.incident_assign(user=dsl, incident=bullying, assignee=deputy)
    takedown = services.takedown_open(
        user=dsl, incident=bullying, content_url="https://www.instagram.com/p/demo-post-1/", host="Instagram"
    )
    services.takedown_request_removal(
        user=deputy, takedown=takedown, host="Instagram", reference=f"IG-{rng.randrange(10**6, 10**7)}"
    )
    services.incident_add_note(
        user=deputy, incident=bullying, text="Spoke with the pupil and their parent; support plan agreed."
    )

    under_age = next((p for p in younger if p.year_group <= 7), younger[0])
    services.incident_report(
        reporter=staff,
        school=school,
        kind=Kind.UNDER_AGE,
        seen_at=now - timedelta(days=2),
        platform=_platform("TikTok"),
        description="Pupil mentioned in class that they post videos on their own TikTok account.",
        nature=["safeguarding"],
        people=[_pupil_named(under_age, IncidentPerson.Role.SUBJECT)],
    )

    services.incident_report(
        reporter=parent,
        school=school,
        kind=Kind.SAFEGUARDING,
        seen_at=now - timedelta(hours=3),
        platform=_platform("Snapchat"),
        description="An adult my child does not know has been sending messages asking to meet.",
        immediate_risk=True,
        people=[
            services.PersonInvolved(
                role=IncidentPerson.Role.ALLEGED, identity=IncidentPerson.Identity.UNKNOWN
            )
        ],
    )

    _seed_unanswered(school, staff, older, now)

    closed = services.incident_report(
        reporter=staff,
        school=school,
        kind=Kind.PUPIL_CONTACT,
        seen_at=now - timedelta(days=12),
        platform=_platform("Instagram"),
        description="A pupil sent me a follow request and a direct message on my personal account.",
        people=[_pupil_named(older[-1], IncidentPerson.Role.SUBJECT)],
    )
    services.incident_set_severity(user=dsl, incident=closed, severity=Severity.LOW)
    services.incident_close(
        user=dsl,
        incident=closed,
        summary="Request declined; pupil reminded of the online safety rules.",
        decision="No further action",
        reasons="No safeguarding concern beyond the contact itself.",
        outcome="Resolved in school",
    )

    marketing = data.marketing_officer(school)
    services.moderation_record(
        user=marketing,
        school=school,
        account=f"@{school.name.split()[0].lower()}school on Facebook",
        platform=_platform("Facebook"),
        comment_text="Abusive comment about a member of staff under the sports day post.",
        commenter="an account with no name",
        seen_at=now - timedelta(days=1),
        action_taken=ModerationEntry.ActionTaken.HIDDEN,
        action_detail="Hidden and reported to Facebook; headteacher informed.",
    )


def _seed_unanswered(school: School, reporter, pupils, now) -> None:
    """A report nobody has taken up, past its first response time: the ladder has reminded the
    handlers and told the deputy DSL, and it shows as overdue on the queue and the dashboard."""
    unanswered = services.incident_report(
        reporter=reporter,
        school=school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=now - timedelta(hours=31),
        platform=_platform("Snapchat"),
        description="A pupil's photo was edited and shared in a Snapchat story with mocking captions.",
        nature=["bullying"],
        people=[_pupil_named(pupils[min(2, len(pupils) - 1)])],
    )
    # The demo's clock starts now: the report is dated as if made 30 hours ago, six past its
    # 24-hour deadline (its timeline entries keep the time they were written).
    reported_at = now - timedelta(hours=30)
    Incident.objects.filter(pk=unanswered.pk).update(
        reported_at=reported_at, respond_by=reported_at + timedelta(hours=24)
    )
    unanswered.refresh_from_db()
    first_response_escalate(incident=unanswered, now=now)
