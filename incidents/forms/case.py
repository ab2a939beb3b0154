"""The forms on a handler's case page: each posts to its own URL and feeds one service."""

from __future__ import annotations

from django import forms

from accounts import access
from accounts.models import Pupil, User
from incidents.forms.fields import MultipleFileField, yes_no_field
from incidents.models import Incident, IncidentEvent, IncidentPerson, Severity
from incidents.services import routing
from incidents.services.evidence import check_evidence_file
from incidents.services.takedowns import ESCALATION_ROUTES


def _text(label: str, required_message: str = "", *, rows: int = 3, required: bool = True, **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=kwargs.pop("max_length", 5000),
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else {},
        **kwargs,
    )


def _line(label: str, *, max_length: int = 120, required: bool = False, required_message: str = "", **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={"required": required_message} if required_message else {},
        **kwargs,
    )


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(
        label="Severity",
        coerce=int,
        choices=[(value, label) for value, label in Severity.choices if value != Severity.UNSET],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how serious this is"},
    )
    reason = _text("Why (optional)", required=False, rows=2)


class HandlerChoice(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.full_name or user.email


class AssignForm(forms.Form):
    assignee = HandlerChoice(
        label="Assign to",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={
            "required": "Choose who to assign the case to",
            "invalid_choice": "Choose someone who handles this kind of concern at this school",
        },
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = routing.handlers_of(incident).order_by("full_name")


class NoteForm(forms.Form):
    text = _text("Note", "Enter the note", rows=4)


class ActionForm(forms.Form):
    text = _text(
        "Action taken",
        "Enter the action taken",
        rows=3,
        help_text="For example “Spoke to the pupil and their parent”.",
    )


class ReferForm(forms.Form):
    agency = forms.ChoiceField(
        label="Referred to",
        choices=IncidentEvent.Agency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who the referral was made to"},
    )
    reference = _line("Their reference (if given)")
    text = _text("Details (optional)", required=False, rows=2)


class PupilChoice(forms.ModelChoiceField):
    def label_from_instance(self, pupil: Pupil) -> str:
        return f"{pupil.last_name}, {pupil.first_name} ({pupil.get_year_group_display()})"


class LinkPupilForm(forms.Form):
    pupil = PupilChoice(
        label="Pupil",
        queryset=Pupil.objects.none(),
        empty_label="Choose a pupil",
        error_messages={"required": "Choose a pupil", "invalid_choice": "Choose a pupil at this school"},
    )
    role = forms.ChoiceField(
        label="How they are involved",
        choices=IncidentPerson.Role.choices,
        error_messages={"required": "Choose how the pupil is involved"},
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(
            school_id=incident.school_id, is_active=True
        ).order_by("last_name", "first_name")


class LinkStaffForm(forms.Form):
    """Name a member of staff in the case after it was reported (it may then go to the headteacher,
    or the chair of trustees; the person named no longer sees it)."""

    staff_member = HandlerChoice(
        label="Member of staff",
        queryset=User.objects.none(),
        empty_label="Choose a member of staff",
        error_messages={
            "required": "Choose a member of staff",
            "invalid_choice": "Choose a member of staff at this school",
        },
    )
    role = forms.ChoiceField(
        label="How they are involved",
        choices=IncidentPerson.Role.choices,
        initial=IncidentPerson.Role.SUBJECT,
        error_messages={"required": "Choose how the member of staff is involved"},
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the school's own staff: a posted id from elsewhere is not a valid choice.
        self.fields["staff_member"].queryset = access.staff_of([incident.school_id]).order_by("full_name")


class CloseForm(forms.Form):
    summary = _text("Summary", "Enter the summary", help_text="What happened and what was done.")
    decision = _text("Decision", "Enter the decision", rows=2)
    reasons = _text("Reasons for the decision", "Enter the reasons for the decision", rows=2)
    outcome = _text("Outcome", "Enter the outcome", rows=2)
    open_takedowns_reason = _text(
        "If a takedown is still open, why close the case now?",
        required=False,
        rows=2,
        help_text="Needed only while one of the case's takedowns is open.",
    )


class ReopenForm(forms.Form):
    reason = _text("Why are you reopening it?", "Enter why the incident is being reopened", rows=2)


class EvidenceForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        help_text="Screenshots, photos, PDFs or videos.",
        error_messages={"required": "Choose a file to add"},
    )
    source_url = forms.URLField(
        label="Address of the site (if known)",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter the address of the site, for example https://www.instagram.com/p/abc123"
        },
    )

    def clean_files(self):
        uploads = self.cleaned_data.get("files") or []
        errors = []
        for upload in uploads:
            try:
                check_evidence_file(upload)
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return uploads


class IctActionForm(forms.Form):
    action_taken = _text("Action taken", "Enter the action taken", rows=2)
    block_applied = _line(
        "Block applied (if any)",
        max_length=300,
        help_text="For example the address or category blocked in the filter.",
    )


class TakedownOpenForm(forms.Form):
    content_url = forms.URLField(
        label="Address of the content to be removed",
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "Enter the address of the content",
            "invalid": "Enter the address of the content, for example https://www.instagram.com/p/abc123",
        },
    )
    host = _line("Who hosts it (optional)", help_text="For example Instagram.")


class RequestRemovalForm(forms.Form):
    host = _line("Who was asked to remove it", required=True, required_message="Enter who hosts the content")
    reference = _line("Their reference (if given)")
    note = _text("Notes (optional)", required=False, rows=2)


class CheckForm(forms.Form):
    still_present = yes_no_field(
        "Is the content still there?", required_message="Select yes if the content is still there"
    )
    note = _text("Notes (optional)", required=False, rows=2)


class ConfirmRemovalForm(forms.Form):
    confirmed = forms.BooleanField(
        label="I have checked and the content has been removed",
        error_messages={"required": "Confirm that you have checked the content has been removed"},
    )
    note = _text("Notes (optional)", required=False, rows=2)


ROUTE_LABELS = {
    "helpline": "Professionals Online Safety Helpline",
    "report_harmful_content": "Report Harmful Content",
    "isp": "The internet service provider (ISP)",
}


class EscalateForm(forms.Form):
    route = forms.ChoiceField(
        label="Escalated to",
        choices=[(key, ROUTE_LABELS[key]) for key in ESCALATION_ROUTES],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the takedown was escalated to"},
    )
    reference = _line("Their reference (if given)")
    note = _text("Notes (optional)", required=False, rows=2)


class PoliceForm(forms.Form):
    consent_given = forms.BooleanField(
        label="The member of staff affected agrees to the report",
        required=False,
        help_text="Needed when the content is about a member of staff (001 §16.5).",
    )
    reference = _line("Police or CEOP reference (if given)")
    note = _text("Notes (optional)", required=False, rows=2)


class SupportForm(forms.Form):
    note = _text("Support offered", "Enter what support was offered", rows=2)


class WithdrawTakedownForm(forms.Form):
    note = _text(
        "Why the takedown is no longer needed (for example, the host amended the content)",
        "Enter why the takedown is no longer needed",
        rows=2,
    )
