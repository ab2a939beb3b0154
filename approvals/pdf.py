"""Approved forms as signed PDF records, like the paper forms (004 App. A and C), and the filtering
review pack, printed from templates/approvals/print/."""

from __future__ import annotations

from approvals import selectors
from approvals.models import ApprovalRequest, State
from core.printing import render_pdf

# What each approver's signature means, in the paper form's words.
STATEMENTS = {
    ("site_creation", "marketing_approve"): (
        "I approve the aims and content of the proposed site and the use of the school brand and logo."
    ),
    ("site_creation", "director_approve"): "I approve the use of the trust's name and branding on this site.",
    ("site_creation", "head_approve"): (
        "I approve the aims and content of the proposed site and the use of the school brand and logo."
    ),
    ("branding", "director_approve"): "I give permission for the use of this branding on social media.",
    ("branding", "head_approve"): "I approve the use of this branding on social media.",
    ("connection", "head_approve"): "I approve this connection for the school reason given.",
    ("blocked_content", "ict_assess"): "I have assessed the site and the risks of giving access.",
    ("blocked_content", "dsl_agree"): "I agree to access to this site from a safeguarding point of view.",
    ("blocked_content", "head_approve"): "I approve access to this site for the time given.",
    (
        "post",
        "marketing_approve",
    ): "I approve this post: it meets the policy's criteria and consent is in place.",
}
FORM_TITLES = {
    "site_creation": "Social media site creation approval form",
    "blocked_content": "Blocked content access request form",
    "branding": "Social media branding request",
    "connection": "Social media connection request",
    "post": "Social media post approval",
}


def request_pdf(request: ApprovalRequest) -> bytes:
    """The request as a signed record: every field, and each approval's name, role, date and comment."""
    detail = request.detail
    approvals = [
        {"step": step, "statement": STATEMENTS.get((request.type, step.step), "")}
        for step in selectors.approvals_of_current_version(request)
    ]
    context = {
        "request": request,
        "title": FORM_TITLES.get(request.type, request.workflow.label),
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
