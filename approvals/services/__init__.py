"""Writes of approvals: the only code that makes, changes and decides requests, keeps the official
accounts register, opens and ends blocked content access, takes down posts and sends reminders.

Each service checks access itself, so a task, a management command or the admin cannot go round
the rules. By topic: requests and decisions (requests), posts (posts), the official accounts
register (accounts), blocked content access (blocked) and reminders of waiting decisions (reminders).
"""

from approvals.services.accounts import (
    account_review_done,
    account_review_sweep,
    account_set_status,
    official_account_from_site_request,
)
from approvals.services.blocked import (
    blocked_access_close,
    blocked_access_ending_sweep,
    blocked_access_expiry_sweep,
    blocked_access_open,
    blocked_filter_record,
    blocked_filter_reminder_sweep,
    blocked_sensitive_set,
)
from approvals.services.posts import (
    post_criteria_confirm,
    post_media_add,
    post_media_remove,
    post_takedown_done,
    post_takedowns_open,
)
from approvals.services.reminders import waiting_decisions_sweep
from approvals.services.requests import (
    StaleVersion,
    request_create,
    request_edit,
    request_reject,
    request_return,
    request_submit,
    request_take_step,
    request_withdraw,
)

__all__ = [
    "StaleVersion",
    "account_review_done",
    "account_review_sweep",
    "account_set_status",
    "blocked_access_close",
    "blocked_access_ending_sweep",
    "blocked_access_expiry_sweep",
    "blocked_access_open",
    "blocked_filter_record",
    "blocked_filter_reminder_sweep",
    "blocked_sensitive_set",
    "official_account_from_site_request",
    "post_criteria_confirm",
    "post_media_add",
    "post_media_remove",
    "post_takedown_done",
    "post_takedowns_open",
    "request_create",
    "request_edit",
    "request_reject",
    "request_return",
    "request_submit",
    "request_take_step",
    "request_withdraw",
    "waiting_decisions_sweep",
]
