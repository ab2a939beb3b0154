"""Keeping a reporter's valid evidence files while a report form is shown again with errors.

A browser never re-sends a file after a failed submission, so a report that comes back with "enter
what it shows" must not also make the reporter find their screenshot again. Each file that passes
``check_evidence_file`` is written at once to a private staging folder in the default storage
(never served by URL), under ``evidence-staging/<staging id>/``, with a small JSON manifest of the
names the reporter gave the files. The form carries only a signed token naming the folder: it is
bound to the reporter (another person's token opens nothing), expires after a day, and cannot be
forged to point anywhere else. When the report is filed the staged files are handed to
``incident_report`` (which checks and hashes them again) and the folder is removed; folders left by
reports never finished are removed by ``purge_stale_staging``.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

ROOT = "evidence-staging"
SALT = "incidents.evidence-staging"
MAX_AGE = timedelta(days=1)
MAX_FILES = 10


@dataclass(frozen=True)
class StagedFile:
    """A checked evidence file waiting for its report to be filed."""

    id: str
    name: str
    content_type: str
    size: int


class EvidenceStaging:
    """One reporter's staging folder, named by a signed token kept in the form."""

    def __init__(self, user, token: str = ""):
        self.user = user
        self.staging_id = self._unsign(token) if token else None

    def _unsign(self, token: str) -> str | None:
        try:
            value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            return None
        if not isinstance(value, dict) or value.get("user") != str(self.user.pk):
            return None
        try:
            return str(uuid.UUID(value.get("id", "")))
        except ValueError:
            return None

    @property
    def token(self) -> str:
        """The value for the form's hidden field ("" while nothing is staged)."""
        if self.staging_id is None:
            return ""
        return signing.dumps({"user": str(self.user.pk), "id": self.staging_id}, salt=SALT)

    def _path(self, name: str) -> str:
        return f"{ROOT}/{self.staging_id}/{name}"

    def files(self) -> list[StagedFile]:
        """The files staged so far, in the order they were added."""
        if self.staging_id is None:
            return []
        try:
            with default_storage.open(self._path("manifest.json"), "rb") as handle:
                rows = json.loads(handle.read().decode())
        except (FileNotFoundError, ValueError):
            return []
        return [StagedFile(**row) for row in rows.get("files", [])]

    def _write(self, files: list[StagedFile]) -> None:
        path = self._path("manifest.json")
        if default_storage.exists(path):
            default_storage.delete(path)
        body = json.dumps({"created": timezone.now().isoformat(), "files": [asdict(f) for f in files]})
        default_storage.save(path, ContentFile(body.encode()))

    def add(self, upload: UploadedFile, content_type: str) -> StagedFile | None:
        """Keep a checked upload; None once the report already holds the most files allowed."""
        files = self.files()
        if len(files) >= MAX_FILES:
            return None
        if self.staging_id is None:
            self.staging_id = str(uuid.uuid4())
        staged = StagedFile(
            id=uuid.uuid4().hex,
            name=(upload.name or "evidence")[:200],
            content_type=content_type,
            size=upload.size,
        )
        upload.seek(0)
        default_storage.save(self._path(staged.id), upload)
        self._write([*files, staged])
        return staged

    def remove(self, file_ids) -> None:
        """Drop the files the reporter took off the report."""
        file_ids = set(file_ids)
        files = self.files()
        keep = [f for f in files if f.id not in file_ids]
        if len(keep) == len(files):
            return
        for staged in files:
            if staged.id in file_ids:
                default_storage.delete(self._path(staged.id))
        self._write(keep)

    def open_all(self) -> list[UploadedFile]:
        """The staged files as uploads, for ``incident_report`` (the caller closes them)."""
        opened = []
        for staged in self.files():
            handle = default_storage.open(self._path(staged.id), "rb")
            opened.append(
                UploadedFile(
                    file=handle, name=staged.name, content_type=staged.content_type, size=staged.size
                )
            )
        return opened

    def discard(self) -> None:
        """Remove the folder once its files belong to a report."""
        if self.staging_id is None:
            return
        _remove_folder(f"{ROOT}/{self.staging_id}")
        self.staging_id = None


def _remove_folder(folder: str) -> None:
    try:
        _dirs, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        default_storage.delete(f"{folder}/{name}")
    try:
        # FileSystemStorage leaves empty folders behind; remove it where the storage is local.
        os.rmdir(default_storage.path(folder))
    except (NotImplementedError, OSError):
        pass


def purge_stale_staging(now=None) -> int:
    """Remove staging folders older than a day (reports never finished); returns how many."""
    now = now or timezone.now()
    try:
        folders, _files = default_storage.listdir(ROOT)
    except FileNotFoundError:
        return 0
    removed = 0
    for folder in folders:
        path = f"{ROOT}/{folder}"
        try:
            modified = default_storage.get_modified_time(f"{path}/manifest.json")
        except (FileNotFoundError, OSError):
            modified = None
        if modified is None or now - modified > MAX_AGE:
            _remove_folder(path)
            removed += 1
    return removed
