"""The services behind the import pages and tasks: upload, preview, apply, and restarting lost runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.models import School, User
from accounts.roles import Action
from consent.mis_import.columns import ImportFileError, decode
from consent.mis_import.plan import apply_plan, make_plan
from consent.models import ImportRun
from governance.audit import audit_record
from governance.models import AuditEntry

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024

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
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "The file must be smaller than 50 MB."})
    if not upload.name.lower().endswith((".csv", ".txt")):
        raise ValidationError(
            {"file": "The file must be a CSV file (saved as .csv from the MIS or a spreadsheet)."}
        )
    head = upload.read(8192)
    upload.seek(0)
    if b"\x00" in head:
        raise ValidationError({"file": "The file must be a CSV file, not a spreadsheet or other document."})
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
    """Queue a task for a run; if the queue is down the sweeper starts it later."""
    from consent import tasks

    try:
        getattr(tasks, task_name).apply_async(args=[str(run_id)], retry=False)
    except Exception as exc:  # noqa: BLE001 - the run stays in its state; the sweeper restarts it
        log.warning("Queue unavailable; import %s waits for the sweeper: %s", run_id, exc)


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
    ImportRun.objects.filter(pk=run.pk).update(
        stage="Checking every row", started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    try:
        plan = make_plan(school=run.school, text=_read_text(run), today=timezone.localdate())
    except ImportFileError as exc:
        return _fail(run, str(exc))
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.PREVIEWED, preview=plan.report(), stage="", finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def import_run_apply(*, run_id) -> ImportRun | None:
    """Import a previewed file for real, in batches, with progress (the apply task's work)."""
    with _exclusive(run_id) as held:
        if not held:
            return None
        return _apply(run_id)


def stalled_import_ids(*, older_than_minutes: int = 10) -> list[tuple[str, str]]:
    """Working runs whose worker was lost (no progress for a while): (run id, task to restart)."""
    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    runs = ImportRun.objects.filter(
        status__in=[ImportRun.Status.PREVIEWING, ImportRun.Status.APPLYING]
    ).filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, uploaded_at__lt=cutoff))
    task = {ImportRun.Status.PREVIEWING: "preview_import", ImportRun.Status.APPLYING: "apply_import"}
    return [(str(pk), task[status]) for pk, status in runs.values_list("pk", "status")]


def _apply(run_id) -> ImportRun | None:
    """Apply a run that is waiting for it."""
    run = ImportRun.objects.select_related("school", "applied_by").filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.APPLYING:
        return run
    if run.applied_by is None or not access.can(run.applied_by, Action.ADMINISTER_SCHOOL, run.school):
        return _fail(run, "The person who started this import may no longer import into this school.")
    ImportRun.objects.filter(pk=run.pk).update(
        stage="Checking every row", started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    try:
        plan = make_plan(school=run.school, text=_read_text(run), today=timezone.localdate())
        counts = apply_plan(plan=plan, run=run, actor=run.applied_by)
    except ImportFileError as exc:
        return _fail(run, str(exc))
    except Exception as exc:
        log.exception("Import %s failed", run.pk)
        _fail(run, "The import stopped part way. What was imported is kept: upload the file again to finish.")
        raise exc
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.APPLIED, result=plan.report(), stage="", finished_at=timezone.now()
    )
    audit_record(
        verb=AuditEntry.Verb.UPDATE,
        obj=run,
        actor=run.applied_by,
        changes={"status": ["applying", "applied"], **{k: [None, v] for k, v in counts.items()}},
    )
    run.refresh_from_db()
    return run


def _fail(run: ImportRun, message: str) -> ImportRun:
    """Mark a run failed with a message for the page."""
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, error=message, stage="", finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run
