"""The operations pages: the status page for the trust administrator and the trust safeguarding
lead (red when the sweep has stalled), /healthz/deadlines for monitoring, and the Prometheus
metrics, served only with a token."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from celery import current_app
from django.db import OperationalError
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from accounts.roles import Role
from core.heartbeat import BEAT, heartbeat_record, task_key
from core.models import Notification
from governance.operations import SWEEP_TASK
from incidents.tasks import escalate_takedowns
from portal.settings import CELERY_BEAT_SCHEDULE
from tests.operations.helpers import takedown, waiting_email

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-metrics-token-0123456789"


@pytest.mark.parametrize("role", [Role.TRUST_ADMINISTRATOR, Role.TRUST_SAFEGUARDING_LEAD])
def test_the_status_page_shows_the_figures_to_the_trust_roles(personas, client_for, role):
    heartbeat_record(key=task_key(SWEEP_TASK), at=timezone.now() - timedelta(minutes=4))
    heartbeat_record(key=BEAT)
    takedown(personas, "a", deadline_in=-timedelta(hours=2))
    takedown(personas, "b", deadline_in=-timedelta(hours=2))
    Notification.objects.all().delete()
    waiting_email(personas.a[Role.DSL], age=timedelta(minutes=7))

    response = client_for(personas[role]).get(reverse("operations"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Running" in page and "govuk-tag--red" not in page
    assert "The escalation sweep last ran 4\xa0minutes ago" in page
    assert "Takedowns past their 24-hour deadline" in page
    assert response.context["status"].overdue_total == 2
    assert response.context["status"].pending_notifications == 1
    assert "7\xa0minutes" in page


@pytest.mark.parametrize(
    "label", ["a:headteacher", "a:dsl", "trust:ceo", "trust:trustee", "b:ict_technician"]
)
def test_the_status_page_is_refused_to_everyone_else(personas, client_for, label):
    assert client_for(personas.everyone()[label]).get(reverse("operations")).status_code == 403


def test_the_status_page_says_in_red_when_the_sweep_has_stalled(personas, client_for):
    heartbeat_record(key=task_key(SWEEP_TASK), at=timezone.now() - timedelta(minutes=17))

    page = client_for(personas[Role.TRUST_SAFEGUARDING_LEAD]).get(reverse("operations")).content.decode()

    assert '<strong class="govuk-tag govuk-tag--red">Stalled</strong>' in page
    assert "The escalation sweep has not run for 17\xa0minutes" in page
    # The page noticed first: the trust administrator is told.
    assert Notification.objects.filter(
        user=personas[Role.TRUST_ADMINISTRATOR], subject__contains="has not run for 17 minutes"
    ).exists()


def test_healthz_stays_plain_and_the_figures_are_json(personas):
    heartbeat_record(key=task_key(SWEEP_TASK), at=timezone.now() - timedelta(minutes=1))
    takedown(personas, "a", deadline_in=-timedelta(hours=2))
    client = Client()

    live = client.get("/healthz")
    assert live.status_code == 200 and live.content == b"ok"

    figures = client.get("/healthz/deadlines").json()
    assert figures["status"] == "ok"
    assert figures["escalation_sweep"]["stalled"] is False
    assert figures["overdue_deadlines"]["takedowns"] == 1
    assert figures["overdue_deadlines"]["total"] == 1


def test_healthz_deadlines_answers_503_while_the_database_is_down(db, monkeypatch):
    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("governance.operations.operations_status", database_down)
    response = Client().get("/healthz/deadlines")
    assert response.status_code == 503
    assert response.json() == {"status": "database_unavailable"}
    assert Client().get("/healthz").status_code == 200


@pytest.fixture
def metrics_on(settings):
    """The portal's URLs as loaded with a metrics token set (and as before, afterwards)."""
    import portal.urls

    settings.PORTAL_METRICS_TOKEN = TOKEN
    clear_url_caches()
    importlib.reload(portal.urls)
    yield
    settings.PORTAL_METRICS_TOKEN = ""
    clear_url_caches()
    importlib.reload(portal.urls)


def test_without_a_token_configured_there_are_no_metrics(db):
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_need_the_token(personas, client_for, metrics_on):
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    # A session is no substitute, whoever holds it.
    assert client_for(personas[Role.TRUST_ADMINISTRATOR]).get("/metrics").status_code == 401


def test_metrics_expose_the_same_figures(personas, metrics_on):
    last_run = timezone.now() - timedelta(minutes=3)
    heartbeat_record(key=task_key(SWEEP_TASK), at=last_run)
    takedown(personas, "a", deadline_in=-timedelta(hours=2))
    takedown(personas, "b", deadline_in=-timedelta(hours=2))
    Notification.objects.all().delete()
    waiting_email(personas.a[Role.DSL], age=timedelta(minutes=10))
    waiting_email(personas.a[Role.DSL], age=timedelta(minutes=1))

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    lines = dict(
        line.rsplit(" ", 1) for line in response.content.decode().splitlines() if not line.startswith("#")
    )
    assert float(lines["portal_escalation_sweep_last_run_timestamp_seconds"]) == pytest.approx(
        last_run.timestamp(), abs=1
    )
    assert lines["portal_escalation_sweep_stalled"] == "0.0"
    assert lines['portal_overdue_deadlines{kind="takedowns"}'] == "2.0"
    assert lines['portal_overdue_deadlines{kind="decisions"}'] == "0.0"
    assert lines["portal_notifications_waiting"] == "2.0"
    assert 600 <= float(lines["portal_notifications_oldest_waiting_seconds"]) < 660


def test_the_watched_sweep_is_the_takedown_escalation_task_beat_runs():
    """The status page watches the ladder by its task name (governance does not import incidents)."""
    assert SWEEP_TASK == escalate_takedowns.name
    assert SWEEP_TASK in current_app.tasks
    assert SWEEP_TASK in {entry["task"] for entry in CELERY_BEAT_SCHEDULE.values()}
