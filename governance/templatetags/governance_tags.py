from django import template

from governance.policies import versions_awaiting

register = template.Library()


@register.inclusion_tag("governance/partials/policy_prompt.html")
def policy_prompt(user):
    """The banner asking a member of staff to read the policies they have not acknowledged."""
    return {"versions": versions_awaiting(user) if user.is_authenticated else []}
