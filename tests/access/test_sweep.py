"""The access sweep: every URL of the portal, requested as every persona of school A, school B and
the trust, and anonymously. Another school's record is a 404, a forbidden action a 403, and a page
without a rule in tests/access/rules.py fails the suite."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.roles import ROLE_ACTIONS, SCHOOL_ROLES, Role
from governance.notifications import notify
from incidents import services as incident_services
from incidents.models import Kind, Platform
from tests.access.rules import ADMIN_NAMESPACE, RULES, Rule
from tests.approvals.helpers import approval_sweep_objects
from tests.conftest import signed_in_client
from tests.consent.helpers import consent_sweep_objects
from tests.governance.helpers import governance_sweep_objects

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
# The persona named as the subject of the sweep's incident: refused it whatever their role grants.
SUBJECT = "a:dsl"


def all_url_names() -> set[str]:
    """Every named URL pattern of the project, with its namespace ("ns:name")."""
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(pattern.url_patterns, f"{prefix}{ns}:" if ns else prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{prefix}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_an_access_rule():
    names = {n for n in all_url_names() if not n.startswith(f"{ADMIN_NAMESPACE}:")}
    missing = sorted(names - set(RULES))
    stale = sorted(set(RULES) - names)
    assert not missing, f"URLs with no rule in tests/access/rules.py: {missing}"
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


# --- objects the swept URLs point at: all belong to school A or to a:staff ------------------------


def sweep_objects(personas) -> dict[str, tuple[dict, object]]:
    """Name → (URL kwargs, owner): each is a record of school A (or a person of school A)."""
    staff_a = personas.a[Role.STAFF]
    notification = notify(user=staff_a, subject="A test message", body="Only for staff A", email=False)
    incident, evidence, takedown, ict_incident = _incident_objects(personas)
    return {
        # Reported by school A's deputy DSL and naming school A's DSL (SUBJECT).
        "incident": ({"incident_id": incident.pk}, incident.reporter),
        "evidence": ({"incident_id": incident.pk, "evidence_id": evidence.pk}, incident.reporter),
        "takedown": ({"takedown_id": takedown.pk}, incident.reporter),
        "ict_incident": ({"incident_id": ict_incident.pk}, ict_incident.reporter),
        "platform": ({"platform_id": Platform.objects.get(name="Instagram").pk}, None),
        "pupil": ({"pupil_id": personas.a.child.pk}, personas.a.school),
        "notification": ({"notification_id": notification.pk}, staff_a),
        "password_reset_link": (
            {
                "uidb64": urlsafe_base64_encode(force_bytes(staff_a.pk)),
                "token": default_token_generator.make_token(staff_a),
            },
            staff_a,
        ),
        **approval_sweep_objects(personas),
        **consent_sweep_objects(personas),
        **governance_sweep_objects(personas),
    }


def _incident_objects(personas):
    """School A's cyberbullying report naming its DSL, with a file and a takedown; and an ICT report."""
    from django.utils import timezone

    from incidents.services import PersonInvolved
    from tests.incidents.helpers import png

    a = personas.a
    incident = incident_services.incident_report(
        reporter=a[Role.DEPUTY_DSL],
        school=a.school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=timezone.now(),
        description="Messages about a pupil",
        people=[PersonInvolved(role="alleged", identity="staff", user=personas.everyone()[SUBJECT])],
        evidence_files=[png()],
    )
    takedown = incident_services.takedown_open(
        user=a[Role.DEPUTY_DSL], incident=incident, content_url="https://example.com/post/1"
    )
    ict_incident = incident_services.incident_report(
        reporter=a[Role.STAFF],
        school=a.school,
        kind=Kind.INAPPROPRIATE_CONTENT,
        seen_at=timezone.now(),
        description="A gambling site on a library computer",
    )
    return incident, incident.evidence.get(), takedown, ict_incident


def persona_grants(label: str, action) -> set[str]:
    """Which schools ("a", "b") a persona's role lets it take the action (or any of a tuple) in."""
    scope, role = label.split(":", 1)
    actions = action if isinstance(action, tuple) else (action,)
    if not any(a in ROLE_ACTIONS[Role(role)] for a in actions):
        return set()
    return {"a", "b"} if scope == "trust" else {scope}


def expected_status(rule: Rule, label: str, personas, owner) -> str:
    """'allow', 'login', 'forbidden' (403), 'not_found' (404) or 'refused' (403 or 404)."""
    if rule.kind == "public":
        return "allow"
    if label == ANONYMOUS:
        return "login"
    if rule.kind == "signed_in":
        return "allow"
    if rule.subject_excluded and label == SUBJECT:
        return "not_found"
    if rule.kind == "own":
        return "allow" if personas.everyone()[label] == owner else "not_found"
    if rule.kind == "parent":
        return "allow" if label == "a:parent" else "not_found"
    grants = persona_grants(label, rule.action)
    if rule.obj is None:
        return "allow" if grants else "forbidden"
    if "a" in grants:
        return "allow"
    if grants:  # may take the action, but only in school B: school A's record does not exist for them
        return "not_found"
    return "refused"


def check(response, expectation: str, where: str, rule: Rule) -> None:
    status = response.status_code
    if expectation == "allow":
        assert status in (200, 302), f"{where}: expected access, got {status}"
        if status == 302 and not rule.ends_at_sign_in:
            assert reverse("accounts:login") not in response["Location"], f"{where}: sent to sign in"
    elif expectation == "login":
        assert status == 302 and reverse("accounts:login") in response["Location"], (
            f"{where}: expected a redirect to sign in, got {status}"
        )
    elif expectation == "forbidden":
        assert status == 403, f"{where}: expected 403, got {status}"
    elif expectation == "not_found":
        assert status == 404, f"{where}: expected 404, got {status}"
    else:
        assert status in (403, 404), f"{where}: expected refusal, got {status}"


@pytest.mark.parametrize("url_name", sorted(RULES))
def test_sweep(url_name, personas):
    rule = RULES[url_name]
    objects = sweep_objects(personas)
    kwargs, owner = objects[rule.obj] if rule.obj else ({}, None)
    url = reverse(url_name, kwargs=kwargs)
    people = {ANONYMOUS: None, **personas.everyone()}
    for label, user in people.items():
        expectation = expected_status(rule, label, personas, owner)
        for method in rule.methods:
            client = Client() if user is None else signed_in_client(user)
            response = getattr(client, method.lower())(url)
            check(response, expectation, f"{method} {url_name} as {label}", rule)
        if expectation == "allow" and user is not None:
            # A method the view does not take is refused, never served.
            for method in {"GET", "POST"} - set(rule.methods):
                response = getattr(signed_in_client(user), method.lower())(url)
                assert response.status_code == 405, f"{method} {url_name} as {label}: {response.status_code}"


def test_the_subject_of_a_concern_is_refused_while_a_colleague_sees_it(personas):
    objects = sweep_objects(personas)
    url = reverse("incidents:detail", kwargs=objects["incident"][0])
    assert signed_in_client(personas.everyone()[SUBJECT]).get(url).status_code == 404
    assert signed_in_client(personas.a[Role.DEPUTY_DSL]).get(url).status_code == 200
    assert signed_in_client(personas[Role.TRUST_SAFEGUARDING_LEAD]).get(url).status_code == 200
    assert all(RULES[name].obj for name in RULES if RULES[name].subject_excluded)


def test_admin_refuses_everyone_but_verified_technical_staff(personas):
    url = reverse("admin:index")
    for label, user in personas.everyone().items():
        response = signed_in_client(user).get(url)
        assert response.status_code == 302 and "login" in response["Location"], label


def test_every_role_is_swept(personas):
    labels = set(personas.everyone())
    for role in Role:
        prefix = ("a", "b") if role in SCHOOL_ROLES else ("trust",)
        for side in prefix:
            assert f"{side}:{role.value}" in labels
