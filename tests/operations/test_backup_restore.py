"""Backups that restore: a backup taken while reports (with screenshots) are being filed is
restored into an empty database and folder, and every record and every file comes back; a restore
into a database or folder that is not empty is refused."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from psycopg2 import sql

from accounts.roles import Role
from incidents.models import Evidence, Incident
from tests.celery_worker import database_url, wait_until
from tests.incidents.helpers import PNG_BYTES, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "portal_backup.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300, check=False
    )


def file_report(personas, n: int) -> Incident:
    """School A's member of staff reports, with a screenshot of their own (its bytes unique)."""
    screenshot = SimpleUploadedFile(
        f"shot-{n}.png", PNG_BYTES + f"report {n}".encode(), content_type="image/png"
    )
    return report(personas.a[Role.STAFF], personas.a.school, evidence_files=[screenshot])


def other_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    parts = urlsplit(url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')
    admin.close()


def rows(url: str, query, params: tuple = ()) -> list[tuple]:
    db = psycopg2.connect(url)
    try:
        with db.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()
    finally:
        db.close()


@pytest.fixture
def private_files(settings, tmp_path) -> Path:
    folder = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


@pytest.fixture
def restore_url():
    url = other_database(
        database_url(connection.settings_dict), f"{connection.settings_dict['NAME']}_restore"
    )
    drop_database(url)
    yield url
    drop_database(url)


def test_a_backup_taken_while_reports_are_filed_restores_every_record_and_file(
    personas, private_files, restore_url, tmp_path
):
    source_url = database_url(connection.settings_dict)
    for n in range(3):
        file_report(personas, n)
    before = Incident.objects.count()

    stop = threading.Event()

    def keep_filing():
        n = 100
        try:
            while not stop.is_set():
                file_report(personas, n)
                n += 1
        finally:
            connections.close_all()

    filing = threading.Thread(target=keep_filing)
    filing.start()
    try:
        wait_until(lambda: Incident.objects.count() >= before + 2, timeout=60, what="reports to be filing")
        made = run(
            "backup",
            "--database-url",
            source_url,
            "--files",
            str(private_files),
            "--to",
            str(tmp_path / "backups"),
        )
        wait_until(lambda: Incident.objects.count() >= before + 8, timeout=60, what="filing after the backup")
    finally:
        stop.set()
        filing.join()
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    in_backup = manifest["database"]["tables"]["public.incidents_incident"]
    assert before + 2 <= in_backup < Incident.objects.count(), "the backup was taken while reports were filed"

    restored_files = tmp_path / "restored"
    back = run(
        "restore", "--from", str(backup), "--database-url", restore_url, "--files", str(restored_files)
    )
    assert back.returncode == 0, back.stderr

    # Every table has the rows of the backup's snapshot: the restore checks the counts against the
    # manifest, and here they are counted again, independently, for every table.
    tables = rows(
        restore_url,
        "SELECT schemaname || '.' || tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    assert {name for (name,) in tables} == set(manifest["database"]["tables"])
    for (name,) in tables:
        schema, table = name.split(".")
        (count,) = rows(
            restore_url,
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)),
        )[0]
        assert count == manifest["database"]["tables"][name], name
    # The records are the ones filed: every restored incident, audit entry and evidence row is the
    # source's, field for field.
    for query in (
        "SELECT id, reference, description, respond_by FROM incidents_incident ORDER BY id",
        "SELECT id, file, sha256, size FROM incidents_evidence ORDER BY id",
        "SELECT id, verb, object_type, object_id FROM governance_auditentry ORDER BY id",
    ):
        restored = rows(restore_url, query)
        assert restored and set(restored) <= set(rows(source_url, query)), query
    assert len(rows(restore_url, "SELECT id FROM incidents_incident")) == in_backup
    # Every evidence record's file came back, with the hash recorded when it was uploaded.
    evidence = rows(restore_url, "SELECT file, sha256 FROM incidents_evidence")
    assert len(evidence) >= in_backup
    for name, recorded in evidence:
        assert sha256((restored_files / name).read_bytes()).hexdigest() == recorded, name
    # And every file of the backup, by hash, is in the restored folder.
    for name, entry in manifest["files"].items():
        assert sha256((restored_files / name).read_bytes()).hexdigest() == entry["sha256"], name
    assert Evidence.objects.count() > len(evidence), "filing went on after the backup"

    # A second restore into the same database, or into a folder with files, is refused.
    again = run(
        "restore", "--from", str(backup), "--database-url", restore_url, "--files", str(tmp_path / "empty")
    )
    assert again.returncode == 1 and "is not empty" in again.stderr
    drop_database(restore_url)
    again = run(
        "restore", "--from", str(backup), "--database-url", restore_url, "--files", str(restored_files)
    )
    assert again.returncode == 1 and "is not empty" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_restored(
    personas, private_files, restore_url, tmp_path
):
    file_report(personas, 1)
    made = run(
        "backup",
        "--database-url",
        database_url(connection.settings_dict),
        "--files",
        str(private_files),
        "--to",
        str(tmp_path / "backups"),
    )
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    (damaged,) = [p for p in (backup / "files").rglob("*") if p.is_file()]
    damaged.write_bytes(damaged.read_bytes() + b"!")

    back = run(
        "restore", "--from", str(backup), "--database-url", restore_url, "--files", str(tmp_path / "restored")
    )

    assert back.returncode == 1 and "do not match their hashes" in back.stderr
    assert not (tmp_path / "restored").exists()
    assert not rows(
        database_url(connection.settings_dict),
        "SELECT 1 FROM pg_database WHERE datname = %s",
        (urlsplit(restore_url).path[1:],),
    )
