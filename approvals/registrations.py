"""What the approvals app tells the top layer (core.registries): its subject access sections."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from approvals import demo, figures
from approvals.models import ApprovalRequest, ConnectionRequest, PostRequest, PostTakedownTask, RequestType
from approvals.models.choices import PostPurpose
from approvals.services.erasure import approval_request_erase, approvals_erase_pupil
from core import registries
from core.calendar import reached_by, years_after


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def post_rows(pupil) -> list[dict]:
    """Posts for official accounts that show the pupil, whatever became of them."""
    return [
        {
            "reference": post.request.reference,
            "state": post.request.get_state_display(),
            "account": str(post.account),
            "purpose": post.get_purpose_display(),
            "text": post.text,
            "post_on": post.post_on.isoformat() if post.post_on else None,
            "submitted_at": _when(post.request.submitted_at),
            "decided_at": _when(post.request.decided_at),
        }
        for post in PostRequest.objects.filter(pupils=pupil)
        .select_related("request", "account")
        .order_by("request__created_at")
    ]


def connection_rows(pupil) -> list[dict]:
    """Requests by a member of staff to connect with the pupil on social media (004 §2)."""
    return [
        {
            "reference": connection.request.reference,
            "state": connection.request.get_state_display(),
            "staff_member": connection.staff_member.full_name,
            "platform": connection.get_platform_display(),
            "profile": connection.profile,
            "reason": connection.reason,
            "until": connection.until.isoformat() if connection.until else None,
            "submitted_at": _when(connection.request.submitted_at),
            "decided_at": _when(connection.request.decided_at),
        }
        for connection in ConnectionRequest.objects.filter(pupil=pupil)
        .select_related("request", "staff_member")
        .order_by("request__created_at")
    ]


def takedown_task_rows(pupil) -> list[dict]:
    """Posts to take down because consent for the pupil was withdrawn."""
    labels = dict(PostPurpose.choices)
    return [
        {
            "post": task.post.request.reference,
            "purpose": labels.get(task.purpose, task.purpose),
            "academic_year": task.academic_year,
            "created_at": _when(task.created_at),
            "done_at": _when(task.done_at),
            "done_by": task.done_by.full_name if task.done_by else "",
            "note": task.note,
        }
        for task in PostTakedownTask.objects.filter(pupil=pupil)
        .select_related("post__request", "done_by")
        .order_by("created_at")
    ]


def _request_chronology(record: str):
    def entries(rows: list[dict]) -> list[dict]:
        out = []
        for row in rows:
            if row["submitted_at"]:
                out.append(
                    {
                        "at": row["submitted_at"],
                        "type": "Submitted",
                        "by": "",
                        "text": "",
                        "record": f"{record} {row['reference']}",
                    }
                )
            if row["decided_at"]:
                out.append(
                    {
                        "at": row["decided_at"],
                        "type": row["state"],
                        "by": "",
                        "text": "",
                        "record": f"{record} {row['reference']}",
                    }
                )
        return out

    return entries


def _takedown_chronology(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        record = f"Post {row['post']}, take down"
        out.append(
            {
                "at": row["created_at"],
                "type": "Take down asked",
                "by": "Portal",
                "text": row["purpose"],
                "record": record,
            }
        )
        if row["done_at"]:
            out.append(
                {
                    "at": row["done_at"],
                    "type": "Taken down",
                    "by": row["done_by"],
                    "text": row["note"],
                    "record": record,
                }
            )
    return out


def requests_due(trust, years: int, today) -> list[registries.Due]:
    """Posts and connection requests that name pupils, made more than ``years`` years ago (a post's
    takedown tasks go with the post)."""
    requests = (
        ApprovalRequest.objects.filter(
            school__trust=trust,
            created_at__date__lte=reached_by(today, years),
            type__in=(RequestType.POST, RequestType.CONNECTION),
        )
        .filter(Q(post__pupils__isnull=False) | Q(connection__pupil__isnull=False))
        .distinct()
        .values("pk", "reference", "school_id", "created_at")
    )
    return [
        registries.Due(
            school_id=row["school_id"],
            object_id=str(row["pk"]),
            label=f"Request {row['reference']}",
            review_due=years_after(timezone.localtime(row["created_at"]).date(), years),
        )
        for row in requests
    ]


NAVIGATION = (
    (
        "inbox",
        "Approvals",
        "approvals:inbox",
        access.anyone_who(
            Action.DECIDE_AS_HEADTEACHER,
            Action.DECIDE_AS_MARKETING,
            Action.DECIDE_AS_DIRECTOR_OF_MARKETING,
            Action.RECORD_ICT_ACTIONS,
        ),
        130,
    ),
    ("requests", "Requests", "approvals:list", access.anyone_who(Action.REQUEST_APPROVAL), 140),
    (
        "accounts",
        "Official accounts",
        "approvals:account_list",
        access.anyone_who(Action.REQUEST_APPROVAL),
        150,
    ),
)


def register() -> None:
    registries.home_cards.register(
        registries.HomeCard(
            key="approvals.inbox",
            label="Approvals inbox",
            url_name="approvals:inbox",
            visible_to=access.anyone_who(Action.DECIDE_AS_HEADTEACHER),
            description="Requests waiting for your decision are in your approvals inbox: new social media "
            "sites, blocked content access, connection and branding requests.",
            order=20,
        )
    )
    registries.demo_records.register(
        registries.DemoRecords(key="approvals", seed=demo.seed_demo_records, order=30)
    )
    registries.register_navigation("approvals", NAVIGATION)
    registries.retention_types.register(
        registries.RetentionType(
            key="approval_records",
            label="Posts and connection requests naming pupils",
            basis="recorded",
            default_years=6,
            due=requests_due,
            models=(PostRequest, ConnectionRequest, PostTakedownTask),
            erase=approval_request_erase,
            erase_pupil=approvals_erase_pupil,
            order=30,
        )
    )
    sections = registries.subject_access_sections
    sections.register(
        registries.SubjectAccessSection(
            key="posts",
            title="Posts showing the pupil",
            export_for=post_rows,
            models=(PostRequest,),
            columns=(
                ("reference", "Reference"),
                ("account", "Account"),
                ("purpose", "Use"),
                ("state", "State"),
                ("post_on", "To be posted"),
                ("text", "Text"),
            ),
            chronology_for=_request_chronology("Post"),
            order=40,
        )
    )
    sections.register(
        registries.SubjectAccessSection(
            key="connection_requests",
            title="Requests by staff to connect with the pupil",
            export_for=connection_rows,
            models=(ConnectionRequest,),
            columns=(
                ("reference", "Reference"),
                ("staff_member", "Member of staff"),
                ("platform", "Platform"),
                ("state", "State"),
                ("until", "Until"),
                ("reason", "Reason"),
            ),
            chronology_for=_request_chronology("Connection request"),
            order=41,
        )
    )
    sections.register(
        registries.SubjectAccessSection(
            key="post_takedown_tasks",
            title="Posts taken down after consent was withdrawn",
            export_for=takedown_task_rows,
            models=(PostTakedownTask,),
            columns=(
                ("post", "Post"),
                ("purpose", "Use"),
                ("created_at", "Asked"),
                ("done_at", "Done"),
                ("note", "Note"),
            ),
            chronology_for=_takedown_chronology,
            order=42,
        )
    )
    registries.dashboard_figures.register(
        registries.DashboardFigure(
            key="approvals.waiting", label="Decisions waiting", counts=figures.waiting_counts, order=30
        )
    )
    registries.dashboard_figures.register(
        registries.DashboardFigure(
            key="approvals.account_reviews",
            label="Official accounts due for review",
            counts=figures.account_review_counts,
            order=40,
        )
    )
    for key, label, overdue, order in (
        (
            "decisions",
            "Requests waiting more than two working days for a decision",
            figures.overdue_decisions,
            30,
        ),
        (
            "access_endings",
            "Blocked content access past its end, not yet ended",
            figures.overdue_access_endings,
            40,
        ),
        (
            "account_reviews",
            "Official accounts past their annual review",
            figures.overdue_account_reviews,
            50,
        ),
    ):
        registries.deadline_counts.register(
            registries.DeadlineCount(key=key, label=label, overdue=overdue, order=order)
        )
