"""Events across schools and the pre-event briefing of pupils without consent (001 §14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from consent.models import Event, Purpose, Restriction
from consent.services import event_add_pupils, event_create
from core.calendar import academic_year_for
from core.models import AuditEntry
from tests.consent.helpers import NO, YES, answer, answer_all, child_of, yes
from tests.factories import UserFactory
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db
PHOTO_USES = [Purpose.SCHOOL_WEBSITE, Purpose.SCHOOL_SOCIAL_MEDIA]


@pytest.fixture
def sports_day(personas):
    """A sports day for schools A and B: in each school one pupil with consent, one refused for one use,
    one never answered, one with restrictions. Made by the director of marketing (both schools)."""
    # The briefing reads the answers for the academic year of the event's day: in the last days of
    # August that is next year's, so the answers are given for the event's year, not today's.
    day = timezone.localdate() + timedelta(days=10)
    year = academic_year_for(day)
    attending = {}
    for label, school in (("a", personas.a.school), ("b", personas.b.school)):
        parent = UserFactory()
        ok = child_of(
            parent, school, first_name=f"Olu{label}", last_name="Given", year_group=5, class_name="5R"
        )
        refused = child_of(
            parent, school, first_name=f"Rae{label}", last_name="Refused", year_group=6, class_name="6T"
        )
        silent = child_of(
            parent, school, first_name=f"Sol{label}", last_name="Silent", year_group=3, class_name="3G"
        )
        group = child_of(
            parent, school, first_name=f"Gus{label}", last_name="Group", year_group=4, class_name="4K"
        )
        answer_all(parent, ok, academic_year=year)
        no_social = {Purpose.SCHOOL_WEBSITE: YES, Purpose.SCHOOL_SOCIAL_MEDIA: NO}
        answer(parent, refused, no_social, academic_year=year)
        answer(parent, group, {p: yes(Restriction.GROUP_SHOTS_ONLY) for p in PHOTO_USES}, academic_year=year)
        attending[label] = (ok, refused, silent, group)
    director = personas[Role.DIRECTOR_OF_MARKETING]
    event = event_create(
        by=director,
        name="Trust sports day",
        date=day,
        schools=[personas.a.school, personas.b.school],
        purposes=PHOTO_USES,
        location="Northfield Park",
    )
    event_add_pupils(by=director, event=event, pupils=[*attending["a"], *attending["b"]])
    return event, attending


def test_the_briefing_lists_exactly_the_pupils_without_consent_across_two_schools(
    personas, client_for, sports_day
):
    event, attending = sports_day
    response = client_for(personas[Role.DIRECTOR_OF_MARKETING]).get(
        reverse("consent:event_briefing", args=[event.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="briefing-trust-sports-day-')
    text = pdf_text(response.content, layout=True)

    without, _, rest = text.partition("Pupils without consent (4)")
    listed, _, restricted = rest.partition("Pupils who may appear only with restrictions (2)")
    for label in ("a", "b"):
        ok, refused, silent, group = attending[label]
        for pupil in (refused, silent):
            assert f"{pupil.first_name} {pupil.last_name}" in listed
        assert f"{group.first_name} {group.last_name}" not in listed
        assert f"{group.first_name} {group.last_name}" in restricted
        assert ok.first_name not in text
    # Identified positively: school, year group and class beside each name.
    refused_line = next(line for line in listed.splitlines() if "Raea Refused" in line)
    assert "School A" in refused_line and "Year 6" in refused_line and "6T" in refused_line
    assert "Group shots only" in restricted
    assert "Trust sports day" in without
    entry = AuditEntry.objects.get(object_type="consent.event", verb=AuditEntry.Verb.DOWNLOAD)
    assert entry.changes["briefing"] == [None, "4 of 8 pupils without consent"]


def test_events_across_schools_need_consent_checking_in_each(personas, sports_day):
    with pytest.raises(PermissionDenied):
        event_create(
            by=personas.a[Role.MARKETING_OFFICER],
            name="Joint concert",
            date=timezone.localdate(),
            schools=[personas.a.school, personas.b.school],
            purposes=PHOTO_USES,
        )


def test_an_event_with_another_schools_pupils_is_hidden_from_one_schools_staff(
    personas, client_for, sports_day
):
    event, _ = sports_day
    for user in (personas.a[Role.MARKETING_OFFICER], personas.b[Role.STAFF]):
        client = client_for(user)
        assert client.get(reverse("consent:event_detail", args=[event.pk])).status_code == 404
        assert client.get(reverse("consent:event_briefing", args=[event.pk])).status_code == 404
        assert event not in client.get(reverse("consent:events")).context["events"]


def test_creating_an_event_and_adding_pupils_through_the_pages(personas, client_for):
    officer = personas.a[Role.MARKETING_OFFICER]
    client = client_for(officer)
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(
        reverse("consent:event_create"),
        {
            "name": "Year 5 trip",
            "date_day": day.day,
            "date_month": day.month,
            "date_year": day.year,
            "schools": [personas.a.school.pk],
            "purposes": [Purpose.SCHOOL_SOCIAL_MEDIA],
        },
    )
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "consent:event_add_pupils", args=[event.pk]
    )
    assert (
        client.post(reverse("consent:event_create"), {"schools": [personas.b.school.pk]}).status_code == 200
    )

    found = client.get(reverse("consent:event_add_pupils", args=[event.pk]) + "?year_group=5")
    assert [p for p, _ in found.context["found"]] == [personas.a.child]
    # A pupil of another school cannot be posted in.
    client.post(reverse("consent:event_add_pupils", args=[event.pk]), {"pupils": [personas.b.child.pk]})
    assert list(event.pupils.all()) == []
    client.post(reverse("consent:event_add_pupils", args=[event.pk]), {"pupils": [personas.a.child.pk]})
    assert list(event.pupils.all()) == [personas.a.child]

    detail = client.get(reverse("consent:event_detail", args=[event.pk]))
    assert [p for p, _ in detail.context["without"]] == [personas.a.child]
    remove = reverse("consent:event_remove_pupil", args=[event.pk])
    assert client.get(remove).status_code == 405
    assert client.post(remove, {"pupil": personas.a.child.pk}).status_code == 302
    assert list(event.pupils.all()) == []
