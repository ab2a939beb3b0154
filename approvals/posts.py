"""Post approval (004 §2 staff conduct, §5; 001 §13.1): the consent check of every pupil shown, the
criteria the marketing officer confirms, the surname check, the photos and videos, and the
takedown of approved posts when a parent withdraws consent."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action, Role
from approvals.models import (
    CRITERIA_FIELDS,
    OfficialAccount,
    PostMedia,
    PostPurpose,
    PostRequest,
    PostTakedownTask,
    State,
)
from core.audit import audit_record
from core.files import safe_download_name
from core.models import AuditEntry
from core.notifications import notify
from core.once import save_once
from core.uploads import check_upload

log = logging.getLogger(__name__)

# What a post's photo or video may be: checked from the file's bytes, never its name.
MEDIA_TYPES = {
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/heic": "HEIC photo",
    "video/mp4": "MP4 video",
    "video/quicktime": "QuickTime video",
    "video/webm": "WebM video",
}
DEFAULT_MAX_MEDIA_BYTES = 50 * 1024 * 1024
CRITERIA_MESSAGE = "Confirm that the post meets every one of the policy's criteria."
CONSENT_UNAVAILABLE = "The photo consent register cannot be checked just now, so no pupil can be shown yet."


@dataclass
class PupilConsent:
    """What the consent register says about one pupil shown in a post."""

    pupil: Pupil
    allowed: bool
    reason: str
    restrictions: list[str] = field(default_factory=list)


@dataclass
class PostCheck:
    """Everything the marketing officer needs to decide a post: blocking problems and flags."""

    consent: list[PupilConsent]
    consent_available: bool
    surname_flags: list[str]
    warnings: list[str]
    problems: list[str]

    @property
    def shown_problems(self) -> list[str]:
        """The problems besides the criteria, which the marketing officer ticks in the decision form."""
        return [p for p in self.problems if p != CRITERIA_MESSAGE]


def _consent_check(pupils: list[Pupil], purpose: str):
    """consent.selectors.consent_check for these pupils (one call), or None without the consent app."""
    try:
        from consent.selectors import consent_check
    except ImportError:
        log.warning("consent.selectors.consent_check is not available: posts showing pupils are blocked")
        return None
    return consent_check(pupils=pupils, purpose=purpose)


def _labels(verdict) -> list[str]:
    labels = getattr(verdict, "restriction_labels", None)
    if labels is not None:
        return list(labels)
    return [str(r).replace("_", " ").capitalize() for r in getattr(verdict, "restrictions", [])]


def _codes(verdict) -> set[str]:
    return {str(r).lower().replace(" ", "_") for r in getattr(verdict, "restrictions", [])}


def name_in_text(name: str, text: str) -> bool:
    """Does the name appear in the text as a whole word, whatever its case?"""
    name = (name or "").strip()
    if len(name) < 2:
        return False
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text or "", flags=re.IGNORECASE) is not None


def surname_parts(surname: str) -> list[str]:
    """The surname, and each part of a double-barrelled or two-word surname."""
    parts = [surname.strip()]
    pieces = [piece for piece in re.split(r"[\s\-]+", surname.strip()) if len(piece) >= 2]
    if len(pieces) > 1:
        parts += pieces
    return parts


def check_post(post: PostRequest) -> PostCheck:
    """Check a post against 004 §2 and §5: consent of every pupil shown, their names, the criteria."""
    pupils = sorted(post.pupils.all(), key=lambda p: (p.last_name, p.first_name))
    purpose_label = (
        PostPurpose(post.purpose).label.lower() if post.purpose in PostPurpose.values else post.purpose
    )
    consent: list[PupilConsent] = []
    problems: list[str] = []
    warnings: list[str] = []
    surname_flags: list[str] = []
    available = True
    if pupils:
        verdicts = _consent_check(pupils, post.purpose)
        if verdicts is None:
            available = False
            problems.append(CONSENT_UNAVAILABLE)
        else:
            for pupil in pupils:
                verdict = verdicts.get(pupil.pk)
                allowed = bool(verdict is not None and verdict.allowed)
                reason = getattr(verdict, "reason", "") or "No answer from a parent or carer"
                consent.append(PupilConsent(pupil, allowed, reason, _labels(verdict) if allowed else []))
                if not allowed:
                    problems.append(f"{pupil.full_name} has no consent for {purpose_label}: {reason}.")
                    continue
                codes = _codes(verdict)
                if "no_name" in codes and name_in_text(pupil.first_name, post.text):
                    problems.append(
                        f"{pupil.full_name}'s parent allows no name beside a photo: "
                        f"remove “{pupil.first_name}” from the text."
                    )
                if "group_shots_only" in codes:
                    warnings.append(f"{pupil.full_name} may appear in group shots only: check every photo.")
    for pupil in pupils:
        found = [part for part in surname_parts(pupil.last_name) if name_in_text(part, post.text)]
        if found:
            # 004 §5: full names are never used beside images of a pupil; 001 §13.1: first names or
            # initials only. A surname in the text therefore stops the approval.
            surname_flags.append(
                f"The text contains the surname of {pupil.full_name} (“{found[0]}”): use first names or "
                "initials only."
            )
    problems += surname_flags
    if post.account.status != OfficialAccount.Status.ACTIVE:
        problems.append(f"The account {post.account} is {post.account.get_status_display().lower()}.")
    if not post.criteria_confirmed:
        problems.append(CRITERIA_MESSAGE)
    return PostCheck(consent, available, surname_flags, warnings, problems)


def post_approval_problems(post: PostRequest) -> list[str]:
    """The reasons this post cannot be approved now (empty when it can)."""
    return check_post(post).problems


# --- writes ------------------------------------------------------------------------------------


def max_media_bytes() -> int:
    return int(getattr(settings, "PORTAL_POST_MEDIA_MAX_BYTES", DEFAULT_MAX_MEDIA_BYTES))


def check_post_media(upload: UploadedFile) -> str:
    """The file's real content type, or a ValidationError a person can act on."""
    return check_upload(
        upload,
        types=MEDIA_TYPES,
        max_bytes=max_media_bytes(),
        too_large="“{name}” is {size_mb:.1f} MB: photos and videos must be {limit_mb} MB or smaller.",
        bad_type=(
            "“{name}” is not a photo or a video. Upload a JPEG, PNG, GIF, WebP or HEIC photo, or an MP4, "
            "MOV or WebM video."
        ),
    )


def post_media_add(*, user: User, post: PostRequest, files: list[UploadedFile]) -> list[PostMedia]:
    """Store the post's photos and videos privately, checked by their content and hashed."""
    if post.request.requester_id != user.pk:
        raise PermissionDenied
    added = []
    for upload in files:
        content_type = check_post_media(upload)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        media = PostMedia(
            post=post,
            original_name=safe_download_name(upload.name)[:200],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
        )
        media.file.save("upload", upload, save=False)
        media.save()
        audit_record(verb=AuditEntry.Verb.CREATE, obj=media, school_id=post.request.school_id)
        added.append(media)
    return added


def post_media_remove(*, user: User, post: PostRequest, media_ids) -> int:
    """Remove photos or videos from the requester's own post (the files go with them)."""
    if post.request.requester_id != user.pk:
        raise PermissionDenied
    removed = 0
    for media in post.media.filter(pk__in=list(media_ids)):
        audit_record(
            verb=AuditEntry.Verb.DELETE, obj=media, school_id=post.request.school_id,
            changes={"sha256": [media.sha256, None]},
        )  # fmt: skip
        name = media.file.name
        storage = media.file.storage
        media.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        removed += 1
    return removed


@transaction.atomic
def post_criteria_confirm(*, user: User, post: PostRequest, values: dict[str, bool]) -> PostRequest:
    """The marketing officer records which of the policy's criteria the post meets."""
    request = post.request
    if request.requester_id == user.pk:
        raise ValidationError("You cannot decide your own request.")
    if not access.can(user, Action.DECIDE_AS_MARKETING, request):
        raise PermissionDenied
    for name in CRITERIA_FIELDS:
        setattr(post, name, bool(values.get(name)))
    post.criteria_confirmed_by = user
    post.criteria_confirmed_at = timezone.now()
    post.save(update_fields=[*CRITERIA_FIELDS, "criteria_confirmed_by", "criteria_confirmed_at"])
    audit_record(
        verb=AuditEntry.Verb.UPDATE,
        obj=request,
        changes={"criteria": [None, [n for n in CRITERIA_FIELDS if values.get(n)]]},
    )
    return post


def post_takedowns_open(
    *, pupil: Pupil, purpose: str, academic_year: str, withdrawn_by=None
) -> list[PostTakedownTask]:
    """Consent for a purpose was withdrawn: every approved post showing the pupil for it is taken down.

    Posts of every year count: the withdrawal says the pupil must no longer be shown, and a post
    stays visible long after the year it was approved in.
    """
    if purpose not in PostPurpose.values:
        return []
    posts = (
        PostRequest.objects.filter(request__state=State.APPROVED, purpose=purpose, pupils=pupil)
        .select_related("request", "account")
        .distinct()
    )
    tasks = []
    for post in posts:
        with transaction.atomic():
            task = PostTakedownTask(
                school_id=post.request.school_id,
                post=post,
                pupil=pupil,
                purpose=purpose,
                academic_year=academic_year,
                withdrawn_by=withdrawn_by,
            )
            if not save_once(task):
                # Already open for this post and pupil: the earlier task stands.
                continue
            audit_record(verb=AuditEntry.Verb.CREATE, obj=task, school_id=task.school_id, actor=withdrawn_by)
            for person in _takedown_people(post):
                notify(
                    user=person,
                    subject=f"Take down post {post.request.reference}: photo consent was withdrawn",
                    body=(
                        f"Consent for {PostPurpose(purpose).label.lower()} was withdrawn for "
                        f"{pupil.full_name} ({academic_year}). The approved post "
                        f"{post.request.reference} on {post.account} shows them: remove it, or the photo "
                        "of them, and record it."
                    ),
                    link=reverse("approvals:detail", args=[post.request_id]),
                )
        tasks.append(task)
    return tasks


def _takedown_people(post: PostRequest) -> list[User]:
    people = list(access.holders_of_role(Role.MARKETING_OFFICER, post.request.school_id))
    if post.purpose == PostPurpose.TRUST_SOCIAL_MEDIA:
        people += list(access.holders_of_role(Role.DIRECTOR_OF_MARKETING, post.request.school_id))
    return list({p.pk: p for p in people}.values())


@transaction.atomic
def post_takedown_done(*, user: User, task: PostTakedownTask, note: str) -> PostTakedownTask:
    """Record that the post (or the pupil's photo in it) was taken down."""
    task = PostTakedownTask.objects.select_for_update().get(pk=task.pk)
    if not access.can(user, Action.MODERATE_ACCOUNTS, task):
        raise PermissionDenied
    if task.done_at:
        raise ValidationError("This takedown is already recorded.")
    if not note.strip():
        raise ValidationError({"note": "Say what was taken down, and where."})
    task.done_at = timezone.now()
    task.done_by = user
    task.note = note.strip()
    task.save(update_fields=["done_at", "done_by", "note"])
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=task, changes={"done_at": [None, task.done_at.isoformat()]})
    return task
