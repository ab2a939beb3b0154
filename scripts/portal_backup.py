"""Back up the portal (its PostgreSQL database and its private files) and restore a backup.

    python scripts/portal_backup.py backup  --database-url URL --files DIR --to FOLDER
    python scripts/portal_backup.py restore --from BACKUP --database-url URL --files DIR

A backup is a folder: ``database.dump`` (pg_dump's custom format), ``files/`` (a copy of the
private files: evidence, stored PDFs, imports) and ``manifest.json`` (the sha256 of the dump and
of every file, and the number of rows of every table). It is written as ``<name>.partial`` and
renamed only once complete, so a backup that was cut short is never taken for a good one.

Consistency: the rows are dumped from one exported snapshot and counted in that same snapshot;
the files are copied after it is taken. A file is saved before the row that names it is
committed, so every file the snapshot's rows name is on disk by the time it is copied (files are
written once and never changed; a file deleted in between is reported, not silently lost).

Restore refuses a database with any table in it, or a files folder with anything in it; it checks
the backup against its manifest before it starts, and the restored rows and files against the
manifest when it is done. See docs/operations.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess  # noqa: S404 - pg_dump and pg_restore are run with fixed arguments, no shell
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something that stops a backup or a restore, said in words for whoever runs it."""


def tool(name: str) -> str:
    """The full path of a PostgreSQL client program (as new as the server, or newer)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (postgresql-client)")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path) -> str:
    """Copy one file (readable by its owner only) and return the sha256 of the bytes copied."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    with (
        source.open("rb") as read,
        os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as write,
    ):
        while chunk := read.read(CHUNK):
            digest.update(chunk)
            write.write(chunk)
    return digest.hexdigest()


def table_counts(cursor) -> dict[str, int]:
    """The number of rows of every table outside PostgreSQL's own schemas, as ``schema.table``."""
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def private_files(folder: Path) -> list[Path]:
    """Every regular file under the folder (symbolic links are not followed), in a stable order."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _write_backup(*, database_url: str, files: Path, folder: Path) -> None:
    """The dump, the files and the manifest, into ``folder``."""
    started = datetime.now(UTC)

    connection = psycopg2.connect(database_url)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            # pg_dump reads the very snapshot the counts below are taken in; the transaction stays
            # open until both are done.
            subprocess.run(  # noqa: S603 - fixed arguments
                [
                    tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={folder / DUMP}",
                    f"--dbname={database_url}",
                ],
                check=True,
            )
            counts = table_counts(cursor)
        connection.rollback()
    finally:
        connection.close()

    copied = {}
    missing = []
    for source in private_files(files):
        relative = source.relative_to(files).as_posix()
        try:
            copied[relative] = {
                "sha256": copy_hashed(source, folder / FILES / relative),
                "size": (folder / FILES / relative).stat().st_size,
            }
        except FileNotFoundError:
            # Deleted since it was listed (a staging upload purged, a record erased).
            missing.append(relative)
    manifest = {
        "format": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"file": DUMP, "sha256": sha256_of(folder / DUMP), "tables": counts},
        "files": copied,
        "files_deleted_while_copying": missing,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def backup(*, database_url: str, files: Path, to: Path) -> Path:
    """Write a backup folder under ``to`` and return its path."""
    name = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = to / name
    partial = to / f"{name}.partial"
    if final.exists() or partial.exists():
        raise BackupError(f"{final} exists already")
    to.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial.mkdir(mode=0o700)
    try:
        _write_backup(database_url=database_url, files=files, folder=partial)
    except BaseException:
        # A backup cut short is removed: only complete backups are ever left behind.
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    return final


def read_manifest(folder: Path) -> dict:
    """The backup's manifest, after checking the dump and every file against it."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a complete backup: it has no {MANIFEST}")
    manifest = json.loads(path.read_text())
    if sha256_of(folder / manifest["database"]["file"]) != manifest["database"]["sha256"]:
        raise BackupError("The database dump does not match its hash in the manifest")
    bad = [
        name
        for name, entry in manifest["files"].items()
        if sha256_of(folder / FILES / name) != entry["sha256"]
    ]
    if bad:
        raise BackupError(f"{len(bad)} files do not match their hashes in the manifest, first {bad[0]}")
    return manifest


def ensure_empty_database(database_url: str) -> None:
    """Create the database if it does not exist; refuse one that has any table."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    try:
        connection = psycopg2.connect(database_url)
    except psycopg2.OperationalError as exc:
        if f'database "{name}" does not exist' not in str(exc):
            raise
        maintenance = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        maintenance.autocommit = True
        with maintenance.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        maintenance.close()
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
            if cursor.fetchone()[0]:
                raise BackupError(f"The database {name} is not empty: restore only into an empty database")
    finally:
        connection.close()


def restore(*, source: Path, database_url: str, files: Path) -> dict:
    """Restore a backup into an empty database and files folder, then check both against it."""
    manifest = read_manifest(source)
    if files.exists() and any(files.iterdir()):
        raise BackupError(f"The files folder {files} is not empty: restore only into an empty folder")
    ensure_empty_database(database_url)
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database_url}",
            str(source / manifest["database"]["file"]),
        ],
        check=True,
    )
    files.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in manifest["files"]:
        copy_hashed(source / FILES / name, files / name)

    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            counts = table_counts(cursor)
    finally:
        connection.close()
    if counts != manifest["database"]["tables"]:
        differ = sorted(
            k
            for k in set(counts) | set(manifest["database"]["tables"])
            if counts.get(k) != manifest["database"]["tables"].get(k)
        )
        raise BackupError(f"The restored row counts differ from the backup's in {differ}")
    restored = {p.relative_to(files).as_posix(): sha256_of(p) for p in private_files(files)}
    expected = {name: entry["sha256"] for name, entry in manifest["files"].items()}
    if restored != expected:
        raise BackupError("The restored files differ from the backup's")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write a backup folder")
    make.add_argument("--database-url", required=True)
    make.add_argument("--files", required=True, type=Path, help="the private files folder")
    make.add_argument("--to", required=True, type=Path, help="the folder backups are written in")
    back = commands.add_parser("restore", help="restore a backup into an empty database and folder")
    back.add_argument("--from", dest="source", required=True, type=Path, help="the backup folder")
    back.add_argument("--database-url", required=True)
    back.add_argument("--files", required=True, type=Path, help="the (empty) private files folder")
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            folder = backup(database_url=args.database_url, files=args.files, to=args.to)
            manifest = json.loads((folder / MANIFEST).read_text())
            print(
                f"Backed up {sum(manifest['database']['tables'].values())} rows in "
                f"{len(manifest['database']['tables'])} tables and {len(manifest['files'])} files to {folder}"
            )
        else:
            manifest = restore(source=args.source, database_url=args.database_url, files=args.files)
            print(
                f"Restored {sum(manifest['database']['tables'].values())} rows and {len(manifest['files'])} "
                "files; every row count and every file's hash matches the backup"
            )
    except (BackupError, subprocess.CalledProcessError, psycopg2.Error) as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
