"""The demo trust's sample incidents (incidents.demo, run by ``manage.py seed_demo``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.management.commands.seed_demo import SCHOOLS
from accounts.models import School
from incidents.figures import overdue_first_responses
from incidents.models import FirstResponseNotice, Incident, IncidentEvent, Status

pytestmark = pytest.mark.django_db


def seed() -> None:
    # As make run seeds it: the demo refuses a database whose settings have DEBUG off.
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=StringIO())


def test_every_demo_school_has_an_overdue_report_the_ladder_is_chasing():
    seed()
    now = timezone.now()
    for spec in SCHOOLS:
        school = School.objects.get(urn=spec.urn)
        overdue = Incident.objects.filter(school=school, status=Status.NEW, respond_by__lt=now)
        assert overdue.count() == 1, spec.name
        incident = overdue.get()
        levels = set(FirstResponseNotice.objects.filter(incident=incident).values_list("level", flat=True))
        assert levels == {"reminder", "deputy"}
        assert (
            IncidentEvent.objects.filter(incident=incident, type=IncidentEvent.Type.ESCALATION).count() == 2
        )
        assert overdue_first_responses(now, [school.pk]) == 1
    # A second run adds nothing.
    before = FirstResponseNotice.objects.count()
    seed()
    assert FirstResponseNotice.objects.count() == before
