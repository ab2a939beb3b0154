"""The post check (004 §2 staff conduct, §5; 001 §13.1): the consent of every pupil shown, their
names in the text, the account and the criteria the marketing officer confirms."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from accounts.models import Pupil
from approvals.models import OfficialAccount, PostPurpose, PostRequest
from consent.selectors import consent_check

log = logging.getLogger(__name__)


CRITERIA_MESSAGE = "Confirm that the post meets every one of the policy's criteria."


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
    surname_flags: list[str]
    warnings: list[str]
    problems: list[str]

    @property
    def shown_problems(self) -> list[str]:
        """The problems besides the criteria, which the marketing officer ticks in the decision form."""
        return [p for p in self.problems if p != CRITERIA_MESSAGE]


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
    if pupils:
        verdicts = consent_check(pupils=pupils, purpose=post.purpose)
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
    return PostCheck(consent, surname_flags, warnings, problems)


def post_approval_problems(post: PostRequest) -> list[str]:
    """The reasons this post cannot be approved now (empty when it can)."""
    return check_post(post).problems
