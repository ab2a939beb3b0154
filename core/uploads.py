"""Checking an uploaded file by what it holds, never by its name, and by its size.

Each app says which types a field takes, how large a file may be and, in its own words, what to
upload instead; the checks are made here, the same way for every upload."""

from __future__ import annotations

from collections.abc import Collection

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

# Enough of a file to tell its type from its signature.
SNIFF_BYTES = 8192


def sniffed_type(head: bytes) -> str | None:
    """The MIME type a file's first bytes show, or None when they show none."""
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def head_of(upload: UploadedFile) -> bytes:
    """The first bytes of an upload, leaving it at its start for whoever reads it next."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def check_upload(
    upload: UploadedFile, *, types: Collection[str], max_bytes: int, too_large: str, bad_type: str
) -> str:
    """The upload's real content type, or a ValidationError a person can act on.

    ``too_large`` and ``bad_type`` are the field's messages, with ``{name}`` (the file's name) and,
    for size, ``{size}`` and ``{limit}`` (as "2.5 MB") or ``{size_mb}`` and ``{limit_mb}`` (numbers).
    """
    if not upload.size:
        raise ValidationError(f"“{upload.name}” is empty.", code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            too_large.format(
                name=upload.name,
                size=filesizeformat(upload.size),
                limit=filesizeformat(max_bytes),
                size_mb=upload.size / 1048576,
                limit_mb=max_bytes // 1048576,
            ),
            code="too_large",
        )
    content_type = sniffed_type(head_of(upload))
    if content_type not in types:
        raise ValidationError(bad_type.format(name=upload.name), code="bad_type")
    return content_type


def check_text_upload(
    upload: UploadedFile,
    *,
    extensions: tuple[str, ...],
    max_bytes: int,
    too_large: str,
    bad_name: str,
    binary: str,
) -> None:
    """Refuse, with the field's own message, a text upload (a CSV export) that is too large, is not
    named as one of ``extensions``, or holds a NUL byte near its start, as spreadsheets and other
    binary files do (a text file never does)."""
    if upload.size > max_bytes:
        raise ValidationError(too_large, code="too_large")
    if not upload.name.lower().endswith(extensions):
        raise ValidationError(bad_name, code="bad_name")
    if b"\x00" in head_of(upload):
        raise ValidationError(binary, code="binary")
