"""Serving private files (evidence, uploads) once a view has checked the user may have them.

Files in the default storage are never reachable by URL: MEDIA_URL is not routed. A view fetches
the record through the access layer, audits the download and returns ``private_file_response``.
"""

from __future__ import annotations

import mimetypes
import unicodedata

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

from core.uploads import SNIFF_BYTES, sniffed_type

# Types a browser may show in the page. SVG is left out on purpose: it can carry script.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
# Types that a browser would run as a document if it ever ignored the attachment header.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)
# The file is a document of its own, never part of the portal: no script, no plug-ins, no
# requests, no framing, and a unique origin so it cannot read the portal's cookies or pages.
SANDBOX_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"


def safe_download_name(name: str) -> str:
    """A file name fit for a header: no folders, no control characters, never empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:150] or "download"


def content_type_of(head: bytes, download_name: str) -> str:
    """The file's type from its own bytes, falling back to its name; never an active type.

    Only the bytes can make a file an image or a PDF: HTML saved as "photo.png" stays unknown.
    """
    content_type = sniffed_type(head)
    if content_type is None:
        content_type = mimetypes.guess_type(download_name)[0]
        if content_type in INLINE_TYPES:
            content_type = None
    if not content_type or content_type in ACTIVE_TYPES:
        return "application/octet-stream"
    return content_type


def private_file_response(fieldfile: FieldFile, *, download_name: str, inline: bool = False) -> FileResponse:
    """Stream a stored file to a user already allowed to have it, so the browser cannot misuse it."""
    name = safe_download_name(download_name)
    handle = fieldfile.storage.open(fieldfile.name, "rb")
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    content_type = content_type_of(head, name)
    # Shown in the page only when asked and when the bytes really are an image or a PDF.
    show_inline = inline and content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not show_inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    return response
