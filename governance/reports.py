"""The trustees' termly report: the dashboard's figures as a PDF, with no personal data.

The report names no one, not even who generated it: that is kept in the report's row and the
audit log, never printed on the page."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Trust, User
from governance.audit import audit_record
from governance.dashboards import dashboard
from governance.models import AuditEntry
from governance.register_models import TrusteeReport, term_of
from incidents.pdf import render_pdf


def trustee_report_pdf(*, trust: Trust) -> bytes:
    """Render the trust's dashboard figures to PDF bytes."""
    figures = dashboard(school_ids=list(trust.schools.values_list("pk", flat=True)), viewer=None)
    return render_pdf("governance/print/trustee_report.html", {"d": figures, "trust": trust})


def trustee_report_generate(
    *, trust: Trust, user: User | None = None, scheduled: bool = False
) -> TrusteeReport | None:
    """Generate and keep a trustees' report; the termly run makes at most one per term."""
    term = term_of(timezone.localdate())
    if scheduled and TrusteeReport.objects.filter(trust=trust, term=term, scheduled=True).exists():
        return None
    content = trustee_report_pdf(trust=trust)
    report = TrusteeReport(trust=trust, term=term, scheduled=scheduled, generated_by=user)
    report.file.save(f"{trust.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        report.file.delete(save=False)
        return None
    audit_record(verb=AuditEntry.Verb.CREATE, obj=report, actor=user, object_repr=str(report))
    return report


def termly_report_sweep() -> int:
    """Make this term's report for every trust that has none yet; returns how many were made."""
    return sum(
        1 for trust in Trust.objects.all() if trustee_report_generate(trust=trust, scheduled=True) is not None
    )
