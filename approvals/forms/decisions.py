"""Forms of the case page: a decision on a request, the requester's own actions, the ICT technician's
filter record, and the register's actions."""

from __future__ import annotations

from django import forms

from approvals.models import CRITERIA_FIELDS, POST_CRITERIA, OfficialAccount
from approvals.services.blocked import blocked_sensitive_set
from approvals.services.posts import post_criteria_confirm
from approvals.workflows import REJECT, RETURN

COMMENT_HELP = "Your reasons. Required when you return or reject a request, and for some decisions."


class DecisionForm(forms.Form):
    """One decision: a forward step of the workflow the user may take now, return, or reject.

    Any step of the workflow is accepted as input, so a step the user may not take is refused by
    the service with its reason rather than as an unknown choice.
    """

    decision = forms.ChoiceField(
        label="What do you decide?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose your decision",
            "invalid_choice": "Choose one of the decisions listed",
        },
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=COMMENT_HELP,
        max_length=5000,
    )

    # The version the decider read: a decision is refused if the request has changed since.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "Open the request again and take your decision on what it says now"},
    )

    def __init__(self, *args, request_obj, available, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_obj = request_obj
        self.initial.setdefault("version", request_obj.version)
        ends = [(RETURN, "Return for changes"), (REJECT, "Reject")]
        field = self.fields["decision"]
        field.choices = [(s.name, s.label) for s in request_obj.workflow.steps] + ends
        field.widget.choices = [(s.name, s.label) for s in available] + ends

    def is_forward(self) -> bool:
        return self.cleaned_data.get("decision") not in (RETURN, REJECT)

    def before_step(self, *, user) -> None:
        """Record what the decision carries besides the step itself (nothing by default)."""


class PostDecisionForm(DecisionForm):
    """The marketing officer confirms the post meets the criteria of 004 §2 as part of approving it."""

    criteria = forms.MultipleChoiceField(
        label="The post meets these criteria",
        choices=POST_CRITERIA,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each one the post meets (Aspire policy 004 §2). All must be ticked to approve it.",
    )
    field_order = ["criteria", "decision", "comment", "version"]

    def __init__(self, *args, request_obj, **kwargs):
        super().__init__(*args, request_obj=request_obj, **kwargs)
        if not self.is_bound:
            post = request_obj.post
            self.initial["criteria"] = [name for name in CRITERIA_FIELDS if getattr(post, name)]

    def before_step(self, *, user) -> None:
        chosen = set(self.cleaned_data.get("criteria") or [])
        post_criteria_confirm(
            user=user, post=self.request_obj.post, values={name: name in chosen for name in CRITERIA_FIELDS}
        )


class BlockedDecisionForm(DecisionForm):
    """The ICT technician's assessment says whether the site is in a sensitive category (004 §7)."""

    sensitive_category = forms.BooleanField(
        label="The site is in a category blocked to keep pupils safe",
        required=False,
        help_text="Then the Designated Safeguarding Lead must agree before the headteacher decides.",
    )
    field_order = ["decision", "sensitive_category", "comment", "version"]

    def __init__(self, *args, request_obj, available, **kwargs):
        super().__init__(*args, request_obj=request_obj, available=available, **kwargs)
        if "ict_assess" not in {step.name for step in available}:
            del self.fields["sensitive_category"]
        elif not self.is_bound:
            self.initial["sensitive_category"] = request_obj.blocked_content.sensitive_category

    def before_step(self, *, user) -> None:
        if self.cleaned_data.get("decision") == "ict_assess" and "sensitive_category" in self.fields:
            blocked_sensitive_set(
                user=user, request=self.request_obj, sensitive=self.cleaned_data["sensitive_category"]
            )


class CommentForm(forms.Form):
    """An optional comment with the requester's own action (submit again, withdraw)."""

    comment = forms.CharField(
        label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class FilterRecordForm(forms.Form):
    """The ICT technician records a filter change made for an approved blocked content request."""

    def __init__(self, *args, detail=None, **kwargs):
        super().__init__(*args, **kwargs)
        if detail is not None and not self.is_bound:
            # Offer only the change that can be recorded next.
            wanted = "removed" if detail.filter_applied_at else "applied"
            field = self.fields["change"]
            field.choices = [(v, label) for v, label in field.choices if v == wanted]
            self.initial["change"] = wanted

    change = forms.ChoiceField(
        label="Filter change",
        choices=[
            ("applied", "I have applied the filter change"),
            ("removed", "I have removed the filter change"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you applied or removed the filter change"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example the filter rule changed, and for which users or devices.",
        max_length=5000,
    )


class AccountStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="What do you want to do?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to do with the account"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason"},
        max_length=5000,
    )

    LABELS = {
        OfficialAccount.Status.ACTIVE: "Make it active again",
        OfficialAccount.Status.SUSPENDED: "Suspend it (no posts until it is made active again)",
        OfficialAccount.Status.CLOSED: "Close it (for good)",
    }

    def __init__(self, *args, account: OfficialAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, label) for value, label in self.LABELS.items() if value != account.status
        ]


class AccountReviewForm(forms.Form):
    note = forms.CharField(
        label="What did the review find?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: purpose still met, administrators, posters and security checked.",
        error_messages={"required": "Say what the review found"},
        max_length=5000,
    )


class TakedownDoneForm(forms.Form):
    note = forms.CharField(
        label="What was taken down, and where?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was taken down, and where"},
        max_length=5000,
    )


class FilteringReviewForm(forms.Form):
    school = forms.ChoiceField(label="School")
    year = forms.ChoiceField(label="Academic year")

    def __init__(self, *args, schools, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(str(s.pk), s.name) for s in schools]
        self.fields["year"].choices = [(y, y) for y in years]
