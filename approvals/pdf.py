"""Approved forms as signed PDF records, like the paper forms (004 App. A and C), and the filtering
review pack, printed from templates/approvals/print/. Each kind's title and the statement each
approver signs are in its declaration (approvals.kinds)."""

from __future__ import annotations

from approvals import selectors
from approvals.models import ApprovalRequest, State
from core.printing import render_pdf


def request_pdf(request: ApprovalRequest) -> bytes:
    """The request as a signed record: every field, and each approval's name, role, date and comment."""
    detail = request.detail
    workflow = request.workflow
    statements = {step.name: step.statement for step in workflow.steps}
    approvals = [
        {"step": step, "statement": statements[step.step]}
        for step in selectors.approvals_of_current_version(request)
    ]
    context = {
        "request": request,
        "title": workflow.pdf_title,
        "rows": detail.summary_rows(),
        "approvals": approvals,
        "timeline": selectors.timeline(request),
        "approved": request.state == State.APPROVED,
    }
    return render_pdf("approvals/print/request.html", context)


def filtering_review_pdf(*, school, year: str, rows) -> bytes:
    """The filtering review pack for a school and an academic year."""
    context = {
        "school": school,
        "year": year,
        "rows": rows,
        "approved": sum(1 for r in rows if r.decision == State.APPROVED.label),
    }
    return render_pdf("approvals/print/filtering_review.html", context)
