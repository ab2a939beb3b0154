"""The queue makes the same number of queries for 10 incidents as for 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Action, Role
from incidents.models import Evidence, Incident, IncidentEvent, IncidentPerson, Kind, Platform, Takedown
from tests.querycount import assert_constant_queries, queries_for

pytestmark = pytest.mark.django_db


def make_incidents(personas, n: int, *, start: int = 0) -> None:
    """n incidents of school A with events, takedowns, evidence and named pupils, straight through the ORM."""
    a = personas.a
    now = timezone.now()
    platforms = list(Platform.objects.all())
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                reference=f"BULK-{start + i:06d}",
                school=a.school,
                kind=Kind.CYBERBULLYING_PUPIL,
                handler_action=Action.TRIAGE_INCIDENTS,
                reporter=a[Role.STAFF],
                seen_at=now,
                description="Bulk report",
                platform=platforms[i % len(platforms)],
                respond_by=now + timedelta(hours=(i % 48) - 12),
                severity=i % 5,
                assigned_to=a[Role.DEPUTY_DSL] if i % 2 else None,
                immediate_risk=i % 7 == 0,
                safeguarding_flag=i % 11 == 0,
            )
            for i in range(n)
        ]
    )
    IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(incident=incident, type="reported", by=a[Role.STAFF], visible_to_reporter=True)
            for incident in incidents
        ]
    )
    Takedown.objects.bulk_create(
        [
            Takedown(
                incident=incident,
                school=a.school,
                content_url="https://example.com/post",
                opened_by=a[Role.DSL],
                deadline=now + timedelta(hours=i % 24),
            )
            for i, incident in enumerate(incidents)
            if i % 3 == 0
        ]
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                incident=incident,
                file=f"evidence/{incident.pk}",
                original_name="screenshot.png",
                content_type="image/png",
                size=100,
                sha256="0" * 64,
                uploaded_by=a[Role.STAFF],
            )
            for i, incident in enumerate(incidents)
            if i % 4 == 0
        ]
    )
    IncidentPerson.objects.bulk_create(
        [
            IncidentPerson(
                incident=incident, role="affected", identity="pupil", pupil=a.child, added_by=a[Role.STAFF]
            )
            for i, incident in enumerate(incidents)
            if i % 5 == 0
        ]
    )


@pytest.mark.parametrize("role", [Role.DSL, Role.TRUST_SAFEGUARDING_LEAD])
def test_the_queue_does_not_grow_with_the_incidents(personas, client_for, role):
    user = personas.a[role] if role == Role.DSL else personas[role]
    client = client_for(user)
    make_incidents(personas, 10)
    url = reverse("incidents:queue")
    assert_constant_queries(client, url, lambda: make_incidents(personas, 490, start=10))
    # The page's own queries, in order (the session's last-seen stamp is written at most once a
    # minute, so it is left out of the pinned number):
    #  1 session, 2 user (authentication), 3 OTP device (two-factor middleware);
    #  4 the user's school grants (accounts.access, once per request);
    #  5 the queue's count and 6 one page of it (incident_queue: school, platform and assignee
    #  joined; the next takedown deadline and the evidence count as subqueries);
    #  7 the user's memberships (navigation) and 8 the unread notification count (the header);
    #  9 the platforms and, for a trust-wide user, 10 the schools offered by the filters.
    expected = 9 if role == Role.DSL else 10
    assert len(page_queries(client, url)) == expected
    # The filters are applied in the same two queries.
    params = f"?kind=cyberbullying_pupil&overdue=on&status=new&pupil={personas.a.child.last_name}"
    assert len(page_queries(client, url + params)) == expected
    assert client.get(url + params).context["rows"]


def page_queries(client, url: str) -> list[str]:
    """The queries of one GET, less the session's last-seen stamp (SAVEPOINT, UPDATE, RELEASE)."""
    return [
        sql
        for sql in queries_for(client, url)
        if not (
            sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) or sql.startswith('UPDATE "django_session"')
        )
    ]
