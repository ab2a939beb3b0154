"""What an import would do (the preview) and doing it in batches (the apply)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.mis_import.columns import Contact, GoodRow, ReadResult, read_rows
from accounts.models import ImportRun, Membership, ParentLink, Pupil, School, User, YearGroup
from accounts.roles import Role
from core.dates import numeric_date
from core.models import AuditEntry

BATCH = 2000
LOOKUP_BATCH = 5000
# How much of each list the report keeps (the counts are always complete).
REPORT_LIMITS = {"rejected": 5000, "changed": 1000, "created": 200, "warnings": 2000}

# --- the plan: what applying would do ------------------------------------------------------------

PUPIL_FIELDS = ("first_name", "last_name", "date_of_birth", "year_group", "class_name", "is_active")
FIELD_LABELS = {
    "first_name": "first name",
    "last_name": "surname",
    "date_of_birth": "date of birth",
    "year_group": "year group",
    "class_name": "class",
    "is_active": "on roll",
}


@dataclass
class Plan:
    school: School
    read: ReadResult
    pupils_to_create: list[GoodRow] = field(default_factory=list)
    # (existing pupil id, row, {field: [old, new]})
    pupils_to_change: list[tuple] = field(default_factory=list)
    pupils_unchanged: int = 0
    # email → full name, for parents without an account yet
    parents_to_create: dict[str, str] = field(default_factory=dict)
    parents_found: dict[str, object] = field(default_factory=dict)
    links_to_create: int = 0
    links_to_change: int = 0
    links_unchanged: int = 0
    # Seconds per stage of applying it (empty for a preview).
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many rows, pupils, parents and links each outcome has."""
        return {
            "rows": self.read.total,
            "pupils_created": len(self.pupils_to_create),
            "pupils_changed": len(self.pupils_to_change),
            "pupils_unchanged": self.pupils_unchanged,
            "parents_created": len(self.parents_to_create),
            "parents_found": len(self.parents_found),
            "links_created": self.links_to_create,
            "links_changed": self.links_to_change,
            "links_unchanged": self.links_unchanged,
            "rejected": len(self.read.rejected),
            "warnings": len(self.read.warnings),
        }

    def report(self) -> dict:
        """What the page shows: the counts, and the rows rejected, changed and created."""
        return {
            "counts": self.counts(),
            "seconds": self.seconds,
            "rejected": self.read.rejected[: REPORT_LIMITS["rejected"]],
            "warnings": self.read.warnings[: REPORT_LIMITS["warnings"]],
            "changed": [
                {
                    "row": row.row,
                    "mis_id": row.mis_id,
                    "name": f"{row.first_name} {row.last_name}",
                    "changes": changes,
                }
                for _pk, row, changes in self.pupils_to_change[: REPORT_LIMITS["changed"]]
            ],
            "created": [
                {"row": row.row, "mis_id": row.mis_id, "name": f"{row.first_name} {row.last_name}"}
                for row in self.pupils_to_create[: REPORT_LIMITS["created"]]
            ],
        }


def _shown(name: str, value) -> str:
    """A pupil's field as the preview shows it."""
    if name == "year_group":
        return YearGroup(value).label
    if isinstance(value, date):
        return numeric_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def existing_users_by_email(emails: Iterable[str]) -> dict[str, object]:
    """User ids by lower-case email, for the addresses given (batched queries on the email index)."""
    emails = sorted(set(emails))
    found: dict[str, object] = {}
    for start in range(0, len(emails), LOOKUP_BATCH):
        batch = emails[start : start + LOOKUP_BATCH]
        rows = (
            User.objects.annotate(email_ci=Lower("email"))
            .filter(email_ci__in=batch)
            .values_list("email_ci", "pk")
        )
        found.update(dict(rows))
    return found


def make_plan(*, school: School, text: str, today: date) -> Plan:
    """Read the file and compare it with the portal: what would be created, changed and rejected."""
    read = read_rows(text, today=today)
    plan = Plan(school=school, read=read)
    existing = {
        row["mis_id"]: row
        for row in Pupil.objects.filter(school=school)
        .values("pk", "mis_id", *PUPIL_FIELDS)
        .iterator(chunk_size=5000)
    }
    pupil_ids: dict[str, object] = {}
    for good in read.rows:
        current = existing.get(good.mis_id)
        if current is None:
            plan.pupils_to_create.append(good)
            continue
        pupil_ids[good.mis_id] = current["pk"]
        wanted = {
            "first_name": good.first_name,
            "last_name": good.last_name,
            "date_of_birth": good.date_of_birth,
            "year_group": good.year_group,
            "class_name": good.class_name,
            "is_active": True,
        }
        changes = {
            FIELD_LABELS[name]: [_shown(name, current[name]), _shown(name, value)]
            for name, value in wanted.items()
            if current[name] != value
        }
        if changes:
            plan.pupils_to_change.append((current["pk"], good, changes))
        else:
            plan.pupils_unchanged += 1
    emails = {c.email for good in read.rows for c in good.contacts}
    plan.parents_found = existing_users_by_email(emails)
    for good in read.rows:
        for contact in good.contacts:
            if contact.email not in plan.parents_found and contact.email not in plan.parents_to_create:
                plan.parents_to_create[contact.email] = contact.full_name
    links = {
        (parent_id, pupil_id): (relationship, pr)
        for parent_id, pupil_id, relationship, pr in ParentLink.objects.filter(pupil__school=school)
        .values_list("parent_id", "pupil_id", "relationship", "parental_responsibility")
        .iterator(chunk_size=5000)
    }
    for good in read.rows:
        pupil_id = pupil_ids.get(good.mis_id)
        for contact in good.contacts:
            parent_id = plan.parents_found.get(contact.email)
            current = links.get((parent_id, pupil_id)) if parent_id and pupil_id else None
            if current is None:
                plan.links_to_create += 1
            elif current != (contact.relationship, contact.parental_responsibility):
                plan.links_to_change += 1
            else:
                plan.links_unchanged += 1
    return plan


# --- applying the plan ---------------------------------------------------------------------------


class _Progress:
    """Writes how far the import has got to its ImportRun row (committed, for the page to poll)."""

    def __init__(self, run: ImportRun, total: int):
        self.run = run
        self.done = 0
        # Seconds spent in each stage, kept with the result so a slow import can be explained.
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()
        ImportRun.objects.filter(pk=run.pk).update(total=total, done=0, heartbeat_at=timezone.now())

    def step(self, stage: str, count: int) -> None:
        """Record a batch done and the time its stage took."""
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 2)
        self._last = now
        self.done += count
        ImportRun.objects.filter(pk=self.run.pk).update(
            stage=stage, done=self.done, heartbeat_at=timezone.now()
        )


def _audit_entries(*, run: ImportRun, actor: User, verb: str, object_type: str, items) -> list[AuditEntry]:
    """Audit log rows for objects written in bulk (bulk inserts send no signals)."""
    path = reverse("accounts:import_run", args=[run.pk])
    return [
        AuditEntry(
            actor=actor,
            actor_label=actor.email,
            verb=verb,
            object_type=object_type,
            object_id=str(pk),
            object_repr=str(label)[:200],
            school_id=run.school_id,
            trust_id=run.school.trust_id,
            changes=changes,
            path=path[:300],
        )
        for pk, label, changes in items
    ]


def _unusable_password() -> str:
    """What make_password(None) stores (a password nobody can sign in with), far faster in bulk: the
    parent sets a real one through "Forgotten your password?"."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _batches(items: list, size: int = BATCH):
    """Split a list into batches."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply_plan(*, plan: Plan, run: ImportRun, actor: User) -> dict:
    """Write the plan in batches, each its own transaction, recording progress; returns the counts.

    Every insert tolerates a row that appeared since the plan was made (ON CONFLICT DO NOTHING,
    then a lookup), so an interrupted import is finished by running it again.
    """
    school = plan.school
    total = (
        len(plan.parents_to_create)
        + len(plan.pupils_to_create)
        + len(plan.pupils_to_change)
        + plan.links_to_create
        + plan.links_to_change
    )
    progress = _Progress(run, total)
    parent_ids = dict(plan.parents_found)

    # 1. Parents without an account: created with no usable password (they set one by reset).
    for batch in _batches(sorted(plan.parents_to_create.items())):
        with transaction.atomic():
            users = [
                User(email=email, full_name=name or email, password=_unusable_password())
                for email, name in batch
            ]
            User.objects.bulk_create(users, ignore_conflicts=True)
            created = existing_users_by_email(email for email, _ in batch)
            parent_ids.update(created)
            AuditEntry.objects.bulk_create(
                _audit_entries(
                    run=run,
                    actor=actor,
                    verb=AuditEntry.Verb.CREATE,
                    object_type="accounts.user",
                    items=[
                        (created[email], name or email, {"email": [None, email]}) for email, name in batch
                    ],
                )
            )
        progress.step("Creating parents' accounts", len(batch))

    # 2. Pupils: new ones created, changed ones updated.
    pupil_ids = dict(
        Pupil.objects.filter(school=school, mis_id__in=[r.mis_id for r in plan.read.rows]).values_list(
            "mis_id", "pk"
        )
    )
    for batch in _batches(plan.pupils_to_create):
        with transaction.atomic():
            pupils = [
                Pupil(
                    school=school,
                    mis_id=row.mis_id,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    date_of_birth=row.date_of_birth,
                    year_group=row.year_group,
                    class_name=row.class_name,
                )
                for row in batch
            ]
            Pupil.objects.bulk_create(pupils, ignore_conflicts=True)
            ids = dict(
                Pupil.objects.filter(school=school, mis_id__in=[r.mis_id for r in batch]).values_list(
                    "mis_id", "pk"
                )
            )
            pupil_ids.update(ids)
            AuditEntry.objects.bulk_create(
                _audit_entries(
                    run=run,
                    actor=actor,
                    verb=AuditEntry.Verb.CREATE,
                    object_type="accounts.pupil",
                    items=[
                        (
                            ids[row.mis_id],
                            f"{row.first_name} {row.last_name}",
                            {
                                "mis_id": [None, row.mis_id],
                                "year_group": [None, str(row.year_group)],
                                "class_name": [None, row.class_name],
                            },
                        )
                        for row in batch
                    ],
                )
            )
        progress.step("Adding pupils", len(batch))
    for batch in _batches(plan.pupils_to_change):
        with transaction.atomic():
            pupils = [
                Pupil(
                    pk=pk,
                    school=school,
                    mis_id=row.mis_id,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    date_of_birth=row.date_of_birth,
                    year_group=row.year_group,
                    class_name=row.class_name,
                    is_active=True,
                )
                for pk, row, _changes in batch
            ]
            Pupil.objects.bulk_update(pupils, list(PUPIL_FIELDS))
            AuditEntry.objects.bulk_create(
                _audit_entries(
                    run=run,
                    actor=actor,
                    verb=AuditEntry.Verb.UPDATE,
                    object_type="accounts.pupil",
                    items=[(pk, f"{row.first_name} {row.last_name}", changes) for pk, row, changes in batch],
                )
            )
        progress.step("Updating pupils", len(batch))

    # 3. Links between parents and pupils, and each linked parent's parent role in the school.
    existing_links = {
        (parent_id, pupil_id): (pk, relationship, pr)
        for pk, parent_id, pupil_id, relationship, pr in ParentLink.objects.filter(pupil__school=school)
        .values_list("pk", "parent_id", "pupil_id", "relationship", "parental_responsibility")
        .iterator(chunk_size=5000)
    }
    to_create: list[tuple[GoodRow, Contact]] = []
    to_change: list[tuple[object, GoodRow, Contact, tuple]] = []
    for row in plan.read.rows:
        for contact in row.contacts:
            key = (parent_ids[contact.email], pupil_ids[row.mis_id])
            current = existing_links.get(key)
            if current is None:
                to_create.append((row, contact))
            elif current[1:] != (contact.relationship, contact.parental_responsibility):
                to_change.append((current[0], row, contact, current[1:]))
    linked_parents = {parent_ids[c.email] for row in plan.read.rows for c in row.contacts}
    for batch in _batches(to_create):
        with transaction.atomic():
            links = [
                ParentLink(
                    parent_id=parent_ids[contact.email],
                    pupil_id=pupil_ids[row.mis_id],
                    relationship=contact.relationship,
                    parental_responsibility=contact.parental_responsibility,
                )
                for row, contact in batch
            ]
            ParentLink.objects.bulk_create(links, ignore_conflicts=True)
            AuditEntry.objects.bulk_create(
                _audit_entries(
                    run=run,
                    actor=actor,
                    verb=AuditEntry.Verb.CREATE,
                    object_type="accounts.parentlink",
                    items=[
                        (
                            link.pk,
                            f"{contact.email} — {link.get_relationship_display()} of {row.mis_id}",
                            {
                                "relationship": [None, link.relationship],
                                "parental_responsibility": [None, str(link.parental_responsibility)],
                            },
                        )
                        for link, (row, contact) in zip(links, batch, strict=True)
                    ],
                )
            )
        progress.step("Linking parents to pupils", len(batch))
    for batch in _batches(to_change):
        with transaction.atomic():
            links = [
                ParentLink(
                    pk=pk,
                    relationship=contact.relationship,
                    parental_responsibility=contact.parental_responsibility,
                )
                for pk, _row, contact, _old in batch
            ]
            ParentLink.objects.bulk_update(links, ["relationship", "parental_responsibility"])
            AuditEntry.objects.bulk_create(
                _audit_entries(
                    run=run,
                    actor=actor,
                    verb=AuditEntry.Verb.UPDATE,
                    object_type="accounts.parentlink",
                    items=[
                        (
                            pk,
                            f"{contact.email} of {row.first_name} {row.last_name}",
                            {
                                "relationship": [old[0], contact.relationship],
                                "parental_responsibility": [
                                    str(old[1]),
                                    str(contact.parental_responsibility),
                                ],
                            },
                        )
                        for pk, row, contact, old in batch
                    ],
                )
            )
        progress.step("Updating links", len(batch))
    has_role = set(
        Membership.objects.filter(school=school, role=Role.PARENT).values_list("user_id", flat=True)
    )
    needs_role = sorted(linked_parents - has_role, key=str)
    for batch in _batches(needs_role):
        with transaction.atomic():
            Membership.objects.bulk_create(
                [
                    Membership(user_id=pk, role=Role.PARENT, school=school, trust_id=school.trust_id)
                    for pk in batch
                ],
                ignore_conflicts=True,
            )
            # Bulk inserts send no signals: grant the parent role's permissions here.
            access.sync_permissions(batch)
        progress.step("Giving parents their role", 0)
    plan.seconds = progress.seconds
    return plan.counts()
