"""The Celery application: reminders, escalations and notification delivery, and the heartbeats that
show they are running (core.heartbeat, docs/operations.md).

Beat leaves a heartbeat when it starts and each time it sends a job; each periodic job when it
finishes; each worker every PORTAL_OPERATIONS_CHECK_SECONDS, from a thread of its own that also
runs the stall check, so a stopped beat is noticed without beat."""

import logging
import os
import socket
import threading

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)

# Set in the beat process only: every process publishes tasks, but only beat's sends are its pulse.
_in_beat = threading.Event()
_worker_stopping = threading.Event()


def _scheduled_task_names() -> set[str]:
    return {entry["task"] for entry in app.conf.beat_schedule.values()}


def _record(key: str, detail: str = "") -> None:
    """Record a heartbeat; a database that is down must not stop beat or a worker."""
    # Django's models cannot be imported while Celery loads this module (the apps are not ready).
    from core.heartbeat import heartbeat_record

    try:
        heartbeat_record(key=key, detail=detail)
    except Exception as exc:  # noqa: BLE001 - any database failure: the next heartbeat tries again
        log.warning("Could not record the %s heartbeat: %s", key, exc)


@signals.beat_init.connect
@signals.beat_embedded_init.connect  # `celery worker -B` (make run) runs beat in a child process
def _beat_started(sender=None, **kwargs) -> None:
    _in_beat.set()
    _record("beat", f"started on {socket.gethostname()}")


@signals.before_task_publish.connect
def _beat_sent_a_job(sender=None, **kwargs) -> None:
    if _in_beat.is_set():
        _record("beat", f"sent {sender}")


@signals.task_success.connect
def _job_finished(sender=None, **kwargs) -> None:
    name = getattr(sender, "name", "")
    if name in _scheduled_task_names():
        from core.heartbeat import task_key  # see _record

        _record(task_key(name), socket.gethostname())


def _worker_watch(key: str, interval: float) -> None:
    """A worker's own pulse and stall check, independent of beat."""
    from django.db import connection

    from governance.operations import operations_check  # see _record

    while not _worker_stopping.is_set():
        _record(key)
        try:
            operations_check()
        except Exception as exc:  # noqa: BLE001 - the check is retried at the next interval
            log.warning("The operations check failed: %s", exc)
        finally:
            # The thread's own connection: never left open between checks.
            connection.close()
        _worker_stopping.wait(interval)


@signals.worker_ready.connect
def _worker_started(sender=None, **kwargs) -> None:
    from django.conf import settings

    key = f"worker:{getattr(sender, 'hostname', None) or socket.gethostname()}"
    interval = max(1, settings.PORTAL_OPERATIONS_CHECK_SECONDS)
    _worker_stopping.clear()
    threading.Thread(target=_worker_watch, args=(key, interval), name="operations-watch", daemon=True).start()


@signals.worker_shutdown.connect
def _worker_stopped(sender=None, **kwargs) -> None:
    _worker_stopping.set()
