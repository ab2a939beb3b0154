"""004 §2 staff conduct and §5: a post for an official account, its photos and videos, and the
criteria the marketing officer confirms."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import Pupil
from approvals.models.choices import PostPurpose
from approvals.models.core import ApprovalRequest
from approvals.models.details import _yes_no
from core.dates import long_date

# The criteria of 004 §2 ("Staff conduct") that the marketing officer confirms for every post.
POST_CRITERIA = [
    ("criterion_reputation", "The post does not risk bringing the school into disrepute."),
    (
        "criterion_neutral",
        "The post only expresses neutral opinions and does not include any personal views.",
    ),
    ("criterion_language", "The post uses appropriate and school-friendly language."),
    (
        "criterion_sensitive",
        "The post is sensitive towards those who will read it and uses particularly neutral and "
        "sensitive language when discussing something that may be controversial to some.",
    ),
    (
        "criterion_not_offensive",
        "The post does not contain any wording or content that could be construed as offensive.",
    ),
    (
        "criterion_not_political",
        "The post does not take a side in any political debate or express political opinions.",
    ),
    ("criterion_lawful", "The post does not contain any illegal or unlawful content."),
]
CRITERIA_FIELDS = [name for name, _label in POST_CRITERIA]


class PostRequest(models.Model):
    """004 §2 staff conduct, §5: a post for an official account, approved by the marketing officer."""

    request = models.OneToOneField(
        ApprovalRequest, on_delete=models.CASCADE, primary_key=True, related_name="post"
    )
    account = models.ForeignKey(
        "approvals.OfficialAccount",
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name="Official account",
    )
    text = models.TextField("Text of the post")
    purpose = models.CharField("Consent needed for", max_length=30, choices=PostPurpose.choices)
    pupils = models.ManyToManyField(Pupil, blank=True, related_name="+", verbose_name="Pupils shown")
    post_on = models.DateField("When you would like it posted", null=True, blank=True)
    criterion_reputation = models.BooleanField(POST_CRITERIA[0][1], default=False)
    criterion_neutral = models.BooleanField(POST_CRITERIA[1][1], default=False)
    criterion_language = models.BooleanField(POST_CRITERIA[2][1], default=False)
    criterion_sensitive = models.BooleanField(POST_CRITERIA[3][1], default=False)
    criterion_not_offensive = models.BooleanField(POST_CRITERIA[4][1], default=False)
    criterion_not_political = models.BooleanField(POST_CRITERIA[5][1], default=False)
    criterion_lawful = models.BooleanField(POST_CRITERIA[6][1], default=False)
    criteria_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    criteria_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.make_title()

    def make_title(self) -> str:
        return f"Post on {self.account}"[:200]

    @property
    def criteria_confirmed(self) -> bool:
        return all(getattr(self, name) for name in CRITERIA_FIELDS)

    def forget_decisions(self) -> None:
        """A changed post is checked against the criteria again."""
        for name in CRITERIA_FIELDS:
            setattr(self, name, False)
        self.criteria_confirmed_by = None
        self.criteria_confirmed_at = None

    def clean(self) -> None:
        super().clean()
        request = getattr(self, "request", None)
        if not self.account_id or request is None:
            return
        account = self.account
        if account.school_id != request.school_id:
            raise ValidationError({"account": "Choose an official account of the school."})
        if account.status != "active":
            raise ValidationError({"account": "This account is not active: posts cannot be made to it."})
        if not account.may_post(request.requester):
            raise ValidationError(
                {"account": "Only the account's administrators and authorised posters may post to it."}
            )
        self.purpose = account.consent_purpose

    def clean_related(self) -> None:
        """Every pupil shown belongs to the school."""
        if self.pupils.exclude(school_id=self.request.school_id).exists():
            raise ValidationError({"pupils": "Choose pupils of the school only."})

    def summary_rows(self) -> list[tuple[str, str]]:
        pupils = sorted(self.pupils.all(), key=lambda p: (p.last_name, p.first_name))
        media = list(self.media.all())
        return [
            ("Official account", str(self.account)),
            ("Text of the post", self.text),
            ("Pupils shown", ", ".join(p.full_name for p in pupils) or "None"),
            ("Consent needed for", self.get_purpose_display()),
            ("Photos and videos", ", ".join(m.original_name for m in media) or "None"),
            ("When to post", long_date(self.post_on) or "As soon as approved"),
        ] + [(label, self._criterion_text(name)) for name, label in POST_CRITERIA]

    def _criterion_text(self, name: str) -> str:
        # Until a decider has ticked the criteria, "No" would read as a finding that was never made.
        if self.criteria_confirmed_at is None:
            return "Not yet confirmed"
        return _yes_no(getattr(self, name))


def post_media_path(instance: PostMedia, filename: str) -> str:
    # Never the uploaded name: it may carry a pupil's name, and it is chosen by the uploader.
    return f"approvals/posts/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class PostMedia(models.Model):
    """A photo or video of a post, stored privately and served only through a permission check."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    post = models.ForeignKey(PostRequest, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=post_media_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def school_id(self):
        return self.post.request.school_id
