"""Evidence (001 §9.2): files are checked by what they contain, never by their name, limited in
size, stored privately and hashed on upload."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from core.uploads import check_upload
from incidents.models import Evidence, Incident, IncidentEvent
from incidents.services.common import event_add, require_handler

Ev = IncidentEvent.Type

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
    """The largest evidence file accepted, in bytes (a setting, for tests and small disks)."""
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


def evidence_store(
    *, incident: Incident, upload: UploadedFile, by: User, captured_at=None, source_url: str = ""
) -> Evidence:
    """Keep a checked file on the incident, hashed, and note it on the timeline (the caller checks access)."""
    content_type = check_evidence_file(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        incident=incident,
        original_name=(upload.name or "evidence")[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
        captured_at=captured_at,
        source_url=source_url,
    )
    evidence.file.save(str(evidence.id), upload, save=False)
    evidence.save()
    event_add(
        incident, Ev.EVIDENCE, by, evidence.original_name, sha256=evidence.sha256, evidence=str(evidence.pk)
    )
    return evidence


@transaction.atomic
def incident_add_evidence(
    *, user: User, incident: Incident, upload: UploadedFile, captured_at=None, source_url: str = ""
) -> Evidence:
    """Add a file to an incident (the reporter of an open report, or its handler)."""
    if not (incident.reporter_id == user.pk and incident.is_open):
        require_handler(user, incident)
    return evidence_store(
        incident=incident, upload=upload, by=user, captured_at=captured_at, source_url=source_url
    )
