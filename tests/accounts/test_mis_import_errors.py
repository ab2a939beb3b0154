"""A file the csv module cannot read, or a fault while an import works, ends the run failed with a
message on its page; the stalled-run sweeper never starts a failed run again, and gives up on one
that keeps stalling."""

from __future__ import annotations

import csv
import io
import logging
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.mis_import import (
    MAX_RESTARTS,
    STALE_MINUTES,
    ImportFileError,
    import_run_apply,
    import_run_preview,
    import_upload,
    read_rows,
)
from accounts.mis_import import columns as mis_columns
from accounts.mis_import import runs as mis_runs
from accounts.models import ImportRun, Membership, ParentLink, Pupil, User
from accounts.roles import Role
from accounts.tasks import resume_stalled_imports
from tests.accounts.test_mis_import import GOOD_AND_BAD, HEADER, preview_then_apply, upload
from tests.celery_worker import wait_until
from tests.factories import make_personas

pytestmark = pytest.mark.django_db

LINE_BREAK = (
    "a line break inside a field that is not in quotes. "
    "Save the file from the MIS again as CSV, or put quotes round the field."
)


def pupil_row(n: int, *, first: str = "Ann", reg: str = "5P") -> str:
    return f"E{n:03},{first},Lee,14/03/2016,Year 5,{reg},Kim,Lee,kim{n}@home.example,Mother,Y,,,,,"


def export_with(bad_row: int, bad: str) -> str:
    """An export whose spreadsheet row ``bad_row`` is ``bad``. Row 5 holds a class in quotes with a
    line break, so from row 6 on the file's physical line is one more than the spreadsheet's row."""
    rows = [HEADER]
    for row in range(2, bad_row):
        rows.append(pupil_row(row, reg='"5P\nLee"') if row == 5 else pupil_row(row))
    rows.append(bad)
    rows.append(pupil_row(bad_row + 1))
    return "\n".join(rows) + "\n"


def counts() -> tuple[int, int, int, int]:
    return Pupil.objects.count(), User.objects.count(), ParentLink.objects.count(), Membership.objects.count()


@pytest.fixture
def admin_client(personas, client_for):
    return client_for(personas[Role.TRUST_ADMINISTRATOR])


@pytest.fixture
def move_time(monkeypatch):
    """Move the clock forward by some minutes (every later call of timezone.now sees it)."""
    real_now = timezone.now
    offset = timedelta()

    def forward(minutes: int) -> None:
        nonlocal offset
        offset += timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)

    return forward


def lose_every_task(monkeypatch) -> list[str]:
    """The queue takes tasks and no worker ever runs them (as if each worker died); returns what was
    sent."""
    sent: list[str] = []
    monkeypatch.setattr(mis_runs, "_enqueue", lambda task_name, run_id: sent.append(task_name))
    return sent


# --- a line break in a field not in quotes, through the real pages --------------------------------


def test_a_line_break_in_a_field_not_in_quotes_fails_the_run_with_its_row(
    personas, admin_client, django_capture_on_commit_callbacks, move_time
):
    text = export_with(12, pupil_row(12, first="Ann\rMarie"))
    # The csv module's line count is one more than the spreadsheet's row at the bad row.
    reader = csv.reader(io.StringIO(text))
    with pytest.raises(csv.Error):
        for _ in reader:
            pass
    assert reader.line_num == 13
    before = counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, personas, text)
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("accounts:import_run", args=[run.pk])

    assert run.status == ImportRun.Status.FAILED
    assert run.error == f"Row 12: {LINE_BREAK}"
    assert run.finished_at is not None and run.stage == ""
    assert counts() == before
    page = admin_client.get(response["Location"])
    assert page.status_code == 200 and "Refresh" not in page
    html = page.content.decode()
    assert "govuk-error-summary" in html and "The file could not be imported" in html
    assert "Row 12: a line break inside a field that is not in quotes." in html
    assert "Nothing was imported." in html
    assert f'href="{reverse("accounts:import_upload")}"' in html and "Upload a corrected file" in html

    # The sweeper, well past its staleness threshold, leaves a failed run alone.
    move_time(STALE_MINUTES + 1)
    assert resume_stalled_imports() == 0
    move_time(STALE_MINUTES * (MAX_RESTARTS + 1))
    assert resume_stalled_imports() == 0
    run.refresh_from_db()
    assert (run.status, run.error) == (ImportRun.Status.FAILED, f"Row 12: {LINE_BREAK}")
    assert counts() == before


def test_the_row_counts_blank_lines_and_line_breaks_in_quotes_as_a_spreadsheet_does():
    text = "\r\n".join(
        [HEADER, pupil_row(2, reg='"5P\r\nLee"'), "", pupil_row(4), pupil_row(5, first="Ann\rMarie")]
    )
    with pytest.raises(ImportFileError, match=r"^Row 5: a line break inside a field"):
        read_rows(text, today=timezone.localdate())


def test_rows_rejected_are_numbered_as_a_spreadsheet_shows_them():
    text = export_with(8, pupil_row(8, first="")) + pupil_row(10, first="")
    rejected = read_rows(text, today=timezone.localdate()).rejected
    assert [row["row"] for row in rejected] == [8, 10]


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery_worker
@pytest.mark.slow
def test_a_real_worker_fails_the_run_and_the_sweeper_leaves_it(celery_worker, move_time):
    personas = make_personas()
    text = export_with(12, pupil_row(12, first="Ann\rMarie"))
    with transaction.atomic():
        run = import_upload(
            by=personas[Role.TRUST_ADMINISTRATOR],
            school=personas.a.school,
            upload=SimpleUploadedFile("sims.csv", text.encode(), "text/csv"),
        )

    def status() -> str:
        return ImportRun.objects.values_list("status", flat=True).get(pk=run.pk)

    wait_until(
        lambda: status() != "previewing", timeout=30, what="the preview", details=celery_worker.log_tail
    )
    run.refresh_from_db()
    assert (run.status, run.error) == (ImportRun.Status.FAILED, f"Row 12: {LINE_BREAK}")
    assert not Pupil.objects.filter(mis_id__startswith="E").exists()
    move_time(STALE_MINUTES + 1)
    assert resume_stalled_imports() == 0
    assert status() == "failed"


# --- the other errors of the csv module -----------------------------------------------------------


def test_a_quote_never_closed_fails_with_the_row_it_opens_on(
    personas, admin_client, django_capture_on_commit_callbacks
):
    # The field runs on past the csv module's limit, the rows after it swallowed into it.
    text = export_with(7, pupil_row(7, first='"Ann')) + "\n".join(pupil_row(n) for n in range(9, 3000))
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, personas, text)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.error == (
        f"Row 7: a field is longer than {csv.field_size_limit():,} characters, usually because a quote "
        'mark (") opens a field and is never closed. Look for a stray quote mark on this row, or save '
        "the file from the MIS again as CSV."
    )
    assert counts() == before


def test_a_null_character_past_the_first_8_kb_fails_with_its_row(
    personas, admin_client, django_capture_on_commit_callbacks
):
    # The upload refuses a null character in the first 8 KB; one further on reaches the check.
    text = export_with(200, pupil_row(200, first="Ann\x00"))
    assert text.index("\x00") > 8192
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, personas, text)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.error.startswith("Row 200: the row holds a null character")
    assert counts() == before
    html = admin_client.get(reverse("accounts:import_run", args=[run.pk])).content.decode()
    assert "Row 200: the row holds a null character" in html


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("line contains NUL", "Row 3: the row holds a null character, which a CSV export never has"),
        ("unexpected end of data", "Row 3 could not be read as CSV. Save the file from the MIS again"),
        ("'\"' expected after ','", "Row 3 could not be read as CSV. Save the file from the MIS again"),
    ],
)
def test_other_csv_errors_name_the_row(error, message, monkeypatch):
    """Errors this Python does not raise for our dialect (older versions refuse NUL; strict dialects
    refuse more), from a reader that fails on the second row after the header."""

    real_reader = csv.reader

    def failing_reader(lines, dialect):
        yield next(real_reader(lines, dialect))
        yield ["A1", "Ann", "Lee", "14/03/2016", "5"]
        raise csv.Error(error)

    monkeypatch.setattr(mis_columns.csv, "reader", failing_reader)
    with pytest.raises(ImportFileError) as raised:
        read_rows(HEADER + "\nA1,Ann,Lee,14/03/2016,5\nA2\n", today=timezone.localdate())
    assert str(raised.value).startswith(message)


def test_a_file_in_neither_utf8_nor_windows_1252_is_still_read(
    personas, admin_client, django_capture_on_commit_callbacks
):
    # 0x81 is undefined in Windows-1252 as well: the file is read with a replacement character.
    text = (HEADER + "\n" + pupil_row(2)).encode() + b"\x81\n"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("accounts:import_upload"),
            {"school": personas.a.school.pk, "file": SimpleUploadedFile("export.csv", text, "text/csv")},
        )
    assert ImportRun.objects.get().status == ImportRun.Status.PREVIEWED


# --- faults of the portal and of the database -----------------------------------------------------


def test_an_unexpected_fault_in_the_preview_fails_the_run_and_logs_it(
    personas, admin_client, monkeypatch, caplog, move_time
):
    upload(admin_client, personas, export_with(3, pupil_row(3)))  # queued after a commit that never comes
    run = ImportRun.objects.get()

    def broken(**kwargs):
        raise KeyError("a fault of the portal's")

    monkeypatch.setattr(mis_runs, "make_plan", broken)
    with caplog.at_level(logging.ERROR, logger="accounts.mis_import.runs"):
        import_run_preview(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.finished_at is not None
    assert run.error == mis_runs.PREVIEW_FAILED
    assert any(
        record.exc_info and "a fault of the portal" in str(record.exc_info[1]) for record in caplog.records
    )
    move_time(STALE_MINUTES + 1)
    assert resume_stalled_imports() == 0
    html = admin_client.get(reverse("accounts:import_run", args=[run.pk])).content.decode()
    assert "could not be checked because of a problem in the portal" in html


def test_an_unexpected_fault_while_applying_fails_the_run(
    personas, admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    run = preview_then_apply(admin_client, personas, GOOD_AND_BAD, django_capture_on_commit_callbacks)
    second = ImportRun.objects.create(
        school=run.school,
        uploaded_by=run.uploaded_by,
        applied_by=run.uploaded_by,
        file=run.file.name,
        original_name="again.csv",
        status=ImportRun.Status.APPLYING,
    )

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(mis_runs, "apply_plan", broken)
    import_run_apply(run_id=second.pk)
    second.refresh_from_db()
    assert (second.status, second.error) == (ImportRun.Status.FAILED, mis_runs.APPLY_FAILED)
    html = admin_client.get(reverse("accounts:import_run", args=[second.pk])).content.decode()
    assert "The import did not finish" in html and "What was imported is kept" in html
    assert "Nothing was imported" not in html


def test_a_database_outage_leaves_the_run_for_the_sweeper(personas, admin_client, monkeypatch, move_time):
    upload(admin_client, personas, export_with(3, pupil_row(3)))
    run = ImportRun.objects.get()

    def database_down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(mis_runs, "make_plan", database_down)
        # The task fails (Celery logs it) and the run is not marked failed: its file is not at fault.
        with pytest.raises(OperationalError):
            import_run_preview(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWING and not run.error

    # The database is back: the sweeper starts the run again and it finishes.
    move_time(STALE_MINUTES + 1)
    assert resume_stalled_imports() == 1
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED, run.error
    assert run.result == {}


# --- the sweeper's limit --------------------------------------------------------------------------


def test_a_run_that_keeps_stalling_is_failed_after_its_restarts(
    personas, admin_client, client_for, monkeypatch, move_time
):
    sent = lose_every_task(monkeypatch)
    upload(admin_client, personas, export_with(3, pupil_row(3)))  # queued after a commit that never comes
    run = ImportRun.objects.get()

    for attempt in range(1, MAX_RESTARTS + 1):
        move_time(STALE_MINUTES - 1)
        assert resume_stalled_imports() == 0, "not stalled yet"
        move_time(2)
        assert resume_stalled_imports() == 1
        run.refresh_from_db()
        assert run.status == ImportRun.Status.PREVIEWING and run.stage == "Waiting to start again"
        assert run.result == {"restarts": {"status": "previewing", "count": attempt}}
    move_time(STALE_MINUTES + 1)
    assert resume_stalled_imports() == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.finished_at is not None
    assert run.error == mis_runs.RESTARTS_FAILED[ImportRun.Status.PREVIEWING]
    assert f"started again {MAX_RESTARTS} times without finishing" in run.error
    assert sent == ["preview_import"] * MAX_RESTARTS

    move_time(STALE_MINUTES * 10)
    assert resume_stalled_imports() == 0 and len(sent) == MAX_RESTARTS
    # Signed in afresh: the clock has moved past the session's idle limit.
    page = client_for(personas[Role.TRUST_ADMINISTRATOR]).get(reverse("accounts:import_run", args=[run.pk]))
    assert "Refresh" not in page
    assert f"Checking the file was started again {MAX_RESTARTS} times" in page.content.decode()


def test_an_import_that_makes_progress_between_restarts_is_not_failed(
    personas, admin_client, monkeypatch, move_time
):
    sent = lose_every_task(monkeypatch)
    upload(admin_client, personas, export_with(3, pupil_row(3)))
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.APPLYING, applied_by=run.uploaded_by, heartbeat_at=timezone.now(), done=400
    )

    def stall_and_sweep() -> int:
        move_time(STALE_MINUTES + 1)
        return resume_stalled_imports()

    for _ in range(MAX_RESTARTS):
        assert stall_and_sweep() == 1
    # The last attempt wrote a batch before its worker was lost: the count starts again.
    ImportRun.objects.filter(pk=run.pk).update(done=2000)
    for _ in range(MAX_RESTARTS):
        assert stall_and_sweep() == 1
    run.refresh_from_db()
    assert run.result == {"restarts": {"status": "applying", "count": MAX_RESTARTS}}
    assert stall_and_sweep() == 0
    run.refresh_from_db()
    assert (run.status, run.error) == (
        ImportRun.Status.FAILED,
        mis_runs.RESTARTS_FAILED[ImportRun.Status.APPLYING],
    )
    assert sent == ["apply_import"] * (2 * MAX_RESTARTS)


def test_a_run_a_worker_still_holds_is_neither_started_again_nor_counted(
    personas, admin_client, monkeypatch, move_time
):
    sent = lose_every_task(monkeypatch)
    upload(admin_client, personas, export_with(3, pupil_row(3)))
    run = ImportRun.objects.get()
    # A slow worker on another connection holds the run's advisory lock (see runs._exclusive).
    worker = connections.create_connection("default")
    key = uuid.UUID(str(run.pk)).int & 0x7FFF_FFFF_FFFF_FFFF
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        for _ in range(MAX_RESTARTS + 2):
            move_time(STALE_MINUTES + 1)
            assert resume_stalled_imports() == 0
    finally:
        worker.close()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWING and run.result == {} and sent == []
    # Its worker gone, the run is started again.
    assert resume_stalled_imports() == 1 and sent == ["preview_import"]
