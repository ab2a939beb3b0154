"""The DSL's queue opens on the open cases; closed ones are a filter away."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from incidents.services import incident_close
from tests.incidents.helpers import report

pytestmark = pytest.mark.django_db


def _refs(response) -> set[str]:
    return {row["incident"].reference for row in response.context["rows"]}


def test_the_queue_opens_on_open_cases_and_any_status_shows_the_closed(personas, client_for):
    a = personas.a
    new = report(a[Role.STAFF], a.school)
    closed = report(a[Role.STAFF], a.school)
    incident_close(
        user=a[Role.DSL],
        incident=closed,
        summary="Messages removed by the platform.",
        decision="No further action",
        reasons="Content gone, pupils spoken to.",
        outcome="Resolved",
    )
    client = client_for(a[Role.DSL])

    opening = client.get(reverse("incidents:queue"))
    assert _refs(opening) == {new.reference}
    html = opening.content.decode()
    assert "1 open concern" in html
    # The filter shows what the queue is showing, and nothing reads as "filtered" to clear.
    assert '<option value="open" selected>' in html and "Clear filters" not in html

    assert _refs(client.get(reverse("incidents:queue"), {"status": ""})) == {new.reference, closed.reference}
    assert _refs(client.get(reverse("incidents:queue"), {"status": "closed"})) == {closed.reference}


def test_an_empty_open_queue_says_where_the_closed_cases_are(personas, client_for):
    a = personas.a
    closed = report(a[Role.STAFF], a.school)
    incident_close(
        user=a[Role.DSL],
        incident=closed,
        summary="Dealt with.",
        decision="No further action",
        reasons="Resolved with the family.",
        outcome="Resolved",
    )
    html = client_for(a[Role.DSL]).get(reverse("incidents:queue")).content.decode()
    assert "There are no open concerns in your queue" in html and "Any status" in html
