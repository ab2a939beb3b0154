"""Making reports in tests, through the real service."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.models import Kind, Platform
from incidents.services import PersonInvolved, incident_report

# The smallest valid PNG: a 1×1 transparent pixel.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def png(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


# The ages the data migration seeds (000 §3.2). A transactional test (live server, real worker)
# empties every table when it ends, those rows included, so tests ask for platforms through this.
DEFAULT_AGES = {"Instagram": 13, "Facebook": 13, "TikTok": 13, "Snapchat": 13, "YouTube": 13, "WhatsApp": 16}


def platform(name: str) -> Platform:
    """The platform of this name, made again with its usual minimum age if a flush removed it."""
    return Platform.objects.get_or_create(name=name, defaults={"minimum_age": DEFAULT_AGES.get(name)})[0]


def report(
    reporter, school, *, kind=Kind.CYBERBULLYING_PUPIL, people=(), platform_name="Instagram", **fields
):
    """File a report as ``reporter`` with sensible defaults."""
    defaults = dict(
        seen_at=timezone.now() - timedelta(hours=1),
        description="Unkind messages posted about a pupil in a group chat.",
        platform=platform(platform_name) if platform_name else None,
        urls=["https://www.instagram.com/p/abc123/"],
        nature=["bullying"],
    )
    defaults.update(fields)
    return incident_report(reporter=reporter, school=school, kind=kind, people=list(people), **defaults)


def pupil_named(pupil, role="affected") -> PersonInvolved:
    return PersonInvolved(role=role, identity="pupil", pupil=pupil)


def staff_named(user, role="subject") -> PersonInvolved:
    return PersonInvolved(role=role, identity="staff", user=user)


def exe_disguised_as_png() -> SimpleUploadedFile:
    # A Windows executable's header, with a .png name and an image content type.
    return SimpleUploadedFile("holiday.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")


__all__ = ["io", "png", "report", "pupil_named", "staff_named", "exe_disguised_as_png", "PNG_BYTES"]
