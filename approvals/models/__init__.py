"""Models of approvals: the request and its timeline (core), each kind's form (details, blocked,
posts) and the official accounts register (register)."""

from approvals.models.blocked import BlockedContentRequest
from approvals.models.choices import Brand, Group, Platform, PostPurpose, RequestType
from approvals.models.core import (
    FINAL_STATES,
    ApprovalReminder,
    ApprovalRequest,
    ApprovalRequestQuerySet,
    ApprovalStep,
    RequestVersion,
    SignedRecord,
    State,
)
from approvals.models.details import BrandingRequest, ConnectionRequest, SiteCreationRequest
from approvals.models.posts import CRITERIA_FIELDS, POST_CRITERIA, PostMedia, PostRequest
from approvals.models.register import AccountReminder, OfficialAccount, PostTakedownTask

__all__ = [
    "CRITERIA_FIELDS",
    "FINAL_STATES",
    "POST_CRITERIA",
    "AccountReminder",
    "ApprovalReminder",
    "ApprovalRequest",
    "ApprovalRequestQuerySet",
    "ApprovalStep",
    "BlockedContentRequest",
    "Brand",
    "BrandingRequest",
    "ConnectionRequest",
    "Group",
    "OfficialAccount",
    "Platform",
    "PostMedia",
    "PostPurpose",
    "PostRequest",
    "PostTakedownTask",
    "RequestType",
    "RequestVersion",
    "SignedRecord",
    "SiteCreationRequest",
    "State",
]
