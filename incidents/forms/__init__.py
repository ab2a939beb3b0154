"""Forms of incidents: the report, the case page's actions, and the record pages."""

from incidents.forms.case import (
    ActionForm,
    AssignForm,
    CheckForm,
    CloseForm,
    ConfirmRemovalForm,
    EscalateForm,
    EvidenceForm,
    IctActionForm,
    LinkPupilForm,
    LinkStaffForm,
    NoteForm,
    PoliceForm,
    ReferForm,
    ReopenForm,
    RequestRemovalForm,
    SeverityForm,
    SupportForm,
    TakedownOpenForm,
    WithdrawTakedownForm,
)
from incidents.forms.records import InspectionPackForm, ModerationForm, PlatformForm, QueueFilterForm
from incidents.forms.report import ReportForm
from incidents.forms.takedowns import ReferenceStepForm

__all__ = [
    "ActionForm",
    "AssignForm",
    "CheckForm",
    "CloseForm",
    "ConfirmRemovalForm",
    "EscalateForm",
    "EvidenceForm",
    "IctActionForm",
    "InspectionPackForm",
    "LinkPupilForm",
    "LinkStaffForm",
    "ModerationForm",
    "NoteForm",
    "PlatformForm",
    "PoliceForm",
    "QueueFilterForm",
    "ReferForm",
    "ReferenceStepForm",
    "ReopenForm",
    "ReportForm",
    "RequestRemovalForm",
    "SeverityForm",
    "SupportForm",
    "WithdrawTakedownForm",
    "TakedownOpenForm",
]
