"""Seeded incidents: a five-year history of reports in every school, with the people named, the
timelines, evidence records and takedowns, built in Python and inserted with ``bulk_create``; and
the ladder stages the open takedowns are put at for the escalation sweep.

Evidence rows describe screenshots whose files are not written (the pages measured count and list
evidence; none serves a file).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.management.commands.seed_scale import split
from accounts.models import Membership, Pupil, School, Trust, User
from accounts.roles import Role
from incidents.models import (
    Evidence,
    Incident,
    IncidentEvent,
    IncidentPerson,
    Kind,
    Platform,
    Severity,
    Status,
    Takedown,
    TakedownNotice,
    TakedownStep,
)
from incidents.services.routing import KIND_HANDLER, handler_label, response_time

BATCH = 5000
Ev = IncidentEvent.Type
St = TakedownStep.Type
Person = IncidentPerson


@contextmanager
def given_times(*models) -> Iterator[None]:
    """Let bulk_create keep the times set on seeded rows instead of stamping every auto_now_add
    field with the time of the insert (a history is the point of the data)."""
    fields = [f for model in models for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


KIND_MIX = (
    (Kind.SAFEGUARDING, 18),
    (Kind.CYBERBULLYING_PUPIL, 30),
    (Kind.CYBERBULLYING_STAFF, 5),
    (Kind.PUPIL_CONTACT, 7),
    (Kind.UNDER_AGE, 10),
    (Kind.STAFF_CONDUCT, 4),
    (Kind.INAPPROPRIATE_CONTENT, 12),
    (Kind.ABUSIVE_COMMENT, 11),
    (Kind.MEDIA_ENQUIRY, 3),
)
DESCRIPTIONS = {
    Kind.SAFEGUARDING: (
        "A pupil posted messages suggesting they are being pressured to meet an adult they met online.",
        "Screenshots shared with staff show a pupil being asked for images by an account claiming to be 15.",
        "A pupil's story shows them at a party late at night with older people they do not know.",
    ),
    Kind.CYBERBULLYING_PUPIL: (
        "A group chat mocks a pupil's appearance; several pupils in the same year have joined in.",
        "An anonymous account posts edited photos of a pupil with insulting captions.",
        "A pupil has been removed from a class group chat and others post about them by name.",
    ),
    Kind.CYBERBULLYING_STAFF: (
        "A parent's public post names a teacher and makes accusations about their conduct in class.",
        "An account set up in a teacher's name posts photos of them taken in lessons.",
    ),
    Kind.PUPIL_CONTACT: (
        "A pupil sent a follow request and messages to a teacher's personal Instagram account.",
        "A former pupil still on roll messaged a member of staff on WhatsApp about homework.",
    ),
    Kind.UNDER_AGE: (
        "A Year 5 pupil told the class about their TikTok account and the videos they post.",
        "A pupil in Year 6 is in a Snapchat group with pupils from the secondary school.",
    ),
    Kind.STAFF_CONDUCT: (
        "A member of staff's public profile shows photos from a school trip with pupils' faces visible.",
        "A member of staff commented on a parent's post about a disciplinary matter.",
    ),
    Kind.INAPPROPRIATE_CONTENT: (
        "A pupil reached a gambling site on a library computer; the filter log shows the address.",
        "Violent video content was opened on a classroom laptop during a lesson.",
    ),
    Kind.ABUSIVE_COMMENT: (
        "An abusive comment about the school's staff under the sports day post on Facebook.",
        "A reply to the school's post on X uses racist language about pupils in the photo.",
    ),
    Kind.MEDIA_ENQUIRY: (
        "A local newspaper reporter asked through Facebook for comment on a parent's complaint.",
    ),
}
NATURES = {
    Kind.SAFEGUARDING: ["safeguarding"],
    Kind.CYBERBULLYING_PUPIL: ["bullying", "abusive"],
    Kind.CYBERBULLYING_STAFF: ["harassment", "defamatory"],
    Kind.PUPIL_CONTACT: ["safeguarding"],
    Kind.UNDER_AGE: ["safeguarding"],
    Kind.STAFF_CONDUCT: ["identifies", "reputational"],
    Kind.INAPPROPRIATE_CONTENT: ["offensive_likely"],
    Kind.ABUSIVE_COMMENT: ["abusive", "offensive"],
    Kind.MEDIA_ENQUIRY: ["reputational"],
}
TAKEDOWN_KINDS = {Kind.CYBERBULLYING_PUPIL, Kind.CYBERBULLYING_STAFF, Kind.ABUSIVE_COMMENT, Kind.SAFEGUARDING}
HANDLER_ROLES = {
    "triage_incidents": (Role.DSL, Role.DEPUTY_DSL),
    "handle_staff_conduct": (Role.HEADTEACHER,),
    "record_ict_actions": (Role.ICT_TECHNICIAN,),
    "moderate_accounts": (Role.MARKETING_OFFICER,),
}
HISTORY = timedelta(days=5 * 365)
RECENT = timedelta(days=30)
RECENT_SHARE = 0.03
# Of the pupils of a school, the share ever named in a report; a few of them in many.
KNOWN_PUPILS = 0.12


@dataclass(frozen=True)
class LadderStage:
    """Where an open takedown stands on the escalation ladder: its deadline and the rungs sent."""

    deadline_in: timedelta
    sent: tuple[str, ...]
    due: bool


# Half the open takedowns have a rung due at any moment; the other half have had every rung due.
LADDER = (
    LadderStage(timedelta(hours=20), (), due=False),
    LadderStage(timedelta(hours=10), (), due=True),
    LadderStage(timedelta(hours=10), ("12h",), due=False),
    LadderStage(timedelta(hours=2), ("12h",), due=True),
    LadderStage(timedelta(hours=2), ("12h", "20h"), due=False),
    LadderStage(timedelta(hours=-3), ("12h", "20h"), due=True),
    LadderStage(timedelta(days=-2, hours=-3), ("12h", "20h", "24h", "day-1", "day-2"), due=False),
    LadderStage(timedelta(days=-3, hours=-1), ("12h", "20h", "24h", "day-1", "day-2"), due=True),
)


def align_takedown_ladder(trust: Trust, now: datetime) -> dict[str, int]:
    """Put the trust's open takedowns back at the ladder stages of ``LADDER`` relative to now.

    Deadlines are stored, so data seeded hours or days ago would otherwise have every takedown long
    past its deadline; this makes each run of the sweep face the same mix of due and not-due work.
    """
    takedowns = list(Takedown.objects.filter(school__trust=trust, closed_at__isnull=True).order_by("pk"))
    TakedownNotice.objects.filter(takedown__in=takedowns).delete()
    notices, due = [], 0
    for index, takedown in enumerate(takedowns):
        stage = LADDER[index % len(LADDER)]
        takedown.deadline = now + stage.deadline_in
        notices += [TakedownNotice(takedown=takedown, level=level) for level in stage.sent]
        due += stage.due
    Takedown.objects.bulk_update(takedowns, ["deadline"], batch_size=BATCH)
    TakedownNotice.objects.bulk_create(notices, batch_size=BATCH)
    return {"open": len(takedowns), "due": due}


class _Staff:
    """The trust's workforce by school and role, and the names the timeline shows."""

    def __init__(self, trust: Trust):
        self.by_school: dict = defaultdict(lambda: defaultdict(list))
        self.trust_role: dict[str, object] = {}
        rows = Membership.objects.filter(trust=trust).exclude(role__in=[Role.PUPIL, Role.PARENT])
        for user_id, role, school_id in rows.values_list("user_id", "role", "school_id").order_by("user_id"):
            if school_id is None:
                self.trust_role.setdefault(role, user_id)
            else:
                self.by_school[school_id][role].append(user_id)
        named = {u for roles in self.by_school.values() for r in roles if r != Role.STAFF for u in roles[r]}
        named |= set(self.trust_role.values())
        self.names = dict(User.objects.filter(pk__in=named).values_list("pk", "full_name"))

    def handler(self, school_id, action: str, rng: random.Random):
        if action in HANDLER_ROLES:
            people = [u for role in HANDLER_ROLES[action] for u in self.by_school[school_id][role]]
            return rng.choice(people)
        return self.trust_role[Role.DIRECTOR_OF_MARKETING]

    def staff(self, school_id, rng: random.Random):
        return rng.choice(self.by_school[school_id][Role.STAFF])


class _Rows:
    """The rows of every incident, gathered for bulk insertion."""

    def __init__(self) -> None:
        self.incidents: list[Incident] = []
        self.people: list[IncidentPerson] = []
        self.events: list[IncidentEvent] = []
        self.evidence: list[Evidence] = []
        self.takedowns: list[Takedown] = []
        self.steps: list[TakedownStep] = []

    def event(self, incident: Incident, type_: str, by, at: datetime, text: str = "", reporter=False, **data):
        self.events.append(
            IncidentEvent(
                incident=incident,
                type=type_,
                by_id=by,
                at=at,
                text=text,
                data=data,
                visible_to_reporter=reporter,
            )
        )

    def insert(self) -> None:
        with given_times(Incident, IncidentPerson, IncidentEvent, Evidence, Takedown, TakedownStep):
            for model, rows in (
                (Incident, self.incidents),
                (IncidentPerson, self.people),
                (Evidence, self.evidence),
                (Takedown, self.takedowns),
                (TakedownStep, self.steps),
                (IncidentEvent, self.events),
            ):
                model.objects.bulk_create(rows, batch_size=BATCH)


def seed_incidents(trust: Trust, total: int, rng: random.Random, now: datetime) -> None:
    """A five-year history of reports in every school, most closed, recent ones still being handled."""
    staff = _Staff(trust)
    schools = list(trust.schools.order_by("urn"))
    platforms = list(Platform.objects.filter(is_active=True).order_by("name"))
    pupils_of: dict = defaultdict(list)
    for pk, school_id in (
        Pupil.objects.filter(school__trust=trust).order_by("pk").values_list("pk", "school_id")
    ):
        pupils_of[school_id].append(pk)
    per_school = split(total, [max(1, len(pupils_of[s.pk])) for s in schools])
    kinds, weights = zip(*KIND_MIX, strict=True)
    number = 0
    open_candidates: list[Incident] = []
    target = max(len(LADDER), round(total * 0.0025))
    # Every so often a cyberbullying case still being handled, so there are open takedowns to put
    # on the ladder however small the trust.
    active_every = max(1, total // target)
    for school, count in zip(schools, per_school, strict=True):
        rows = _Rows()
        known = pupils_of[school.pk][:]
        rng.shuffle(known)
        known = known[: max(3, int(len(known) * KNOWN_PUPILS))]
        for _ in range(count):
            number += 1
            active = number % active_every == 0
            kind = Kind.CYBERBULLYING_PUPIL if active else rng.choices(kinds, weights)[0]
            incident = _incident(rows, school, kind, number, staff, known, platforms, rng, now, active=active)
            if incident.status != Status.CLOSED and kind in TAKEDOWN_KINDS:
                open_candidates.append(incident)
        rows.insert()
    _open_takedowns(open_candidates, staff, rng, target=target)
    align_takedown_ladder(trust, now)


def _incident(
    rows: _Rows,
    school: School,
    kind: str,
    number: int,
    staff: _Staff,
    known,
    platforms,
    rng,
    now,
    *,
    active: bool = False,
):
    """One report, the people in it, and its timeline as far as it has got (``active``: a recent
    case being handled)."""
    recent = active or rng.random() < RECENT_SHARE
    age = (
        rng.uniform(0, RECENT.total_seconds())
        if recent
        else rng.uniform(RECENT.total_seconds(), HISTORY.total_seconds())
    )
    reported_at = now - timedelta(seconds=age)
    if active:
        status = Status.IN_PROGRESS
    elif recent:
        status = rng.choices([Status.NEW, Status.IN_PROGRESS, Status.CLOSED], [35, 45, 20])[0]
    else:
        status = Status.IN_PROGRESS if rng.random() < 0.01 else Status.CLOSED
    action = KIND_HANDLER[kind]
    reporter = (
        staff.by_school[school.pk][Role.MARKETING_OFFICER][0]
        if kind == Kind.ABUSIVE_COMMENT
        else staff.staff(school.pk, rng)
    )
    platform = None if kind == Kind.INAPPROPRIATE_CONTENT else rng.choice(platforms)
    immediate = kind == Kind.SAFEGUARDING and rng.random() < 0.05
    severity = Severity.UNSET
    if status != Status.NEW:
        severity = rng.choices(
            [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL], [30, 40, 22, 8]
        )[0]
    elif immediate:
        severity = Severity.HIGH
    assignee = staff.handler(school.pk, action, rng) if status != Status.NEW else None
    slug = uuid.UUID(int=rng.getrandbits(128)).hex[:10]
    host = "".join(ch for ch in (platform.name if platform else "example-site").lower() if ch.isalnum())
    url = f"https://www.{host}.com/p/{slug}"
    incident = Incident(
        reference=f"INC-{reported_at:%y%m}-{number:06X}",
        school=school,
        kind=kind,
        handler_action=action,
        reporter_id=reporter,
        reported_at=reported_at,
        occurred_at=reported_at - timedelta(hours=rng.uniform(2, 72)),
        seen_at=reported_at - timedelta(minutes=rng.uniform(5, 600)),
        platform=platform,
        platform_other="" if platform else "A website reached through a search engine",
        urls=[url],
        description=rng.choice(DESCRIPTIONS[kind]),
        nature=NATURES[kind],
        immediate_risk=immediate,
        on_school_device=kind == Kind.INAPPROPRIATE_CONTENT,
        status=status,
        severity=severity,
        assigned_to_id=assignee,
        respond_by=reported_at + response_time(kind=kind, immediate_risk=immediate),
        safeguarding_flag=kind == Kind.UNDER_AGE,
        closed_at=None,
    )
    rows.incidents.append(incident)
    _people_in(rows, incident, kind, reporter, staff, known, rng)
    at = reported_at
    rows.event(incident, Ev.REPORTED, reporter, at, reporter=True)
    rows.event(incident, Ev.ROUTED, None, at, handler_label(action), handler_action=action)
    if incident.safeguarding_flag:
        rows.event(
            incident,
            Ev.FLAG,
            None,
            at,
            "A pupil named is younger than the platform's minimum age.",
            platform=platform.name if platform else "",
        )
    if kind in TAKEDOWN_KINDS and rng.random() < 0.4:
        evidence = Evidence(
            incident=incident,
            original_name=f"screenshot-{slug[:6]}.png",
            content_type="image/png",
            size=rng.randint(40_000, 900_000),
            sha256=hashlib.sha256(slug.encode()).hexdigest(),
            captured_at=incident.seen_at,
            source_url=url,
            uploaded_by_id=reporter,
            uploaded_at=at,
        )
        evidence.file.name = f"evidence/{school.pk}/{incident.pk}/{evidence.pk}"
        rows.evidence.append(evidence)
        rows.event(
            incident,
            Ev.EVIDENCE,
            reporter,
            at,
            evidence.original_name,
            sha256=evidence.sha256,
            evidence=str(evidence.pk),
        )
    if status == Status.NEW:
        return incident
    at += timedelta(minutes=rng.uniform(10, 300))
    rows.event(incident, Ev.ASSIGNED, assignee, at, staff.names.get(assignee, ""), assignee=str(assignee))
    rows.event(incident, Ev.SEVERITY, assignee, at, "Assessed on triage.", old=0, new=int(severity))
    for _ in range(rng.choice([1, 1, 2, 3])):
        at += timedelta(hours=rng.uniform(1, 48))
        rows.event(
            incident, Ev.NOTE, assignee, at, "Spoke with the pupil and their parent; support plan agreed."
        )
    if action == "triage_incidents" and rng.random() < 0.15:
        at += timedelta(hours=rng.uniform(1, 24))
        agency = rng.choice(IncidentEvent.Agency.values)
        rows.event(
            incident,
            Ev.REFERRAL,
            assignee,
            at,
            "Referral made by phone, confirmed in writing.",
            agency=agency,
            agency_label=IncidentEvent.Agency(agency).label,
            reference=f"REF-{rng.randrange(10**5, 10**6)}",
        )
    if status == Status.CLOSED:
        if kind in TAKEDOWN_KINDS and rng.random() < 0.1:
            at = _closed_takedown(rows, incident, assignee, url, platform, at, rng)
        at += timedelta(hours=rng.uniform(2, 24 * 14))
        incident.closed_at = min(at, now - timedelta(minutes=5))
        rows.event(
            incident,
            Ev.CLOSED,
            assignee,
            incident.closed_at,
            "Case reviewed and closed.",
            decision="No further action beyond the support given.",
            reasons="The content was removed and the pupils involved were spoken to.",
            outcome="Support plan in place; parents informed.",
            reporter=True,
        )
    return incident


def _people_in(rows: _Rows, incident: Incident, kind: str, reporter, staff: _Staff, known, rng) -> None:
    """The people a report of this kind names: pupils known to the school, staff, or descriptions."""

    def pupil(role: str) -> None:
        # Squaring the draw makes a few pupils appear in many reports, as happens.
        chosen = known[int(len(known) * rng.random() ** 1.5)]
        rows.people.append(
            Person(
                incident=incident,
                role=role,
                identity=Person.Identity.PUPIL,
                pupil_id=chosen,
                added_by_id=reporter,
                added_at=incident.reported_at,
            )
        )

    def other(role: str, identity: str, description: str = "", user=None) -> None:
        rows.people.append(
            Person(
                incident=incident,
                role=role,
                identity=identity,
                user_id=user,
                description=description,
                added_by_id=reporter,
                added_at=incident.reported_at,
            )
        )

    R, Id = Person.Role, Person.Identity
    if kind in (Kind.SAFEGUARDING, Kind.UNDER_AGE):
        pupil(R.AFFECTED if kind == Kind.SAFEGUARDING else R.SUBJECT)
    elif kind == Kind.CYBERBULLYING_PUPIL:
        pupil(R.AFFECTED)
        if rng.random() < 0.5:
            pupil(R.ALLEGED)
        else:
            other(R.ALLEGED, Id.UNKNOWN)
    elif kind == Kind.CYBERBULLYING_STAFF:
        other(R.AFFECTED, Id.STAFF, user=staff.staff(incident.school_id, rng))
        other(R.ALLEGED, Id.UNKNOWN)
    elif kind == Kind.PUPIL_CONTACT:
        pupil(R.SUBJECT)
    elif kind == Kind.STAFF_CONDUCT:
        other(R.SUBJECT, Id.STAFF, user=staff.staff(incident.school_id, rng))
    elif kind == Kind.INAPPROPRIATE_CONTENT:
        if rng.random() < 0.5:
            pupil(R.ALLEGED)
        else:
            other(R.ALLEGED, Id.DESCRIBED, "A pupil using the library computers at lunchtime")
    elif kind == Kind.ABUSIVE_COMMENT:
        other(R.ALLEGED, Id.UNKNOWN)
    else:
        other(R.WITNESS, Id.DESCRIBED, "A reporter from the local newspaper")
    if kind != Kind.MEDIA_ENQUIRY and rng.random() < 0.2:
        pupil(R.WITNESS)


def _closed_takedown(rows: _Rows, incident: Incident, by, url: str, platform, at: datetime, rng) -> datetime:
    """A takedown carried through: requested from the host, then removal confirmed (or not needed)."""
    removed = rng.random() < 0.85
    host = platform.name if platform else "Website host"
    takedown = Takedown(
        incident=incident,
        school_id=incident.school_id,
        content_url=url,
        host=host,
        opened_by_id=by,
        opened_at=at,
        deadline=incident.reported_at + timedelta(hours=24),
        status=Takedown.Status.REMOVED if removed else Takedown.Status.WITHDRAWN,
        removal_requested_at=at + timedelta(minutes=30),
        removal_reference=f"{host[:2].upper()}-{rng.randrange(10**6, 10**7)}",
    )
    steps = [
        (St.OPENED, at, ""),
        (St.REMOVAL_REQUESTED, takedown.removal_requested_at, takedown.removal_reference),
    ]
    at += timedelta(hours=rng.uniform(2, 30))
    steps.append((St.REMOVAL_CONFIRMED if removed else St.WITHDRAWN, at, ""))
    takedown.removed_at = at if removed else None
    takedown.closed_at = at
    rows.takedowns.append(takedown)
    for type_, when, reference in steps:
        rows.steps.append(TakedownStep(takedown=takedown, type=type_, at=when, by_id=by, reference=reference))
        rows.event(
            incident,
            Ev.TAKEDOWN,
            by,
            when,
            St(type_).label,
            takedown=str(takedown.pk),
            step=type_,
            reference=reference,
        )
    return at


def _open_takedowns(candidates: list[Incident], staff: _Staff, rng, *, target: int) -> None:
    """Takedowns still open on recent cases, for the escalation sweep to work on."""
    rows = _Rows()
    step = max(1, len(candidates) // target) if candidates else 1
    for incident in candidates[::step][:target]:
        by = incident.assigned_to_id or staff.handler(incident.school_id, incident.handler_action, rng)
        at = incident.reported_at + timedelta(minutes=30)
        requested = rng.random() < 0.6
        takedown = Takedown(
            incident=incident,
            school_id=incident.school_id,
            content_url=incident.urls[0],
            host=incident.platform.name if incident.platform_id else "Website host",
            opened_by_id=by,
            opened_at=at,
            deadline=incident.reported_at + timedelta(hours=24),
            status=Takedown.Status.REQUESTED if requested else Takedown.Status.OPEN,
            removal_requested_at=at if requested else None,
        )
        rows.takedowns.append(takedown)
        for type_ in [St.OPENED] + ([St.REMOVAL_REQUESTED] if requested else []):
            rows.steps.append(TakedownStep(takedown=takedown, type=type_, at=at, by_id=by))
            rows.event(incident, Ev.TAKEDOWN, by, at, St(type_).label, takedown=str(takedown.pk), step=type_)
    rows.insert()
