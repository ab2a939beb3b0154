"""Reads of approvals, scoped through the access layer. By topic: requests (who decides, the inbox
and lists, one request fetched for a page), the post check (posts), the official accounts register
(register) and filtering (the ICT technician's changes and the review pack)."""

from approvals.selectors.filtering import (
    ReviewRow,
    filter_changes_for,
    filtering_review_csv,
    filtering_review_rows,
    recent_academic_years,
    year_bounds,
)
from approvals.selectors.posts import (
    PostCheck,
    PupilConsent,
    check_post,
    name_in_text,
    post_approval_problems,
    surname_parts,
)
from approvals.selectors.register import accounts_visible_to
from approvals.selectors.requests import (
    approvals_of_current_version,
    available_steps,
    decider_actions_held,
    decision_inbox,
    media_for_view,
    next_deciders,
    recently_decided_by,
    request_for_action,
    request_for_decision,
    request_for_requester,
    request_for_view,
    requests_list,
    requests_visible_to,
    timeline,
)

__all__ = [
    "PostCheck",
    "PupilConsent",
    "ReviewRow",
    "accounts_visible_to",
    "approvals_of_current_version",
    "available_steps",
    "check_post",
    "decider_actions_held",
    "decision_inbox",
    "filter_changes_for",
    "filtering_review_csv",
    "filtering_review_rows",
    "media_for_view",
    "name_in_text",
    "next_deciders",
    "post_approval_problems",
    "recent_academic_years",
    "recently_decided_by",
    "request_for_action",
    "request_for_decision",
    "request_for_requester",
    "request_for_view",
    "requests_list",
    "requests_visible_to",
    "surname_parts",
    "timeline",
    "year_bounds",
]
