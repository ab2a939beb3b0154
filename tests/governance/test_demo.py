"""The demo trust's data protection records (governance.demo, run by ``manage.py seed_demo``): a
breach being chased and an erasure carried out, with its certificate, in every demo school."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.management.commands.seed_demo import SCHOOLS
from accounts.models import Pupil, School
from core.models import AuditEntry
from governance.erasure import CERTIFICATE
from governance.models import Breach, RetentionReview

pytestmark = pytest.mark.django_db


def seed() -> None:
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=StringIO())


def test_every_demo_school_has_a_breach_and_an_erasure_certificate_and_a_second_run_adds_none():
    seed()
    schools = School.objects.filter(urn__in=[spec.urn for spec in SCHOOLS])
    assert schools.count() == len(SCHOOLS)
    for school in schools:
        breach = Breach.objects.get(school=school)
        assert breach.ico_status == "ICO decision due"
        certificate = AuditEntry.objects.get(object_type=CERTIFICATE, school_id=school.pk)
        assert certificate.changes["rows"]["accounts.pupil"] == 1
        assert certificate.changes["rule"].startswith("Retention: Pupil and parent records")
        erased = Pupil.objects.get(school=school, mis_id__startswith="erased-")
        assert erased.first_name == "Erased" and not erased.is_active
        assert RetentionReview.objects.get(school=school, object_id=str(erased.pk)).outcome == "erase"
    before = (Breach.objects.count(), AuditEntry.objects.filter(object_type=CERTIFICATE).count())
    seed()
    assert (Breach.objects.count(), AuditEntry.objects.filter(object_type=CERTIFICATE).count()) == before
