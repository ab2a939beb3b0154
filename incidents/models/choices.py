"""The choices of incidents: kinds of report, the natures of unacceptable content, severity, the
states of an incident (their transitions are declared in incidents.workflows) and the handling
actions."""

from __future__ import annotations

from django.db import models

from accounts.roles import Action


class Kind(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Online safeguarding concern"
    CYBERBULLYING_PUPIL = "cyberbullying_pupil", "Cyberbullying of a pupil"
    CYBERBULLYING_STAFF = "cyberbullying_staff", "Cyberbullying of a member of staff"
    PUPIL_CONTACT = "pupil_contact", "Contact from a pupil on social media"
    UNDER_AGE = "under_age", "Pupil on a platform below its minimum age"
    STAFF_CONDUCT = "staff_conduct", "Concern about a member of staff's online conduct"
    INAPPROPRIATE_CONTENT = (
        "inappropriate_content",
        "Inappropriate content seen or accessed on a school device",
    )
    ABUSIVE_COMMENT = "abusive_comment", "Abusive comment on a school account"
    MEDIA_ENQUIRY = "media_enquiry", "Media enquiry received through social media"


class Nature(models.TextChoices):
    """Unacceptable content (000 §4.2)."""

    ABUSIVE = "abusive", "Abusive"
    COMMERCIALLY_SENSITIVE = "commercially_sensitive", "Commercially sensitive"
    CONFIDENTIAL = "confidential", "Confidential"
    DEFAMATORY = "defamatory", "Defamatory"
    DISCRIMINATORY = "discriminatory", "Discriminatory"
    FRAUDULENT = "fraudulent", "Fraudulent"
    COPYRIGHT = "copyright", "In violation of copyright laws"
    INDECENT = "indecent", "Indecent"
    BULLYING = "bullying", "Likely to be considered bullying or victimisation"
    HARASSMENT = "harassment", "Likely to be considered harassment (related to protected characteristics)"
    OFFENSIVE_LIKELY = "offensive_likely", "Likely to be considered offensive"
    REPUTATIONAL = "reputational", "Likely to cause reputational damage"
    IDENTIFIES = "identifies", "Likely to identify an individual, without the permission of the individual"
    VIOLENCE = "violence", "Likely to promote violence or terrorism"
    MALICIOUS = "malicious", "Malicious"
    MISLEADING = "misleading", "Misleading"
    OBSCENE = "obscene", "Obscene"
    OFFENSIVE = "offensive", "Offensive (for example, racially, religiously, sexually or politically)"
    PORNOGRAPHIC = "pornographic", "Pornographic"
    UNLAWFUL = "unlawful", "Unlawful"
    SAFEGUARDING = "safeguarding", "Raises a safeguarding concern"


class Severity(models.IntegerChoices):
    # Higher is more urgent; the queue sorts on it.
    UNSET = 0, "Not yet assessed"
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


# The actions that can govern an incident's handling (see incidents.services.routing).
HANDLER_ACTIONS = (
    Action.TRIAGE_INCIDENTS,
    Action.HANDLE_STAFF_CONDUCT,
    Action.HANDLE_HEADTEACHER_CONDUCT,
    Action.RECORD_ICT_ACTIONS,
    Action.MODERATE_ACCOUNTS,
    Action.HANDLE_MEDIA_ENQUIRIES,
)
