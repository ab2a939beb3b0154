"""Erasure: the one narrow way personal data leaves rows that are otherwise never changed.

Audit entries, incident events, takedown steps, evidence rows and approval steps are append-only:
the database refuses to update them (or soon will), and the application's role holds no UPDATE
privilege on them. An erasure still has to remove the personal data they hold. It does so
through one function owned by the tables' owner
(``portal_erase_rows``, governance migration 0011, SECURITY DEFINER) that knows, for each kind of
row, which columns are personal and what they become; it sets ``portal.erasure`` for the length
of its own update, and the append-only triggers let an UPDATE through only while that is set. The
application can call it with ids and nothing else: it cannot choose a column or a value, so it
cannot use the path to rewrite a record.

SQLite (``make run``) has neither roles nor session settings: a row of ``portal_erasure_in_progress``
stands for the setting while the same updates run, and its triggers look for it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models, transaction

from core.models import AuditEntry

ERASED = "(erased)"

# Kept the same as the function in governance migration 0011: what each kind of row loses.
ERASABLE: dict[str, tuple[str, str]] = {
    "audit_entry": ("governance_auditentry", f"object_repr = '{ERASED}', changes = '{{}}'"),
    "audit_actor": ("governance_auditentry", f"actor_label = '{ERASED}', ip_address = NULL, user_agent = ''"),
    "incident_event": ("incidents_incidentevent", f"text = '{ERASED}', data = '{{}}'"),
    "takedown_step": ("incidents_takedownstep", f"note = '{ERASED}', reference = '', data = '{{}}'"),
    "evidence": ("incidents_evidence", f"original_name = '{ERASED}', source_url = ''"),
    "approval_step": ("approvals_approvalstep", f"comment = '{ERASED}'"),
    "request_version": ("approvals_requestversion", f"title = '{ERASED}', rows = '[]'"),
}


def erase_append_only_rows(*, kind: str, ids: Iterable) -> int:
    """Remove the personal columns of append-only rows of one kind; returns how many changed."""
    ids = [str(pk) for pk in ids]
    if not ids:
        return 0
    if kind not in ERASABLE:
        raise ValueError(f"No erasure is declared for {kind!r}")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT portal_erase_rows(%s, %s)", [kind, ids])
            return cursor.fetchone()[0]
        table, assignments = ERASABLE[kind]
        cursor.execute("INSERT INTO portal_erasure_in_progress DEFAULT VALUES")
        try:
            placeholders = ", ".join(["%s"] * len(ids))
            # Table and columns come from ERASABLE above, never from input; the ids are bound.
            cursor.execute(  # nosemgrep: portal-raw-sql
                f"UPDATE {table} SET {assignments} WHERE CAST(id AS TEXT) IN ({placeholders})",  # noqa: S608  # nosec B608
                ids,
            )
            return cursor.rowcount
        finally:
            cursor.execute("DELETE FROM portal_erasure_in_progress")


def erase_audit_entries(*, object_type: str, object_ids: Iterable) -> int:
    """Remove what the audit entries about these records copied of them (their description and
    field values); who did what and when stays."""
    ids = AuditEntry.objects.filter(object_type=object_type, object_id__in=[str(pk) for pk in object_ids])
    return erase_append_only_rows(kind="audit_entry", ids=ids.values_list("pk", flat=True))


def erase_audit_actor(*, user_id) -> int:
    """Remove the email, address and browser the audit log kept of a person's own actions."""
    return erase_append_only_rows(
        kind="audit_actor", ids=AuditEntry.objects.filter(actor_id=user_id).values_list("pk", flat=True)
    )


def delete_files(rows: Iterable[models.Model], field: str = "file") -> int:
    """Delete each row's stored file once the transaction commits; returns how many there are."""
    stored = [getattr(row, field) for row in rows]
    stored = [(item.storage, item.name) for item in stored if item and item.name]

    def delete() -> None:
        for storage, name in stored:
            storage.delete(name)

    # After the commit: a rolled-back erasure leaves the record whole, files included.
    transaction.on_commit(delete)
    return len(stored)
