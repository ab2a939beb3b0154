"""Beat is stopped: a real Celery beat and worker through Redis leave their heartbeats, then beat is
stopped and the sweep's last run is moved back past the stall limit (rather than waiting 15
minutes). The worker's own check notices without beat: the trust administrator is emailed once,
and the status page says so in red."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.heartbeat import BEAT, task_key
from core.models import Heartbeat, Notification, StallAlert
from governance.operations import SWEEP_TASK
from incidents.tasks import escalate_takedowns
from tests.celery_worker import database_url, file_tail, stop_process_group, wait_until
from tests.faults.helpers import sent_emails

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]

TIMEOUT = 60


def start_beat(tmp_path: Path, broker_url: str) -> subprocess.Popen:
    """``celery beat`` against the test database, its schedule file in the test's folder."""
    celery = Path(sys.executable).with_name("celery")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    with (tmp_path / "beat.log").open("ab") as log:
        return subprocess.Popen(
            [str(celery), "-A", "portal", "beat", "-s", str(tmp_path / "beat-schedule"), "-l", "warning"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_beat_stopped_turns_the_page_red_and_emails_the_trust_administrator(
    personas, celery_broker_url, celery_workers, client_for, tmp_path, monkeypatch
):
    admin = personas[Role.TRUST_ADMINISTRATOR]
    # The worker checks every second here (every minute by default).
    monkeypatch.setenv("PORTAL_OPERATIONS_CHECK_SECONDS", "1")
    worker = celery_workers(broker_url=celery_broker_url)
    beat = start_beat(tmp_path, celery_broker_url)
    try:
        wait_until(
            lambda: Heartbeat.objects.filter(key=BEAT).exists(),
            timeout=TIMEOUT,
            what="beat's heartbeat",
            details=lambda: file_tail(tmp_path / "beat.log", 40),
        )
    finally:
        stop_process_group(beat, 15)
    wait_until(
        lambda: Heartbeat.objects.filter(key__startswith="worker:").exists(),
        timeout=TIMEOUT,
        what="the worker's heartbeat",
        details=worker.log_tail,
    )
    # The sweep runs once, on the worker, as beat would have sent it.
    escalate_takedowns.apply_async()
    wait_until(
        lambda: Heartbeat.objects.filter(key=task_key(SWEEP_TASK)).exists(),
        timeout=TIMEOUT,
        what="the sweep's heartbeat",
        details=worker.log_tail,
    )
    page = client_for(admin).get(reverse("operations")).content.decode()
    assert "Running" in page and "govuk-tag--red" not in page

    # Beat stays stopped; 16 minutes pass for the sweep's last run.
    last_run = timezone.now() - timedelta(minutes=16)
    Heartbeat.objects.filter(key__in=[task_key(SWEEP_TASK), BEAT]).update(at=last_run)

    wait_until(
        StallAlert.objects.exists, timeout=TIMEOUT, what="the worker to notice", details=worker.log_tail
    )
    subject = "The deadline escalation sweep has not run for 16 minutes"
    wait_until(
        lambda: sent_emails([worker]).get((admin.email, subject)),
        timeout=TIMEOUT,
        what="the email to the trust administrator",
        details=worker.log_tail,
    )
    page = client_for(admin).get(reverse("operations")).content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">Stalled</strong>' in page
    assert "The escalation sweep has not run for 16\xa0minutes" in page

    # Once per stall: the worker has checked again since (and the page looked twice); one email.
    def worker_seen():
        return Heartbeat.objects.get(key__startswith="worker:").at

    noticed = worker_seen()
    wait_until(
        lambda: worker_seen() > noticed + timedelta(seconds=2),
        timeout=TIMEOUT,
        what="the worker's next checks",
        details=worker.log_tail,
    )
    assert StallAlert.objects.count() == 1
    assert Notification.objects.filter(subject=subject).count() == 1
    assert sent_emails([worker])[(admin.email, subject)] == 1
