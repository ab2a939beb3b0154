# ruff: noqa
# Targets for .semgrep/rules/portal-view-fetch-through-access.yml (semgrep --test). The rule runs
# on view modules only; semgrep --test checks this file whatever its name.
from django.shortcuts import get_object_or_404

from accounts import access
from accounts.roles import Action
from consent.models import Event
from governance.models import Policy, PolicyVersion
from incidents.models import Incident


def incident_detail(request, incident_id):
    # ruleid: portal-view-fetch-through-access
    incident = Incident.objects.get(pk=incident_id)
    # ruleid: portal-view-fetch-through-access
    incident = Incident.objects.select_related("school").get(pk=incident_id)
    # ruleid: portal-view-fetch-through-access
    incident = (
        Incident.objects.filter(school__trust=request.user.trust).select_related("school").get(pk=incident_id)
    )
    # ruleid: portal-view-fetch-through-access
    incident = get_object_or_404(Incident, pk=incident_id)
    # ok: portal-view-fetch-through-access
    incident = access.get_object_for(
        request.user, Incident.objects.all(), Action.TRIAGE_INCIDENTS, pk=incident_id
    )
    return incident


def event_detail(request, event_id):
    # ok: portal-view-fetch-through-access
    event = Event.objects.visible_to(request.user).select_related("created_by").get(pk=event_id)
    # ok: portal-view-fetch-through-access
    event = Event.objects.visible_to(request.user).get(pk=event_id)
    return event


def version_publish(request, version_id):
    # ok: portal-view-fetch-through-access
    return PolicyVersion.objects.select_related("policy").get(
        pk=version_id, policy__in=Policy.objects.visible_to(request.user, Action.MANAGE_POLICIES)
    )


def own_notification(request, notification_id):
    # ok: portal-view-fetch-through-access
    return request.user.notifications.model.objects.get(pk=notification_id, user=request.user)
