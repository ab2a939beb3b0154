"""Whether the portal's deadlines are being chased: the heartbeats Celery beat, the workers and each
periodic job leave, and the figures read from them and from the records (when a job last ran, how
many deadlines are overdue, how many emails wait in the outbox and for how long).

A stalled job is told to the people the caller names, once per stall (core.once), by whichever
process notices first: the status page, /healthz/deadlines or a worker's own check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from core import registries
from core.models import Heartbeat, Notification, StallAlert
from core.notifications import notify
from core.once import claim

log = logging.getLogger(__name__)

BEAT = "beat"
WORKER_PREFIX = "worker:"
TASK_PREFIX = "task:"


def task_key(name: str) -> str:
    """The heartbeat key of a periodic job (its Celery task name)."""
    return f"{TASK_PREFIX}{name}"


def heartbeat_record(*, key: str, detail: str = "", at: datetime | None = None) -> None:
    """Record that ``key`` (beat, a worker, a job) reported in now (or ``at``)."""
    Heartbeat.objects.update_or_create(key=key, defaults={"at": at or timezone.now(), "detail": detail[:200]})


@dataclass(frozen=True)
class Overdue:
    """How many deadlines of one kind have passed unmet."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class OperationsStatus:
    """The figures of the status page, /healthz/deadlines and the metrics, as at ``now``."""

    now: datetime
    job: str
    stall_after: timedelta
    job_last_run: datetime | None
    beat_last_seen: datetime | None
    worker_last_seen: datetime | None
    first_heartbeat: datetime | None
    overdue: tuple[Overdue, ...]
    pending_notifications: int
    oldest_pending_at: datetime | None

    @property
    def stalled(self) -> bool:
        """Has the job gone ``stall_after`` without running, while the background processes have
        been up at least that long? (A job that has never run on a portal whose processes started
        minutes ago is not stalled: its first run is not due yet.)"""
        if self.job_last_run is not None:
            return self.now - self.job_last_run > self.stall_after
        return self.first_heartbeat is not None and self.now - self.first_heartbeat > self.stall_after

    @property
    def never_started(self) -> bool:
        """No background process has ever reported in: nothing chases the deadlines."""
        return self.first_heartbeat is None

    @property
    def healthy(self) -> bool:
        """The job runs on time (the page's green; red otherwise)."""
        return not self.stalled and not self.never_started

    @property
    def stall_after_minutes(self) -> int:
        return int(self.stall_after.total_seconds() // 60)

    @property
    def overdue_total(self) -> int:
        return sum(item.count for item in self.overdue)

    @property
    def oldest_pending_age(self) -> timedelta | None:
        return self.now - self.oldest_pending_at if self.oldest_pending_at else None

    @property
    def stall_name(self) -> str:
        """What names this stall for the once-only alert: the job's last run, or "never"."""
        return self.job_last_run.isoformat(timespec="seconds") if self.job_last_run else "never"

    def as_json(self) -> dict:
        """The figures as JSON-ready data (ISO 8601 times, ages in seconds)."""

        def iso(value):
            return value.isoformat(timespec="seconds") if value else None

        age = self.oldest_pending_age
        return {
            "status": "ok" if self.healthy else ("not_started" if self.never_started else "stalled"),
            "escalation_sweep": {
                "task": self.job,
                "last_run": iso(self.job_last_run),
                "stalled": self.stalled,
                "stall_after_seconds": int(self.stall_after.total_seconds()),
            },
            "beat_last_seen": iso(self.beat_last_seen),
            "worker_last_seen": iso(self.worker_last_seen),
            "overdue_deadlines": {
                "total": self.overdue_total,
                **{item.key: item.count for item in self.overdue},
            },
            "notifications_waiting": {
                "count": self.pending_notifications,
                "oldest_age_seconds": int(age.total_seconds()) if age is not None else None,
            },
        }


def operations_status(
    *, job: str, stall_after: timedelta, school_ids: Iterable | None = None, now: datetime | None = None
) -> OperationsStatus:
    """The figures as at ``now``: the job's last run, beat's and the workers' last heartbeats, the
    overdue deadlines in ``school_ids`` (every school when None) and the email outbox."""
    now = now or timezone.now()
    beats = list(Heartbeat.objects.values_list("key", "at"))
    workers = [at for key, at in beats if key.startswith(WORKER_PREFIX)]
    by_key = dict(beats)
    scope = None if school_ids is None else list(school_ids)
    overdue = tuple(
        Overdue(key=entry.key, label=entry.label, count=int(entry.overdue(now, scope)))
        for entry in registries.deadline_counts
    )
    outbox = Notification.objects.filter(email_status=Notification.EmailStatus.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    return OperationsStatus(
        now=now,
        job=job,
        stall_after=stall_after,
        job_last_run=by_key.get(task_key(job)),
        beat_last_seen=by_key.get(BEAT),
        worker_last_seen=max(workers, default=None),
        first_heartbeat=min((at for _, at in beats), default=None),
        overdue=overdue,
        pending_notifications=outbox["count"],
        oldest_pending_at=outbox["oldest"],
    )


def stall_alert_send(*, status: OperationsStatus, recipients: Iterable, link: str = "") -> bool:
    """Tell ``recipients`` that the job has stalled, once per stall; True if this call told them."""
    if not status.stalled:
        return False
    if status.job_last_run is None:
        subject = "The deadline escalation sweep has not run since the portal's background jobs started"
    else:
        minutes = int((status.now - status.job_last_run).total_seconds() // 60)
        subject = f"The deadline escalation sweep has not run for {minutes} minutes"
    with transaction.atomic():
        if not claim(StallAlert, job=status.job, since=status.stall_name):
            return False
        people = list(recipients)
        for person in people:
            notify(
                user=person,
                subject=subject,
                body="Takedown deadlines and other reminders are not being chased while it is stopped. "
                "Check that Celery beat and the workers are running (docs/operations.md).",
                link=link,
            )
    log.error("%s (recipients told: %d)", subject, len(people))
    return True
