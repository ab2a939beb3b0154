"""Sample photo consent for the demo trust: an open collection in every school, most families answered.

Called by ``manage.py seed_demo`` (accounts.management.commands.seed_demo.seed_feature_records).
Everything is made through consent.services, so the register, its history, follow-ups, audit
entries and notifications are exactly what real answers produce. A school that already has a
collection or answers for this academic year is left as it is, and the sample event is made once,
so a second run changes nothing.

About three families in four have answered: most give consent for everything, some refuse social
media or the press, some give it for first names or group shots only, a few answers come from paper
forms entered by the marketing officer, and one parent withdraws a consent given earlier. The rest
are outstanding, so the collection's response rate page has parents to chase. Each demo parent
login has a child with answers and, when they have two children, one with a refusal.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import ParentLink, Pupil, School, User
from consent import services
from consent.models import (
    Collection,
    CollectionSchedule,
    ConsentAnswer,
    Decision,
    Event,
    Method,
    Purpose,
    Restriction,
)
from consent.selectors import current_academic_year

# The share of each school's pupils whose parents have answered.
ANSWERED_SHARE = 0.75
# Of the answers not given by a demo login, about one in this many came in on paper.
PAPER_ONE_IN = 8
COLLECTION_OPEN_DAYS = 28

EVENT_NAME = "Year 6 sports festival"
EVENT_YEAR_GROUP = 6
EVENT_PURPOSES = [Purpose.SCHOOL_SOCIAL_MEDIA, Purpose.TRUST_SOCIAL_MEDIA, Purpose.PRESS_AND_MEDIA]

# The uses seen outside the school, where a parent's restrictions matter most.
PUBLIC = [
    Purpose.SCHOOL_WEBSITE,
    Purpose.SCHOOL_SOCIAL_MEDIA,
    Purpose.TRUST_SOCIAL_MEDIA,
    Purpose.PRESS_AND_MEDIA,
    Purpose.PROSPECTUS_AND_PRINT,
    Purpose.VIDEO_AND_LIVESTREAM,
]

YES = services.Answer(Decision.GIVEN)
NO = services.Answer(Decision.REFUSED)


def _answers(refused=(), restrictions=()) -> dict[str, services.Answer]:
    """A family's answers: every purpose given, except those refused; restrictions on public uses."""
    limited = services.Answer(Decision.GIVEN, tuple(restrictions))
    return {
        purpose: NO if purpose in refused else (limited if purpose in PUBLIC else YES)
        for purpose in Purpose.values
    }


# How the demo families answer, with how often, roughly as schools see it: {name: (weight, answers)}.
PROFILES: dict[str, tuple[int, dict[str, services.Answer]]] = {
    "everything": (50, _answers()),
    "no_social_media": (12, _answers(refused=(Purpose.SCHOOL_SOCIAL_MEDIA, Purpose.TRUST_SOCIAL_MEDIA))),
    "no_press": (12, _answers(refused=(Purpose.PRESS_AND_MEDIA,))),
    "first_name_only": (10, _answers(restrictions=(Restriction.FIRST_NAME_ONLY,))),
    "group_shots_only": (
        8,
        _answers(refused=(Purpose.PRESS_AND_MEDIA,), restrictions=(Restriction.GROUP_SHOTS_ONLY,)),
    ),
    "inside_school_only": (8, _answers(refused=tuple(PUBLIC))),
}


def seed_demo_records(data) -> None:
    """An open collection and answers in every school, then one event across two schools."""
    academic_year = current_academic_year()
    chosen = _demo_parents_children(data)
    for school in data.schools.values():
        if _has_consent_records(school, academic_year):
            continue
        _seed_school(data, school, academic_year, chosen)
    _seed_event(data, academic_year)
    _seed_schedule(data)


def _seed_schedule(data) -> None:
    """The trust's collection opens by itself on 8 September each year (a second seeding keeps it)."""
    admin = data.trust_administrator()
    trust = next(iter(data.schools.values())).trust
    if CollectionSchedule.objects.filter(trust=trust).exists():
        return
    services.collection_schedule_set(
        by=admin,
        trust=trust,
        opens_day=8,
        opens_month=9,
        weeks_open=4,
        message="Paper forms are at every school office for families who prefer them.",
    )


def _has_consent_records(school: School, academic_year: str) -> bool:
    """Has the school a collection (its own or the trust's) or answers for the year already?"""
    collections = Collection.objects.filter(academic_year=academic_year).filter(
        Q(school=school) | Q(school__isnull=True, trust_id=school.trust_id)
    )
    return (
        collections.exists()
        or ConsentAnswer.objects.filter(school=school, academic_year=academic_year).exists()
    )


def _demo_parents_children(data) -> dict:
    """{pupil id: (profile, parent)} for the children of the demo parent logins: the first answered
    in full, the second with a refusal, so a parent signing in sees both kinds of answer."""
    chosen: dict = {}
    for school in data.schools.values():
        parent = data.parent(school)
        links = (
            ParentLink.objects.filter(parent=parent, parental_responsibility=True)
            .select_related("pupil__school")
            .order_by("pupil__school__urn", "pupil__mis_id")
        )
        for link, profile in zip(links, ["everything", "no_social_media"], strict=False):
            chosen.setdefault(link.pupil_id, (profile, parent))
    return chosen


def _seed_school(data, school: School, academic_year: str, chosen: dict) -> None:
    rng = random.Random(f"{school.urn}:consent")  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    officer = data.marketing_officer(school)
    services.collection_open(
        by=officer,
        school=school,
        academic_year=academic_year,
        closes_on=today + timedelta(days=COLLECTION_OPEN_DAYS),
        message="Answers can be changed at any time during the year from the portal.",
    )
    pupils = sorted(data.pupils.get(school.urn, []), key=lambda p: p.mis_id)
    parents = _parents_by_pupil(pupils)
    others = [p for p in pupils if p.pk not in chosen and parents.get(p.pk)]
    rng.shuffle(others)
    wanted = max(0, round(ANSWERED_SHARE * len(pupils)) - sum(p.pk in chosen for p in pupils))
    answering = others[:wanted]

    for pupil in pupils:
        if pupil.pk in chosen:
            profile, parent = chosen[pupil.pk]
            services.consent_record(
                by=parent, pupil=pupil, academic_year=academic_year, answers=PROFILES[profile][1]
            )

    names = list(PROFILES)
    weights = [PROFILES[name][0] for name in names]
    withdrawing: tuple[Pupil, User] | None = None
    for index, pupil in enumerate(answering):
        profile = rng.choices(names, weights)[0]
        parent = rng.choice(parents[pupil.pk])
        if index % PAPER_ONE_IN == PAPER_ONE_IN - 1:
            services.consent_record(
                by=officer,
                pupil=pupil,
                academic_year=academic_year,
                answers=PROFILES[profile][1],
                parent=parent,
                method=Method.PAPER_FORM,
                paper_form_dated=today - timedelta(days=rng.randint(1, 10)),
                note="Paper form handed in at the school office.",
            )
            continue
        services.consent_record(
            by=parent, pupil=pupil, academic_year=academic_year, answers=PROFILES[profile][1]
        )
        if withdrawing is None and profile == "everything":
            withdrawing = (pupil, parent)

    if withdrawing is not None:
        pupil, parent = withdrawing
        services.consent_withdraw(
            by=parent,
            pupil=pupil,
            academic_year=academic_year,
            purposes=[Purpose.SCHOOL_SOCIAL_MEDIA],
            note="We would rather our child was not on the school's social media after all.",
        )


def _parents_by_pupil(pupils: list[Pupil]) -> dict:
    """The parents with parental responsibility of each pupil, in a fixed order (one query)."""
    links = (
        ParentLink.objects.filter(pupil__in=pupils, parental_responsibility=True)
        .select_related("parent")
        .order_by("parent__email")
    )
    out: dict = {}
    for link in links:
        out.setdefault(link.pupil_id, []).append(link.parent)
    return out


def _seed_event(data, academic_year: str) -> None:
    """The first school's Year 6 sports festival, with another school's Year 6 pupils too."""
    if Event.objects.filter(trust=data.trust, name=EVENT_NAME).exists():
        return
    schools = [
        school
        for school in data.schools.values()
        if any(p.year_group == EVENT_YEAR_GROUP for p in data.pupils.get(school.urn, []))
    ][:2]
    if not schools:
        return
    day = timezone.localdate() + timedelta(days=16)
    if current_academic_year(day) != academic_year:
        # Near the end of the summer term the festival is today, so the briefing reads this year.
        day = timezone.localdate()
    event = services.event_create(
        by=data.director_of_marketing(),
        name=EVENT_NAME,
        date=day,
        schools=schools,
        purposes=EVENT_PURPOSES,
        location="Northfield Leisure Centre",
    )
    attending = [
        pupil
        for school in schools
        for pupil in data.pupils.get(school.urn, [])
        if pupil.year_group == EVENT_YEAR_GROUP
    ]
    services.event_add_pupils(by=event.created_by, event=event, pupils=attending)
