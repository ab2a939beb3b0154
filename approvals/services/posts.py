"""Writes of post approval (004 §2 staff conduct, §5): the photos and videos, the criteria the
marketing officer confirms, and the takedown of approved posts when a parent withdraws consent (the
check of consent and names before approval is a read: approvals.selectors.posts)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action
from approvals.models import (
    CRITERIA_FIELDS,
    PostMedia,
    PostPurpose,
    PostRequest,
    PostTakedownTask,
    State,
)
from approvals.selectors.requests import may_take
from core.audit import audit_record
from core.files import safe_download_name
from core.models import AuditEntry
from core.notifications import notify
from core.once import save_once
from core.uploads import check_upload

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
    # The marketing officer, or whoever decides in their place when the post is their own.
    if not any(may_take(user, request, step) for step in request.workflow.steps):
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
    people = list(access.marketing_officers_of(post.request.school_id))
    if post.purpose == PostPurpose.TRUST_SOCIAL_MEDIA:
        people += list(access.directors_of_marketing_of(post.request.school_id))
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
