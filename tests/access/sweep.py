"""What the access sweep and the adversarial tests share: the records the swept URLs point at, and
the answer each persona should get (computed from the role table, never from the access layer)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.roles import ROLE_ACTIONS, Role
from core.notifications import notify
from incidents import services as incident_services
from incidents.models import Kind, Platform
from tests.access.rules import RULES, Rule
from tests.approvals.helpers import approval_sweep_objects
from tests.consent.helpers import consent_sweep_objects
from tests.factories import Personas, UserFactory
from tests.governance.helpers import governance_sweep_objects

ANONYMOUS = "anonymous"
# The persona named as the subject of the sweep's incident: refused it whatever their role grants.
SUBJECT = "a:dsl"
# School A's headteacher signed in with a password but not yet past two-factor, which the role needs.
UNVERIFIED = "unverified:a:headteacher"

SIGN_IN = "accounts:login"
TWO_FACTOR = "accounts:two_factor_verify"


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


def project_models() -> list[type[models.Model]]:
    """The models of the portal's own apps."""
    local = {"core", "accounts", "approvals", "consent", "governance", "incidents"}
    return [m for m in apps.get_models() if m._meta.app_label in local]


def mirrored(personas: Personas) -> Personas:
    """The same people with the schools' parts swapped: the sweep's helpers, which build school A's
    records from ``personas.a``, then build school B's records (and name school B's DSL)."""
    return Personas(trust=personas.trust, a=personas.b, b=personas.a, trust_users=personas.trust_users)


def sweep_objects(personas) -> dict[str, tuple[dict, object]]:
    """Name → (URL kwargs, owner): each is a record of school A (or a person of school A)."""
    staff_a = personas.a[Role.STAFF]
    notification = notify(user=staff_a, subject="A test message", body="Only for staff A", email=False)
    incident, evidence, takedown, ict_incident = _incident_objects(personas)
    # A reset link for someone who is none of the personas: signing a persona in (as the sweep does
    # for each) uses up their own link, so its page would answer one way before and another after.
    resetting = UserFactory()
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
                "uidb64": urlsafe_base64_encode(force_bytes(resetting.pk)),
                "token": default_token_generator.make_token(resetting),
            },
            resetting,
        ),
        **approval_sweep_objects(personas),
        **consent_sweep_objects(personas),
        **governance_sweep_objects(personas),
    }


def _incident_objects(personas):
    """School A's cyberbullying report naming its DSL, with a file and a takedown; and an ICT report."""
    from incidents.services import PersonInvolved
    from tests.incidents.helpers import png

    a = personas.a
    incident = incident_services.incident_report(
        reporter=a[Role.DEPUTY_DSL],
        school=a.school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=timezone.now(),
        description="Messages about a pupil",
        people=[PersonInvolved(role="alleged", identity="staff", user=a[Role.DSL])],
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
    """'allow', 'login' (sent to sign in), 'two_factor' (sent to enter a code), 'forbidden' (403),
    'not_found' (404) or 'refused' (403 or 404)."""
    if label == UNVERIFIED:
        return "allow" if rule.before_two_factor else "two_factor"
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
    if rule.kind == "trust_wide":
        return "allow" if grants >= {"a", "b"} else "forbidden"
    if rule.obj is None:
        return "allow" if grants else "forbidden"
    if "a" in grants:
        return "allow"
    if grants:  # may take the action, but only in school B: school A's record does not exist for them
        return "not_found"
    return "refused"


def allowed_persona(rule: Rule, personas, owner) -> str:
    """A persona the rule lets through (school A's first, then the trust's), or ANONYMOUS when the
    URL is public."""
    if rule.kind == "public":
        return ANONYMOUS
    labels = sorted(personas.everyone(), key=lambda label: (not label.startswith("a:"), label))
    for label in labels:
        if expected_status(rule, label, personas, owner) == "allow":
            return label
    raise AssertionError(f"No persona may use {rule}")


def redirect_target(response) -> str | None:
    """The URL name a redirect sends to (its path, if it names none); None for any other answer."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    path = urlsplit(response["Location"]).path
    try:
        return resolve(path).view_name
    except Resolver404:
        return path


def answer_of(response) -> str:
    """The status, and where a redirect goes, for failure messages."""
    target = redirect_target(response)
    return f"{response.status_code} to {target}" if target else str(response.status_code)


def check(response, expectation: str, where: str, rule: Rule, method: str, user) -> None:
    """The response is the one ``expectation`` says ``user`` gets (see expected_status).

    Someone let in gets the page (200), or the redirect the rule declares for this method and user
    (Rule.redirects_to), and nothing else: a redirect to sign in or to two-factor is a refusal, and a
    redirect the rule does not declare may hide one (a view that bounces everyone to the home page).
    """
    status, target, got = response.status_code, redirect_target(response), answer_of(response)
    if expectation == "allow":
        declared = rule.redirect_for(method, user)
        if declared is None:
            assert status == 200, f"{where}: expected the page (200), got {got}"
        else:
            assert target == declared, f"{where}: expected a redirect to {declared}, got {got}"
    elif expectation == "login":
        assert target == SIGN_IN, f"{where}: expected a redirect to sign in, got {got}"
    elif expectation == "two_factor":
        assert target == TWO_FACTOR, f"{where}: expected a redirect to two-factor, got {got}"
    elif expectation == "forbidden":
        assert status == 403, f"{where}: expected 403, got {status}"
    elif expectation == "not_found":
        assert status == 404, f"{where}: expected 404, got {status}"
    else:
        assert status in (403, 404), f"{where}: expected refusal, got {status}"


def post_rules() -> list[str]:
    """Every URL that takes a POST, from the sweep's rules."""
    return sorted(name for name, rule in RULES.items() if "POST" in rule.methods)
