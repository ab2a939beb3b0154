"""The trustees' termly reports, kept with the figures they show."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Trust


class TrusteeReport(models.Model):
    """A generated trustees' report (aggregate figures only), kept as a private file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="trustee_reports")
    term = models.CharField(max_length=20)
    # The termly run makes one per term; on-demand reports may be made at any time.
    scheduled = models.BooleanField(default=False)
    file = models.FileField(upload_to="trustee-reports/")
    # The figures the file shows (governance.dashboards.Dashboard.to_data), and what each incident
    # counted in them added (dashboards.counted_records): a reader named in one of those
    # incidents is given the same report without it (governance.reports.trustee_report_pdf_for).
    figures = models.JSONField(default=dict, blank=True)
    counted = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField(auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "term"],
                condition=Q(scheduled=True),
                name="trusteereport_one_scheduled_per_term",
            ),
        ]

    def __str__(self) -> str:
        return f"Trustees' report {self.term}"
