"""Records built to give the operations figures a known answer."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.roles import Role
from core.models import Notification
from incidents.models import Takedown
from tests.incidents.helpers import report


def takedown(personas, side, *, deadline_in: timedelta, closed: bool = False) -> Takedown:
    """A takedown of a fresh report in school ``side`` ("a" or "b"), due ``deadline_in`` from now."""
    people = getattr(personas, side)
    incident = report(people[Role.STAFF], people.school)
    now = timezone.now()
    return Takedown.objects.create(
        incident=incident,
        school=people.school,
        content_url=f"https://example.com/p/{incident.reference}",
        opened_by=people[Role.DSL],
        deadline=now + deadline_in,
        closed_at=now if closed else None,
    )


def waiting_email(user, *, age: timedelta, status=Notification.EmailStatus.PENDING) -> Notification:
    """A notification made ``age`` ago, its email in ``status``."""
    notification = Notification.objects.create(user=user, subject="Something to read", email_status=status)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - age)
    return notification
