"""004 Appendix A: the blocked content access request, and the ICT technician's record of the filter
change made for it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from approvals.models.core import ApprovalRequest
from approvals.models.details import _yes_no, until_text
from core.dates import long_date, long_datetime

MAX_ACCESS_DAYS = 366


class BlockedContentRequest(models.Model):
    """004 Appendix A: blocked content access request (and the ICT technician's filter record)."""

    request = models.OneToOneField(
        ApprovalRequest, on_delete=models.CASCADE, primary_key=True, related_name="blocked_content"
    )
    url = models.URLField("Full URL", max_length=2000)
    site_content = models.TextField("Site content")
    reasons = models.TextField("Reasons for access")
    risks_and_controls = models.TextField("Identified risks and control measures")
    sensitive_category = models.BooleanField(
        "The site is in a category blocked to keep pupils safe",
        default=False,
        help_text="For example self-harm, extremism, gambling or adult content: the Designated "
        "Safeguarding Lead must agree before the headteacher decides.",
    )
    requested_start = models.DateField("Access needed from")
    requested_end = models.DateField("Access needed until")
    # Set when the request is approved; access ends by itself at access_ends.
    access_starts = models.DateTimeField(null=True, blank=True)
    access_ends = models.DateTimeField(null=True, blank=True, db_index=True)
    filter_applied_at = models.DateTimeField(null=True, blank=True)
    filter_applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filter_applied_note = models.TextField(blank=True)
    filter_removed_at = models.DateTimeField(null=True, blank=True)
    filter_removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filter_removed_note = models.TextField(blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    # Kept by the portal and the ICT technician, never by the requester's edits.
    SYSTEM_FIELDS = (
        "access_starts",
        "access_ends",
        "filter_applied_at",
        "filter_applied_by",
        "filter_applied_note",
        "filter_removed_at",
        "filter_removed_by",
        "filter_removed_note",
        "expired_at",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_end__gte=models.F("requested_start")),
                name="blocked_content_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.make_title()

    def make_title(self) -> str:
        from urllib.parse import urlsplit

        return f"Access to {urlsplit(self.url).hostname or self.url}"[:200]

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self._state.adding and self.requested_start and self.requested_start < timezone.localdate():
            errors["requested_start"] = "The date access is needed from must be today or in the future."
        if self.requested_start and self.requested_end:
            if self.requested_end < self.requested_start:
                errors["requested_end"] = "The end of access must be on or after its start."
            elif self.requested_end - self.requested_start > timedelta(days=MAX_ACCESS_DAYS):
                errors["requested_end"] = "Access can be approved for a year at most; ask again after that."
        if errors:
            raise ValidationError(errors)

    @property
    def access_status(self) -> str:
        """Where the access stands, in the words the ICT technician and requester use."""
        if self.request.state != "approved":
            return "Not approved"
        if self.expired_at:
            return (
                "Ended: filter change removed"
                if self.filter_removed_at
                else "Ended: filter change to be removed"
            )
        if self.filter_removed_at:
            return "Filter change removed"
        if self.filter_applied_at:
            return "Access open"
        return "Approved: filter change to be applied"

    def summary_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("Full URL", self.url),
            ("Site content", self.site_content),
            ("Reasons for access", self.reasons),
            ("Identified risks and control measures", self.risks_and_controls),
            ("In a category blocked to keep pupils safe", _yes_no(self.sensitive_category)),
            ("Access needed", f"{long_date(self.requested_start)} to {long_date(self.requested_end)}"),
        ]
        if self.access_starts:
            rows.append(
                ("Access approved", f"{long_datetime(self.access_starts)} to {until_text(self.access_ends)}")
            )
        if self.filter_applied_at:
            applied = long_datetime(self.filter_applied_at)
            rows.append(("Filter change applied", f"{applied} by {self.filter_applied_by}"))
        if self.filter_removed_at:
            removed = long_datetime(self.filter_removed_at)
            rows.append(("Filter change removed", f"{removed} by {self.filter_removed_by}"))
        if self.expired_at:
            rows.append(("Access ended", long_datetime(self.expired_at)))
        return rows
