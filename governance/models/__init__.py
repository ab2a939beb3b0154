"""Governance records: the registers (policies, training, retention, trustees' reports), one
module each; imported here so Django finds them under the governance app."""

from governance.models.breaches import Breach, BreachReminder
from governance.models.policies import Acknowledgement, Policy, PolicyReminder, PolicyVersion
from governance.models.reports import TrusteeReport
from governance.models.retention import RetentionReview, RetentionRule, record_type_choices
from governance.models.training import TrainingAttendance, TrainingReminder, TrainingSession

__all__ = [
    "Acknowledgement",
    "Breach",
    "BreachReminder",
    "Policy",
    "PolicyReminder",
    "PolicyVersion",
    "RetentionReview",
    "RetentionRule",
    "TrainingAttendance",
    "TrainingReminder",
    "TrainingSession",
    "TrusteeReport",
    "record_type_choices",
]
