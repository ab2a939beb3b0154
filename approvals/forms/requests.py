"""The form of each kind of request (named by its declaration in approvals.kinds): one generic set of
views serves them all.

Each form edits its detail model (approvals.models), whose ``clean`` runs as part of the form's
validation, so a rule broken shows next to its field. Many-to-many fields and files are saved by
``after_save`` inside the service's transaction.
"""

from __future__ import annotations

from django import forms

from accounts.models import ParentLink, Pupil, User
from accounts.roles import Action
from approvals.forms.base import RequestForm, workforce
from approvals.forms.fields import PeopleChoice, PersonChoice
from approvals.models import (
    BlockedContentRequest,
    BrandingRequest,
    ConnectionRequest,
    Group,
    OfficialAccount,
    SiteCreationRequest,
)
from core.forms import date_field


def _groups_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=Group.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": f"Select at least one group for the {label.lower()}"},
    )


class SiteCreationForm(RequestForm):
    intro = (
        "Use of social media on behalf of the school must be approved before a site is set up. The "
        "marketing officer approves the aims, content and use of the school brand, then the headteacher "
        "gives final approval; a site using the trust's name or branding also needs the director of "
        "marketing and communications."
    )
    policy = "Aspire policy 004, Appendix C; LSEAT policy 000 §4.8 and §9.4"
    sections = [
        ("About the site", ["team", "department", "moderator", "platform", "handle", "trust_branded"]),
        ("Purpose and content", ["purpose", "description", "aims", "proposed_content"]),
        (
            "Proposed audience of the site",
            ["audience", "audience_pupil_ages", "audience_other_schools", "audience_other_details"],
        ),
        (
            "Proposed contributors to the site",
            [
                "contributors",
                "contributors_pupil_ages",
                "contributors_other_schools",
                "contributors_other_details",
            ],
        ),
        (
            "Administration of the site",
            ["administrators", "authorised_posters", "vetter_name", "vetter_role", "host", "go_live"],
        ),
        (
            "Contributors, consent and security",
            [
                "recruitment",
                "parental_consent",
                "security_measures",
                "official_email",
                "credentials_location",
            ],
        ),
    ]
    future_dates = {"go_live": "proposed date of going live"}

    audience = _groups_field("Proposed audience of the site")
    contributors = _groups_field("Proposed contributors to the site")
    go_live = date_field("Proposed date of going live", name="proposed date of going live")

    class Meta:
        model = SiteCreationRequest
        # Appendix C, in the paper form's order.
        fields = [
            "team",
            "department",
            "moderator",
            "platform",
            "handle",
            "trust_branded",
            "purpose",
            "description",
            "aims",
            "proposed_content",
            "audience",
            "audience_pupil_ages",
            "audience_other_schools",
            "audience_other_details",
            "contributors",
            "contributors_pupil_ages",
            "contributors_other_schools",
            "contributors_other_details",
            "administrators",
            "authorised_posters",
            "vetter_name",
            "vetter_role",
            "host",
            "go_live",
            "recruitment",
            "parental_consent",
            "security_measures",
            "official_email",
            "credentials_location",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "aims": forms.Textarea(attrs={"rows": 4}),
            "proposed_content": forms.Textarea(attrs={"rows": 4}),
            "audience_other_schools": forms.Textarea(attrs={"rows": 2}),
            "audience_other_details": forms.Textarea(attrs={"rows": 2}),
            "contributors_other_schools": forms.Textarea(attrs={"rows": 2}),
            "contributors_other_details": forms.Textarea(attrs={"rows": 2}),
            "recruitment": forms.Textarea(attrs={"rows": 3}),
            "parental_consent": forms.Textarea(attrs={"rows": 3}),
            "security_measures": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "team": "The team or group that will run the site.",
            "handle": "The account name starting with @, or the full web address starting with https://",
            "audience_pupil_ages": "If the audience includes pupils of the school, for example 9 to 11.",
            "audience_other_schools": "If the audience includes pupils from other schools, name the schools.",
            "audience_other_details": "If you selected Other, give details.",
            "contributors_pupil_ages": "If pupils of the school will contribute, for example 9 to 11.",
            "contributors_other_schools": "If pupils from other schools will contribute, name the schools.",
            "contributors_other_details": "If you selected Other, give details.",
            "trust_branded": "A site with the trust's name or logo also needs the director of marketing.",
            "vetter_name": "Needed if anyone other than school staff will contribute.",
            "vetter_role": "Their job role.",
            "parental_consent": "Needed if pupils will contribute.",
            "official_email": "A school or trust account, never a personal one (004 §2).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = workforce(self.school)
        self.fields["moderator"] = PersonChoice(
            queryset=staff,
            label="Moderator of site",
            empty_label="Choose a member of staff",
            error_messages={
                "required": "Choose the moderator of the site",
                "invalid_choice": "Choose a member of staff of the school",
            },
        )
        self.fields["administrators"] = PeopleChoice(
            queryset=staff,
            label="Names of administrators",
            help_text="The site must have at least two approved administrators.",
            error_messages={"required": "Choose at least two administrators"},
        )
        self.fields["authorised_posters"] = PeopleChoice(
            queryset=staff,
            required=False,
            label="Other staff authorised to post",
            help_text="Administrators may post. Only the people named here may post too (004 §2).",
        )

    def clean_administrators(self):
        admins = self.cleaned_data["administrators"]
        if len(admins) < 2:
            raise forms.ValidationError("Choose at least two administrators: the site must have two.")
        return admins

    def clean(self):
        cleaned = super().clean()
        handle, platform = cleaned.get("handle"), cleaned.get("platform")
        if handle and platform:
            taken = OfficialAccount.objects.filter(platform=platform, handle__iexact=handle.strip()).exclude(
                status=OfficialAccount.Status.CLOSED
            )
            if not self.instance._state.adding:
                taken = taken.exclude(site_request_id=self.instance.pk)
            if taken.exists():
                self.add_error("handle", "This account is already in the official accounts register.")
        return cleaned


class BrandingForm(RequestForm):
    intro = (
        "Permission is needed before trust or school branding is used in any form of social media. The "
        "director of marketing and communications decides first, then the headteacher."
    )
    policy = "LSEAT policy 000 §4.8 and §9.4"
    future_dates = {"start_date": "date it will first be used"}

    start_date = date_field("Date it will first be used", name="date it will first be used")
    end_date = date_field(
        "Date it will stop being used",
        name="date it will stop being used",
        required=False,
        help_text="Leave blank if it will be used until further notice.",
    )

    class Meta:
        model = BrandingRequest
        fields = ["brand", "platform", "where", "usage", "reason", "start_date", "end_date"]
        widgets = {
            "brand": forms.RadioSelect,
            "usage": forms.Textarea(attrs={"rows": 4}),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }


class ConnectionForm(RequestForm):
    intro = (
        "Staff must not make or accept invitations to connect with pupils or parents on social media "
        "unless there is a legitimate school reason, approved by the headteacher before the invitation is "
        "accepted. Use a professional profile, separate from your personal one."
    )
    policy = "LSEAT policy 000 §8.1; Aspire policy 004 §2"
    future_dates = {"until": "date the connection will end"}

    WITH = [("pupil", "A pupil"), ("parent", "A parent or carer")]
    with_whom = forms.ChoiceField(
        label="Who do you want to connect with?",
        choices=WITH,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you want to connect with a pupil or a parent"},
    )
    until = date_field(
        "Date the connection will end",
        name="date the connection will end",
        required=False,
        help_text="For example the end of the trip or project. Leave blank if it has no end date.",
    )

    class Meta:
        model = ConnectionRequest
        fields = ["with_whom", "pupil", "parent", "platform", "profile", "reason", "until"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"profile": "Your professional profile's name or address, never a personal account."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pupils = Pupil.objects.visible_to(self.user, Action.VIEW_PUPIL_DIRECTORY).filter(
            school=self.school, is_active=True
        )
        self.fields["pupil"].queryset = pupils.order_by("last_name", "first_name")
        self.fields["pupil"].label_from_instance = lambda p: (
            f"{p.last_name}, {p.first_name} ({p.get_year_group_display()})"
        )
        self.fields["pupil"].empty_label = "Choose a pupil"
        self.fields["pupil"].help_text = "If you are connecting with a pupil."
        parents = User.objects.filter(
            pk__in=ParentLink.objects.filter(pupil__school=self.school).values("parent_id"), is_active=True
        )
        self.fields["parent"].queryset = parents.order_by("full_name")
        self.fields["parent"].label_from_instance = lambda u: u.full_name or u.email
        self.fields["parent"].empty_label = "Choose a parent or carer"
        self.fields["parent"].help_text = "If you are connecting with a parent or carer."
        if self.instance._state.adding:
            # The member of staff asking is the one who would connect (000 §8.1).
            self.instance.staff_member = self.user
        elif not self.is_bound:
            self.initial["with_whom"] = "pupil" if self.instance.pupil_id else "parent"

    def clean(self):
        cleaned = super().clean()
        who = cleaned.get("with_whom")
        if who == "pupil":
            cleaned["parent"] = None
            if not cleaned.get("pupil"):
                self.add_error("pupil", "Choose the pupil you want to connect with")
        elif who == "parent":
            cleaned["pupil"] = None
            if not cleaned.get("parent"):
                self.add_error("parent", "Choose the parent or carer you want to connect with")
        return cleaned


class BlockedContentForm(RequestForm):
    intro = (
        "Ask for access to a site the school's filter blocks. The ICT technician assesses the request and "
        "the headteacher decides. Access is approved for a set time and ends by itself."
    )
    policy = "Aspire policy 004 §7 and Appendix A"
    future_dates = {"requested_start": "date access is needed from"}

    url = forms.URLField(
        label="Full URL",
        max_length=2000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
        help_text="The full address, for example https://www.example.com/page",
        error_messages={
            "required": "Enter the full web address of the site",
            "invalid": "Enter the full web address, for example https://www.example.com/page",
        },
    )
    requested_start = date_field("Access needed from", name="date access is needed from")
    requested_end = date_field("Access needed until", name="date access is needed until")

    class Meta:
        model = BlockedContentRequest
        fields = [
            "url",
            "site_content",
            "reasons",
            "risks_and_controls",
            "sensitive_category",
            "requested_start",
            "requested_end",
        ]
        widgets = {
            "site_content": forms.Textarea(attrs={"rows": 3}),
            "reasons": forms.Textarea(attrs={"rows": 4}),
            "risks_and_controls": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "site_content": "What the site contains.",
            "risks_and_controls": "What could go wrong, and how you will prevent it (supervision, limits).",
        }
