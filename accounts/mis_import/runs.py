"""The services behind the import pages and tasks: upload, preview, apply, and restarting lost runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.mis_import.columns import ImportFileError, decode
from accounts.mis_import.plan import apply_plan, make_plan
from accounts.models import ImportRun, School, User
from accounts.roles import Action
from core.audit import audit_record
from core.models import AuditEntry
from core.tasks import enqueue
from core.uploads import check_text_upload

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# A working run whose heartbeat is older than this was lost by its worker and is started again...
STALE_MINUTES = 10
# ...at most this many times in a row without progress; then it is failed, so a file or a fault
# that stops every attempt is not retried for ever.
MAX_RESTARTS = 3
WORKING = (ImportRun.Status.PREVIEWING, ImportRun.Status.APPLYING)

# The database is away, the connection was lost, or it reports a passing fault (a deadlock, a
# timeout): the run cannot be marked failed reliably, and is not the file's fault, so it is left
# working for the sweeper to start again once the database answers (MAX_RESTARTS bounds a fault
# that comes back every time).
DATABASE_DOWN = (OperationalError, InterfaceError)

PREVIEW_FAILED = (
    "The file could not be checked because of a problem in the portal. Upload the file again; if the "
    "same happens, tell whoever looks after the portal."
)
APPLY_FAILED = "The import stopped part way. What was imported is kept: upload the file again to finish."
RESTARTS_FAILED = {
    ImportRun.Status.PREVIEWING: (
        f"Checking the file was started again {MAX_RESTARTS} times without finishing, so it was stopped. "
        "Upload the file again; if the same happens, tell whoever looks after the portal."
    ),
    ImportRun.Status.APPLYING: (
        f"The import was started again {MAX_RESTARTS} times without making progress, so it was stopped. "
        "What was imported is kept: upload the file again to finish."
    ),
}

# --- the services the views and tasks call -------------------------------------------------------


def _read_text(run: ImportRun) -> str:
    """The uploaded file's text."""
    with run.file.open("rb") as handle:
        return decode(handle.read())


@transaction.atomic
def import_upload(*, by: User, school: School, upload) -> ImportRun:
    """Keep an uploaded MIS export for a school and start its preview (a dry run) in the background."""
    if not access.can(by, Action.ADMINISTER_SCHOOL, school):
        raise PermissionDenied
    try:
        check_text_upload(
            upload,
            extensions=(".csv", ".txt"),
            max_bytes=MAX_UPLOAD_BYTES,
            too_large="The file must be smaller than 50 MB.",
            bad_name="The file must be a CSV file (saved as .csv from the MIS or a spreadsheet).",
            binary="The file must be a CSV file, not a spreadsheet or other document.",
        )
    except ValidationError as error:
        raise ValidationError({"file": error}) from None
    run = ImportRun(school=school, uploaded_by=by, original_name=upload.name[:200])
    run.file.save(f"{run.pk}.csv", ContentFile(upload.read()), save=False)
    run.save()
    audit_record(verb=AuditEntry.Verb.CREATE, obj=run, actor=by, changes={"file": [None, run.original_name]})
    transaction.on_commit(lambda: _enqueue("preview_import", run.pk))
    return run


@transaction.atomic
def import_apply(*, by: User, run: ImportRun) -> ImportRun:
    """Start applying a previewed import in the background."""
    if not access.can(by, Action.ADMINISTER_SCHOOL, run):
        raise PermissionDenied
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportRun.Status.PREVIEWED:
        raise ValidationError("Only a checked file can be imported (and only once).")
    run.status = ImportRun.Status.APPLYING
    run.applied_by = by
    run.stage = "Waiting to start"
    run.done = 0
    run.save(update_fields=["status", "applied_by", "stage", "done"])
    audit_record(
        verb=AuditEntry.Verb.UPDATE, obj=run, actor=by, changes={"status": ["previewed", "applying"]}
    )
    transaction.on_commit(lambda: _enqueue("apply_import", run.pk))
    return run


def _enqueue(task_name: str, run_id) -> None:
    """Queue a task for a run; if the queue is down the run stays in its state and the sweeper
    starts it later."""
    # Here, not at the top: accounts.tasks imports these services to run them in a worker.
    from accounts import tasks

    enqueue(getattr(tasks, task_name), str(run_id))


@contextmanager
def _exclusive(run_id) -> Iterator[bool]:
    """Whether this worker holds the run: a run restarted by the sweeper while its first worker is
    still busy is left to that worker (a PostgreSQL advisory lock, held for the connection)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = uuid.UUID(str(run_id)).int & 0x7FFF_FFFF_FFFF_FFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def import_run_preview(*, run_id) -> ImportRun | None:
    """Make the dry-run report of an uploaded file (the preview task's work)."""
    with _exclusive(run_id) as held:
        if not held:
            return None
        return _preview(run_id)


def _preview(run_id) -> ImportRun | None:
    """Preview a run that is waiting for it."""
    run = ImportRun.objects.select_related("school", "uploaded_by").filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.PREVIEWING:
        return run
    if not access.can(run.uploaded_by, Action.ADMINISTER_SCHOOL, run.school):
        return _fail(run, "The person who uploaded this file may no longer import into this school.")

    def work() -> None:
        _started(run)
        plan = make_plan(school=run.school, text=_read_text(run), today=timezone.localdate())
        # The sweeper's restart count goes with the preview it was counting (see _restart_or_fail).
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWING).update(
            status=ImportRun.Status.PREVIEWED,
            preview=plan.report(),
            result={},
            stage="",
            finished_at=timezone.now(),
        )

    return _finish_or_fail(run, work, unexpected=PREVIEW_FAILED)


def _started(run: ImportRun) -> None:
    """Mark an attempt at a run begun: the page's progress starts again from nothing."""
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        stage="Checking every row", started_at=now, heartbeat_at=now, done=0, total=0
    )


def _finish_or_fail(run: ImportRun, work: Callable[[], None], *, unexpected: str) -> ImportRun:
    """Do a run's work; whatever goes wrong ends the run failed with a message, except the database
    going away, which leaves it working for the sweeper (the task fails and its traceback is logged)."""
    try:
        work()
    except ImportFileError as exc:
        _fail(run, str(exc))
    except DATABASE_DOWN:
        log.warning("Import %s stopped: the database is unavailable; the sweeper starts it again", run.pk)
        raise
    except Exception:
        # A fault of the portal's, not of the file: kept in the log for whoever looks after it. (A
        # worker stopped mid-run raises no Exception: its task is delivered again.)
        log.exception("Import %s failed", run.pk)
        _fail(run, unexpected)
    run.refresh_from_db()
    return run


def import_run_apply(*, run_id) -> ImportRun | None:
    """Import a previewed file for real, in batches, with progress (the apply task's work)."""
    with _exclusive(run_id) as held:
        if not held:
            return None
        return _apply(run_id)


def _apply(run_id) -> ImportRun | None:
    """Apply a run that is waiting for it."""
    run = ImportRun.objects.select_related("school", "applied_by").filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.APPLYING:
        return run
    if run.applied_by is None or not access.can(run.applied_by, Action.ADMINISTER_SCHOOL, run.school):
        return _fail(run, "The person who started this import may no longer import into this school.")

    def work() -> None:
        _started(run)
        plan = make_plan(school=run.school, text=_read_text(run), today=timezone.localdate())
        counts = apply_plan(plan=plan, run=run, actor=run.applied_by)
        finished = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.APPLYING).update(
            status=ImportRun.Status.APPLIED, result=plan.report(), stage="", finished_at=timezone.now()
        )
        if finished:
            audit_record(
                verb=AuditEntry.Verb.UPDATE,
                obj=run,
                actor=run.applied_by,
                changes={"status": ["applying", "applied"], **{k: [None, v] for k, v in counts.items()}},
            )

    return _finish_or_fail(run, work, unexpected=APPLY_FAILED)


def _fail(run: ImportRun, message: str) -> ImportRun:
    """Mark a working run failed with a message for the page (a finished run stays finished)."""
    ImportRun.objects.filter(pk=run.pk, status__in=WORKING).update(
        status=ImportRun.Status.FAILED, error=message, stage="", finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


# --- restarting runs whose worker was lost --------------------------------------------------------


def stalled_import_ids(*, older_than_minutes: int = STALE_MINUTES) -> list[tuple[str, str]]:
    """Working runs whose worker was lost (no progress for a while): (run id, task to restart)."""
    runs = _stalled(ImportRun.objects.all(), older_than_minutes)
    task = {ImportRun.Status.PREVIEWING: "preview_import", ImportRun.Status.APPLYING: "apply_import"}
    return [(str(pk), task[status]) for pk, status in runs.values_list("pk", "status")]


def _stalled(runs, older_than_minutes: int):
    """The working runs among ``runs`` whose heartbeat (or upload, if none) is older than the cutoff."""
    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    return runs.filter(status__in=WORKING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, uploaded_at__lt=cutoff)
    )


def overdue_imports(now, school_ids) -> int:
    """MIS imports that have made no progress for longer than the resume sweep allows."""
    cutoff = now - timedelta(minutes=STALE_MINUTES)
    runs = ImportRun.objects.filter(status__in=WORKING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, uploaded_at__lt=cutoff)
    )
    return (runs if school_ids is None else runs.filter(school_id__in=school_ids)).count()


def import_runs_resume_stalled(*, older_than_minutes: int = STALE_MINUTES) -> list[tuple[str, str]]:
    """Start again each run whose worker was lost, failing those already started again MAX_RESTARTS
    times without progress; returns the (run id, task) started again."""
    restarted = []
    for run_id, task_name in stalled_import_ids(older_than_minutes=older_than_minutes):
        if _restart_or_fail(run_id, older_than_minutes):
            # After the row's transaction, so the task finds the restart recorded.
            _enqueue(task_name, run_id)
            restarted.append((run_id, task_name))
    return restarted


@transaction.atomic
def _restart_or_fail(run_id, older_than_minutes: int) -> bool:
    """Record a restart of a stalled run, or fail it past MAX_RESTARTS; whether to start it again.

    While a run works its ``result`` is empty (it becomes the import's report when the run
    finishes), so the count is kept there rather than in a column of its own:
    {"restarts": {"status": "applying", "count": 2}}. Progress since the last restart is a batch
    written: each restart and each attempt sets ``done`` back to 0, and only a batch committed moves
    it on (a preview has no batches: it makes progress only by finishing).
    """
    run = _stalled(ImportRun.objects.select_for_update(), older_than_minutes).filter(pk=run_id).first()
    if run is None:  # finished, or its worker moved it on, since the sweep looked
        return False
    with _exclusive(run.pk) as free:
        if not free:
            # A worker still holds the run (its connection is alive): slow, not lost. Starting it
            # again would do nothing, so it is not counted against the run either.
            return False
    record = run.result.get("restarts") if isinstance(run.result, dict) else None
    if record and record.get("status") == run.status and run.done == 0:
        count = int(record.get("count", 0))
    else:
        count = 0
    if count >= MAX_RESTARTS:
        log.warning("Import %s was started again %s times without progress; it is failed", run.pk, count)
        _fail(run, RESTARTS_FAILED[run.status])
        return False
    log.warning("Import %s had stalled; starting it again (%s of %s)", run.pk, count + 1, MAX_RESTARTS)
    ImportRun.objects.filter(pk=run.pk).update(
        result={"restarts": {"status": run.status, "count": count + 1}},
        # The attempt gets the whole staleness period again, however long the queue takes to start it.
        heartbeat_at=timezone.now(),
        stage="Waiting to start again",
        done=0,
        total=0,
    )
    return True
