"""The post approval form (004 §2, §5): the account, the text, the pupils shown (listed a class at a
time), and the photos and videos."""

from __future__ import annotations

from copy import copy

from django import forms
from django.db.models import Q

from accounts.models import Pupil, YearGroup
from accounts.roles import Action
from approvals.forms.base import RequestForm, is_uuid
from approvals.forms.fields import MultipleFileField, PupilsChoice
from approvals.models import OfficialAccount, PostMedia, PostRequest
from approvals.services.posts import check_post_media, post_media_add, post_media_remove
from core.forms import date_field


class PostForm(RequestForm):
    intro = (
        "Posts on the school's accounts are approved by the marketing officer before they are posted. Every "
        "pupil shown must have photo consent for this use. Use first names or initials only, never a pupil's "
        "full name."
    )
    policy = "Aspire policy 004 §2 and §5; LCSSPAN policy 001 §13.1"
    future_dates = {"post_on": "date you would like it posted"}

    pupil_group = forms.ChoiceField(
        label="List the pupils of",
        required=False,
        help_text="Choose a class or year group and select “List these pupils” to choose pupils from it.",
    )
    media = MultipleFileField(
        label="Photos and videos",
        required=False,
        help_text="JPEG, PNG, GIF, WebP or HEIC photos, or MP4, MOV or WebM videos. You can choose several.",
    )
    post_on = date_field(
        "When you would like it posted",
        name="date you would like it posted",
        required=False,
        help_text="Leave blank to post as soon as it is approved.",
    )

    class Meta:
        model = PostRequest
        fields = ["account", "text", "pupil_group", "pupils", "media", "post_on"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = OfficialAccount.objects.filter(
            school=self.school, status=OfficialAccount.Status.ACTIVE
        ).filter(Q(moderator=self.user) | Q(administrators=self.user) | Q(authorised_posters=self.user))
        self.fields["account"].queryset = accounts.distinct().order_by("platform", "handle")
        self.fields["account"].empty_label = "Choose an account"
        self.fields["account"].help_text = "Only the accounts you are authorised to post on."
        self.fields["account"].error_messages["invalid_choice"] = (
            "Choose an account you are authorised to post on"
        )
        pupils = Pupil.objects.visible_to(self.user, Action.VIEW_PUPIL_DIRECTORY).filter(
            school=self.school, is_active=True
        )
        self.fields["pupils"] = PupilsChoice(
            queryset=pupils,
            required=False,
            label="Pupils shown",
            help_text="Everyone seen in the photos or videos. Their consent is checked before approval.",
        )
        self.fields["pupil_group"].choices = [("", "Choose a class or year group"), *self._groups()]
        self._list_pupils(pupils)
        if not self.instance._state.adding:
            existing = PostMedia.objects.filter(post=self.instance)
            if existing.exists():
                self.fields["remove_media"] = forms.ModelMultipleChoiceField(
                    queryset=existing,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    label="Remove photos or videos",
                )
                self.fields["remove_media"].label_from_instance = lambda m: m.original_name

    def _groups(self) -> list[tuple[str, str]]:
        rows = (
            Pupil.objects.filter(school=self.school, is_active=True)
            .values_list("year_group", "class_name")
            .distinct()
            .order_by("year_group", "class_name")
        )
        years = sorted({year for year, _ in rows})
        classes = sorted({klass for _, klass in rows if klass})
        return [(f"year:{y}", YearGroup(y).label) for y in years] + [
            (f"class:{c}", f"Class {c}") for c in classes
        ]

    def _list_pupils(self, pupils) -> None:
        field = self.fields["pupils"]
        group = (
            self.data.get(self.add_prefix("pupil_group"))
            if self.is_bound
            else self.initial.get("pupil_group")
        ) or ""
        if self.is_bound:
            chosen = [v for v in self.data.getlist(self.add_prefix("pupils")) if v]
        else:
            chosen = list(self.initial.get("pupils") or [])
        condition = Q(pk__in=[getattr(c, "pk", c) for c in chosen if is_uuid(getattr(c, "pk", c))])
        kind, _, value = group.partition(":")
        if kind == "year" and value.lstrip("-").isdigit():
            condition |= Q(year_group=int(value))
        elif kind == "class" and value:
            condition |= Q(class_name=value)
        listed = copy(field)
        listed.queryset = pupils.filter(condition).order_by("last_name", "first_name")
        field.widget.choices = listed.choices

    def clean_media(self):
        files = self.cleaned_data.get("media") or []
        errors = []
        for upload in files:
            try:
                check_post_media(upload)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            errors.append(forms.ValidationError("Choose the files again: a browser does not keep them."))
            raise forms.ValidationError(errors)
        return files

    def _post_clean(self):
        account = self.cleaned_data.get("account")
        if account is not None:
            self.instance.purpose = account.consent_purpose
        super()._post_clean()

    def after_save(self, detail) -> None:
        super().after_save(detail)
        if self.cleaned_data.get("remove_media"):
            post_media_remove(
                user=self.user, post=detail, media_ids=[m.pk for m in self.cleaned_data["remove_media"]]
            )
        if self.cleaned_data.get("media"):
            post_media_add(user=self.user, post=detail, files=self.cleaned_data["media"])
