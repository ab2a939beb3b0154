"""The trustees' termly report: the dashboard's figures as a PDF, with no personal data.

The report names no one, not even who generated it: that is kept in the report's row and the
audit log, never printed on the page.

A report is a record of its term, so its figures are kept as they were; but a reader named in an
incident those figures count must not learn of it by setting the report beside their dashboard.
Each download is therefore printed from the kept figures for the person downloading it, less what
the incidents naming them added: the same figures their dashboard would have shown that day."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import School, Trust, User
from core.audit import audit_record
from core.calendar import term_of
from core.models import AuditEntry
from core.once import save_once
from core.printing import render_pdf
from governance.dashboards import Dashboard, counted_records, dashboard, records_naming
from governance.models import TrusteeReport


def _render(figures: Dashboard, trust: Trust) -> bytes:
    return render_pdf("governance/print/trustee_report.html", {"d": figures, "trust": trust})


def trustee_report_pdf_for(*, report: TrusteeReport, reader: User) -> bytes | None:
    """The report as ``reader`` may read it, printed from its kept figures; None when the reader
    may not be shown it at all (a report from before figures were kept, which cannot be printed
    without the incidents naming them)."""
    naming = records_naming(user=reader, school_ids=School.objects.filter(trust=report.trust_id).values("pk"))
    if not report.figures:
        if naming:
            return None
        with report.file.open("rb") as handle:
            return handle.read()
    figures = Dashboard.from_data(report.figures)
    left_out = [added for pk, added in report.counted.items() if pk in naming]
    if left_out:
        figures = figures.without(left_out)
    return _render(figures, report.trust)


def trustee_report_generate(
    *, trust: Trust, user: User | None = None, scheduled: bool = False
) -> TrusteeReport | None:
    """Generate and keep a trustees' report; the termly run makes at most one per term."""
    term = term_of(timezone.localdate())
    if scheduled and TrusteeReport.objects.filter(trust=trust, term=term, scheduled=True).exists():
        return None
    school_ids = list(trust.schools.values_list("pk", flat=True))
    today = timezone.localdate()
    figures = dashboard(school_ids=school_ids, viewer=None, today=today)
    counted = counted_records(school_ids=school_ids, today=today)
    content = _render(figures, trust)
    report = TrusteeReport(
        trust=trust,
        term=term,
        scheduled=scheduled,
        generated_by=user,
        figures=figures.to_data(),
        counted=counted,
    )
    report.file.save(f"{trust.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(content), save=False)
    if not save_once(report):
        # This term's report was made by another run first.
        report.file.delete(save=False)
        return None
    audit_record(verb=AuditEntry.Verb.CREATE, obj=report, actor=user, object_repr=str(report))
    return report


def termly_report_sweep() -> int:
    """Make this term's report for every trust that has none yet; returns how many were made."""
    return sum(
        1 for trust in Trust.objects.all() if trustee_report_generate(trust=trust, scheduled=True) is not None
    )
