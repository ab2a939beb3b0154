"""Governance records: the registers (policies, training, retention, trustees' reports)."""

# The registers live in their own module; importing them here lets Django find them.
from governance.register_models import (  # noqa: F401
    Acknowledgement,
    Policy,
    PolicyReminder,
    PolicyVersion,
    RetentionReview,
    RetentionRule,
    TrainingAttendance,
    TrainingReminder,
    TrainingSession,
    TrusteeReport,
)
