"""Evidence integrity (001 §9.2): a file is what was uploaded only while it still hashes to the
SHA-256 recorded on upload. Checked on every download and by a nightly job over every file; a file
changed or missing is told to the school's safeguarding leads and the data protection officer,
once per file and problem, in words that name no pupil."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from core.audit import audit_record
from core.erasure import ERASED
from core.models import AuditEntry
from core.notifications import notify
from core.once import claim
from incidents.models import (
    Evidence,
    IncidentPerson,
    IntegrityAlert,
    IntegrityCheck,
    IntegrityProblem,
    Problem,
)

log = logging.getLogger(__name__)

# Read a megabyte at a time: a 25 MB video never sits whole in memory.
CHUNK_BYTES = 1024 * 1024
# Evidence rows read per query by the nightly check.
BATCH = 500
ALERT_SUBJECT = "An evidence file failed its integrity check"


@dataclass(frozen=True)
class Finding:
    """What is wrong with a stored evidence file: its problem, and what it hashes to now."""

    problem: str
    found_sha256: str = ""


def stored_sha256(name: str) -> str | None:
    """The SHA-256 of a stored evidence file, read in chunks; None when the file is not there."""
    storage = Evidence._meta.get_field("file").storage
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def evidence_verify(*, evidence: Evidence) -> Finding | None:
    """None when the stored file still hashes to the recorded SHA-256; otherwise what is wrong."""
    return _finding(evidence.file.name, evidence.sha256)


def _finding(name: str, recorded: str) -> Finding | None:
    found = stored_sha256(name) if name else None
    if found is None:
        return Finding(Problem.MISSING)
    if found != recorded:
        return Finding(Problem.MISMATCH, found)
    return None


def integrity_alert(*, school_id, findings: list[tuple[Evidence, str]]) -> int:
    """Tell the safeguarding leads of a school and the data protection officer which of its
    evidence files are changed or missing, each file and problem once ever; returns how many
    people were told."""
    with transaction.atomic():
        new = [
            (evidence, problem)
            for evidence, problem in findings
            if claim(IntegrityAlert, evidence=evidence, problem=problem)
        ]
        if not new:
            return 0
        incident_ids = {evidence.incident_id for evidence, _ in new}
        named = IncidentPerson.objects.filter(incident_id__in=incident_ids)
        # Subject exclusion: nobody hears about the evidence of an incident that names them.
        naming: dict = {}
        for incident_id, *users in named.values_list("incident_id", "user_id", "pupil__user_id"):
            naming.setdefault(incident_id, set()).update(u for u in users if u is not None)
        people = (
            access.users_with(Action.VIEW_SAFEGUARDING_RECORDS, school_id)
            | access.users_with(Action.MANAGE_RETENTION, school_id)
        ).distinct()
        told = 0
        for person in people:
            lines = [
                f"Incident {evidence.incident.reference}: a file uploaded on "
                f"{timezone.localtime(evidence.uploaded_at):%d/%m/%Y}: {Problem(problem).label.lower()}."
                for evidence, problem in new
                if person.pk not in naming.get(evidence.incident_id, ())
            ]
            if not lines:
                continue
            body = "\n".join(
                [
                    *lines,
                    "These files are no longer what was uploaded and cannot be downloaded until this is "
                    "looked into. Check the storage and its backups, and record what you find on each case.",
                ]
            )
            notify(
                user=person, subject=ALERT_SUBJECT, body=body, link=reverse("incidents:evidence_integrity")
            )
            told += 1
    log.warning("Evidence failed its integrity check: %s", [(str(e.pk), p) for e, p in new])
    return told


def evidence_integrity_check() -> IntegrityCheck:
    """Hash every evidence file against its recorded SHA-256 and record the run (the nightly job).

    Rows are read in batches and files in chunks, so thousands of files take little memory. A file
    found changed or missing is alerted once (integrity_alert); a second run records its own result
    and alerts nothing already alerted."""
    started = timezone.now()
    checked = 0
    findings: list[tuple[str, Finding]] = []
    # Erased evidence (core.erasure) has had its file deleted on purpose: nothing is missing.
    rows = Evidence.objects.exclude(original_name=ERASED).order_by("pk").values_list("pk", "file", "sha256")
    for pk, name, recorded in rows.iterator(chunk_size=BATCH):
        checked += 1
        finding = _finding(name, recorded)
        if finding is not None:
            findings.append((pk, finding))
    with transaction.atomic():
        run = IntegrityCheck.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            checked=checked,
            mismatched=sum(1 for _, f in findings if f.problem == Problem.MISMATCH),
            missing=sum(1 for _, f in findings if f.problem == Problem.MISSING),
        )
        IntegrityProblem.objects.bulk_create(
            IntegrityProblem(check_run=run, evidence_id=pk, problem=f.problem, found_sha256=f.found_sha256)
            for pk, f in findings
        )
    # One alert per school for the whole run, not one per file: storage lost overnight would
    # otherwise send thousands.
    evidence = Evidence.objects.select_related("incident").in_bulk([pk for pk, _ in findings])
    grouped: dict = {}
    for pk, finding in findings:
        grouped.setdefault(evidence[pk].incident.school_id, []).append((evidence[pk], finding.problem))
    for school_id, items in grouped.items():
        integrity_alert(school_id=school_id, findings=items)
    return run


def evidence_check_before_download(*, evidence: Evidence, by) -> Finding | None:
    """Verify a file before it is handed to anyone; when it fails, audit the refused download and
    alert (the caller refuses it). None when the file may be downloaded."""
    finding = evidence_verify(evidence=evidence)
    if finding is None:
        return None
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD,
        obj=evidence,
        actor=by,
        changes={
            "refused": ["", Problem(finding.problem).label],
            "sha256": [evidence.sha256, finding.found_sha256],
        },
    )
    integrity_alert(school_id=evidence.incident.school_id, findings=[(evidence, finding.problem)])
    return finding
