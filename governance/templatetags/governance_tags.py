from django import template

from accounts import access
from accounts.roles import Action
from core.templatetags.dates import iso_date, iso_when
from governance.policies import versions_awaiting

register = template.Library()


@register.inclusion_tag("governance/partials/policy_prompt.html")
def policy_prompt(user):
    """The banner asking a member of staff to read the policies they have not acknowledged."""
    return {"versions": versions_awaiting(user) if user.is_authenticated else []}


@register.inclusion_tag("governance/partials/subject_access_link.html")
def subject_access_link(user, pupil):
    """A link to the pupil's subject access export, for the data protection officer only."""
    return {"pupil": pupil, "show": access.can(user, Action.EXPORT_SUBJECT_ACCESS, pupil)}


@register.filter
def export_cell(row: dict, key: str) -> str:
    """One cell of a subject access section's printed table: a value from the export, with
    timestamps written as people read them, yes/no for flags and lists joined."""
    value = row.get(key)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        return iso_when(text)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return iso_date(text)
    return text
