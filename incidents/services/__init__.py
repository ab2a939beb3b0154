"""Writes of incidents: the only code that creates or changes incidents, evidence and takedowns.

Every service checks access itself (so a task, a command or the admin cannot go round it), appends
to the incident's timeline, writes the audit log and notifies after the transaction commits.
Notification subjects never carry a pupil's name or the concern's text. Statuses move only through
incidents.workflows.

By topic: reporting (a new report), cases (handling it), evidence (files, checked and hashed),
staging (files kept while a report form is put right), takedowns and escalation (their 24-hour
ladder), first_response (the ladder that chases a report nobody has taken up), routing (who
handles a report and how soon), moderation (the moderation log and platform ages) and printing
(the PDFs).
"""

from incidents.services.cases import (
    incident_add_note,
    incident_assign,
    incident_close,
    incident_link_pupil,
    incident_link_staff,
    incident_record_ict_action,
    incident_refer,
    incident_reopen,
    incident_set_severity,
)
from incidents.services.escalation import takedown_escalation_sweep
from incidents.services.evidence import incident_add_evidence
from incidents.services.first_response import first_response_sweep
from incidents.services.moderation import moderation_record, platform_update
from incidents.services.reporting import PersonInvolved, incident_report
from incidents.services.takedowns import (
    takedown_check,
    takedown_confirm_removal,
    takedown_escalate,
    takedown_offer_support,
    takedown_open,
    takedown_report_ceop,
    takedown_report_police,
    takedown_request_removal,
    takedown_withdraw,
)

__all__ = [
    "PersonInvolved",
    "first_response_sweep",
    "incident_add_evidence",
    "incident_add_note",
    "incident_assign",
    "incident_close",
    "incident_link_pupil",
    "incident_link_staff",
    "incident_record_ict_action",
    "incident_refer",
    "incident_reopen",
    "incident_report",
    "incident_set_severity",
    "moderation_record",
    "platform_update",
    "takedown_check",
    "takedown_confirm_removal",
    "takedown_escalate",
    "takedown_escalation_sweep",
    "takedown_offer_support",
    "takedown_open",
    "takedown_report_ceop",
    "takedown_report_police",
    "takedown_request_removal",
    "takedown_withdraw",
]
