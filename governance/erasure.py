"""Erasure that is carried out: an "erase" decision on a listed record (retention), or a pupil's
request to have their data erased, removes or irreversibly anonymises the personal data of every
record type registered for retention and deletes their files (each app's ``erase`` hook does the
work for its own records, see core.registries.RetentionType and core.erasure).

What remains is the erasure certificate: an audit entry saying what kinds of record, how many rows
and files, when, by whom and under which rule, and nothing of what was erased."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action
from core import registries
from core.audit import audit_record
from core.erasure import ERASED, erase_audit_entries
from core.models import AuditEntry
from governance import subject_access
from governance.models import RetentionReview, RetentionRule

CERTIFICATE = "governance.erasurecertificate"
ON_REQUEST = "The person's request to have their data erased (UK GDPR Article 17)"


class ErasureConflict(Exception):
    """The records to erase name the officer who asked for the erasure."""


def _holds_about(kind, pupil: Pupil) -> bool:
    """Does a record type hold any row about the pupil (through its models' links to pupils)?"""
    for model in kind.models:
        links = [
            field.name
            for field in model._meta.get_fields()
            if (field.many_to_one or field.many_to_many) and field.related_model is Pupil
        ]
        if any(model.objects.filter(**{link: pupil}).exists() for link in links):
            return True
    return False


def _certificate(
    *, user: User, school_id, rule: str, kinds: list[str], counts: Counter, kept: list[str] | None = None
) -> AuditEntry:
    rows = {key: value for key, value in sorted(counts.items()) if key != "files"}
    return audit_record(
        verb=AuditEntry.Verb.DELETE,
        object_type=CERTIFICATE,
        object_repr="Erasure certificate",
        school_id=school_id,
        actor=user,
        changes={
            "record types": kinds,
            "rule": rule,
            "rows": rows,
            "files deleted": counts.get("files", 0),
            **({"kept": kept} if kept else {}),
        },
    )


@transaction.atomic
def retention_review_erase(*, user: User, review: RetentionReview) -> AuditEntry:
    """Carry out an erase decision on a listed record; returns the erasure certificate."""
    if not access.can(user, Action.MANAGE_RETENTION, review):
        raise PermissionDenied
    kind = registries.retention_types.get(review.record_type)
    if kind.erase is None:
        raise ValueError(f"{kind.label} cannot be erased")
    counts = Counter(kind.erase(review.object_id))
    rule = RetentionRule.objects.filter(trust_id=review.trust_id, record_type=kind.key).first()
    years = rule.years if rule is not None else kind.default_years
    basis = dict(RetentionRule.Basis.choices)[kind.basis].lower()
    # The review's label and its audit entries may identify the record (a pupil's MIS id).
    RetentionReview.objects.filter(pk=review.pk).update(object_label=ERASED)
    counts["core.auditentry"] += erase_audit_entries(
        object_type="governance.retentionreview", object_ids=[review.pk]
    )
    return _certificate(
        user=user,
        school_id=review.school_id,
        rule=f"Retention: {kind.label}, kept {years} years {basis}; review {review.pk}",
        kinds=[kind.label],
        counts=counts,
    )


@transaction.atomic
def pupil_erase(*, user: User, pupil: Pupil) -> AuditEntry:
    """Erase everything the portal holds about a pupil, on their request; returns the certificate.

    Each record type erases what it holds about the pupil in the registry's order; the pupil's own
    record (accounts) is registered last, so the others still find the pupil by their links."""
    if not access.can(user, Action.MANAGE_RETENTION, pupil):
        raise PermissionDenied
    if subject_access.is_conflicted(user=user, pupil=pupil):
        raise ErasureConflict
    counts: Counter = Counter()
    kinds, kept = [], []
    # Records the law requires to be kept (safeguarding) stay, whoever asks, and so does the
    # pupil's own record while they name the pupil: both are erased by the retention schedule.
    must_keep = [
        kind for kind in registries.retention_types if kind.kept_on_request and _holds_about(kind, pupil)
    ]
    for kind in must_keep:
        kept.append(f"{kind.label}: {kind.kept_on_request}")
    for kind in registries.retention_types:
        if kind.erase_pupil is None or kind.kept_on_request:
            continue
        if kind.identity and must_keep:
            kept.append(f"{kind.label}: kept while the records above name the pupil.")
            continue
        erased = kind.erase_pupil(pupil)
        counts.update(erased)
        if any(erased.values()):
            kinds.append(kind.label)
    return _certificate(
        user=user, school_id=pupil.school_id, rule=ON_REQUEST, kinds=kinds, counts=counts, kept=kept
    )
