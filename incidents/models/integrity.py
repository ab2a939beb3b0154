"""The evidence integrity check: each run of the nightly job, what it found, and the alerts sent."""

from __future__ import annotations

from django.db import models

from core.models import AppendOnlyModel, SentOnce
from incidents.models.incident import Evidence


class Problem(models.TextChoices):
    MISMATCH = "mismatch", "Contents changed since upload"
    MISSING = "missing", "File missing from storage"


class IntegrityCheck(AppendOnlyModel):
    """One run of the evidence integrity check, written once when it has read every file."""

    never_changed = "An integrity check's result is never changed; run the check again."
    never_deleted = "Integrity check results are never deleted."

    id = models.BigAutoField(primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)
    checked = models.PositiveIntegerField("files checked")
    mismatched = models.PositiveIntegerField("files whose contents changed")
    missing = models.PositiveIntegerField("files missing")

    class Meta:
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"Evidence integrity check of {self.finished_at:%Y-%m-%d %H:%M}"

    @property
    def passed(self) -> bool:
        return not (self.mismatched or self.missing)


class IntegrityProblem(AppendOnlyModel):
    """An evidence file a run found changed or missing."""

    never_changed = "An integrity check's findings are never changed."
    never_deleted = "An integrity check's findings are never deleted."

    id = models.BigAutoField(primary_key=True)
    check_run = models.ForeignKey(IntegrityCheck, on_delete=models.PROTECT, related_name="problems")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    problem = models.CharField(max_length=20, choices=Problem.choices)
    # What the file hashed to now (empty when missing): the recorded hash is on the evidence row.
    found_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.evidence_id}: {self.get_problem_display()}"


class IntegrityAlert(SentOnce):
    """The alert that an evidence file is changed or missing, sent once per file and problem
    whether the nightly check or a download found it first."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    problem = models.CharField(max_length=20, choices=Problem.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "problem"], name="integrity_alert_once_per_problem")
        ]
