"""Evidence files are checked by what they contain, never by their name, and limited in size."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from core.uploads import check_upload

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
    return check_upload(
        upload,
        types=ALLOWED_TYPES,
        max_bytes=max_evidence_bytes(),
        too_large="“{name}” is {size}: evidence files must be {limit} or smaller.",
        bad_type=(
            "“{name}” is not an image, PDF or video. Upload a screenshot (PNG or JPEG), a PDF or a video "
            "(MP4, MOV or WebM)."
        ),
    )
