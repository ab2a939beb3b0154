"""Erasure of posts and connection requests naming pupils, when their retention period has ended
or a pupil's data is erased on request (the governance erasure service calls these through the
retention registry).

What stays is that a request of a kind was made at a school and decided on those dates. What goes
is what it showed or said: a post's text, the pupils shown, its photos and videos (deleted from
storage), a connection request's profile and reason, the comments on its timeline (append-only:
through core.erasure's one narrow path), the notes of the takedowns it caused, and what the audit
log copied of them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    ConnectionRequest,
    PostMedia,
    PostRequest,
    PostTakedownTask,
    RequestVersion,
    SignedRecord,
)
from core.erasure import ERASED, delete_files, erase_append_only_rows, erase_audit_entries


@transaction.atomic
def approval_request_erase(object_id: str) -> dict[str, int]:
    """Erase the personal data of one post or connection request; returns rows per model."""
    request = ApprovalRequest.objects.select_for_update().get(pk=object_id)
    media = list(PostMedia.objects.filter(post_id=request.pk))
    # The signed records are PDFs of what was approved, the personal data with them.
    signed = list(SignedRecord.objects.filter(request=request))
    posts = PostRequest.objects.filter(pk=request.pk)
    counts = {
        "approvals.postrequest": posts.update(text=ERASED),
        "approvals.postrequest_pupils": PostRequest.pupils.through.objects.filter(
            postrequest_id=request.pk
        ).delete()[0],
        "files": delete_files(media) + delete_files(signed),
        "approvals.postmedia": PostMedia.objects.filter(post_id=request.pk).update(original_name=ERASED),
        "approvals.connectionrequest": ConnectionRequest.objects.filter(pk=request.pk).update(
            profile=ERASED, reason=ERASED
        ),
        "approvals.posttakedowntask": PostTakedownTask.objects.filter(post_id=request.pk).update(note=""),
        "approvals.approvalstep": erase_append_only_rows(
            kind="approval_step",
            ids=ApprovalStep.objects.filter(request=request).values_list("pk", flat=True),
        ),
        "approvals.requestversion": erase_append_only_rows(
            kind="request_version",
            ids=RequestVersion.objects.filter(request=request).values_list("pk", flat=True),
        ),
    }
    audit = 0
    for object_type, ids in (
        ("approvals.approvalrequest", [request.pk]),
        ("approvals.postrequest", [request.pk]),
        ("approvals.connectionrequest", [request.pk]),
        ("approvals.postmedia", [row.pk for row in media]),
    ):
        audit += erase_audit_entries(object_type=object_type, object_ids=ids)
    counts["core.auditentry"] = audit
    return counts


def approvals_erase_pupil(pupil) -> dict[str, int]:
    """Erase every post showing the pupil and every request to connect with them, in full: their
    text may name the pupil anywhere."""
    ids = (
        ApprovalRequest.objects.filter(
            Q(post__pupils=pupil)
            | Q(connection__pupil=pupil)
            | Q(pk__in=PostTakedownTask.objects.filter(pupil=pupil).values("post_id"))
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    counts: dict[str, int] = {}
    for request_id in list(ids):
        for key, value in approval_request_erase(str(request_id)).items():
            counts[key] = counts.get(key, 0) + value
    return counts
