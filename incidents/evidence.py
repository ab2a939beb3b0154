"""Evidence files are checked by what they contain, never by their name, and limited in size."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

# What a screenshot, a saved page or a recording can be.
ALLOWED_TYPES = {
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/heic": "HEIC photo",
    "application/pdf": "PDF",
    "video/mp4": "MP4 video",
    "video/quicktime": "QuickTime video",
    "video/webm": "WebM video",
}
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


def max_evidence_bytes() -> int:
    return int(getattr(settings, "PORTAL_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_evidence_file(upload: UploadedFile) -> str:
    """The file's real content type, or a ValidationError a person can act on."""
    limit = max_evidence_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"“{upload.name}” is {filesizeformat(upload.size)}: evidence files must be "
            f"{filesizeformat(limit)} or smaller.",
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(f"“{upload.name}” is empty.", code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            f"“{upload.name}” is not an image, PDF or video. Upload a screenshot (PNG or JPEG), a PDF "
            "or a video (MP4, MOV or WebM).",
            code="bad_type",
        )
    return kind.mime
