"""The access sweep: every URL of the portal, requested as every persona of school A, school B and
the trust, and anonymously. Another school's record is a 404, a forbidden action a 403, and a page
without a rule in tests/access/rules.py fails the suite."""

from __future__ import annotations

import uuid

import pytest
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import SCHOOL_ROLES, Role
from tests.access.rules import ADMIN_NAMESPACE, RULES
from tests.access.sweep import (
    ANONYMOUS,
    SUBJECT,
    UNVERIFIED,
    all_url_names,
    check,
    expected_status,
    mirrored,
    project_models,
    sweep_objects,
)
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def test_every_url_has_an_access_rule():
    names = {n for n in all_url_names() if not n.startswith(f"{ADMIN_NAMESPACE}:")}
    missing = sorted(names - set(RULES))
    stale = sorted(set(RULES) - names)
    assert not missing, f"URLs with no rule in tests/access/rules.py: {missing}"
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


def _client_for(label: str, user) -> Client:
    if user is None:
        return Client()
    # The unverified persona has signed in with a password and not yet entered a code.
    return signed_in_client(user, verified=label != UNVERIFIED)


@pytest.mark.parametrize("url_name", sorted(RULES))
def test_sweep(url_name, personas):
    rule = RULES[url_name]
    objects = sweep_objects(personas)
    kwargs, owner = objects[rule.obj] if rule.obj else ({}, None)
    url = reverse(url_name, kwargs=kwargs)
    people = {ANONYMOUS: None, **personas.everyone(), UNVERIFIED: personas.a[Role.HEADTEACHER]}
    for label, user in people.items():
        expectation = expected_status(rule, label, personas, owner)
        for method in rule.methods:
            response = getattr(_client_for(label, user), method.lower())(url)
            check(response, expectation, f"{method} {url_name} as {label}", rule, method, user)
        if expectation == "allow" and user is not None:
            # A method the view does not take is refused, never served.
            for method in {"GET", "POST"} - set(rule.methods):
                response = getattr(_client_for(label, user), method.lower())(url)
                assert response.status_code == 405, f"{method} {url_name} as {label}: {response.status_code}"


def test_the_unverified_persona_needs_two_factor():
    from accounts.roles import TWO_FACTOR_ROLES

    # Otherwise the sweep's "not past two-factor" answers would be tried on someone who needs none.
    assert Role(UNVERIFIED.rsplit(":", 1)[1]) in TWO_FACTOR_ROLES


def test_every_redirect_a_rule_declares_is_a_page_of_the_portal():
    names = all_url_names()
    for url_name, rule in RULES.items():
        if isinstance(rule.redirects_to, str):
            assert rule.redirects_to in names, f"{url_name}: redirects_to {rule.redirects_to!r} names no page"
            assert "POST" in rule.methods, f"{url_name}: a declared redirect answers a POST it does not take"


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


# --- every kind of record a URL names, and ids from elsewhere ---------------------------------------

OBJECT_RULES = sorted(name for name, rule in RULES.items() if rule.obj)

# School-owned models that no URL names by id: each is read through a record that a URL does name
# (or through a list page filtered to the user's schools), so no id of theirs can be guessed.
NOT_ADDRESSED = {
    "accounts.membership": "roles are read by the access layer, never fetched by a URL",
    "core.auditentry": "the audit log is a filtered list, with no page per entry",
    "incidents.moderationentry": "the moderation log is a list and a form to add to it",
    "consent.consentanswer": "answers are shown on their pupil's pages (the 'pupil' object)",
    "consent.consentstate": "the current answers are shown on their pupil's pages",
}


def school_owned_models() -> set[str]:
    """Every model of the portal with a foreign key named ``school`` (found by introspection)."""
    owned = set()
    for model in project_models():
        field = next((f for f in model._meta.get_fields() if f.name == "school"), None)
        school = field.related_model._meta.label_lower if field is not None and field.many_to_one else ""
        if school == "accounts.school":
            owned.add(model._meta.label_lower)
    return owned


def models_named_by(objects: dict) -> dict[str, set[str]]:
    """For each sweep object, the models its URL kwargs' ids belong to (looked up by primary key)."""
    uuid_models = [m for m in project_models() if isinstance(m._meta.pk, models.UUIDField)]
    named: dict[str, set[str]] = {}
    for name, (kwargs, _owner) in objects.items():
        found = set()
        for value in kwargs.values():
            if not isinstance(value, uuid.UUID):
                continue
            found |= {
                m._meta.label_lower for m in uuid_models if m._default_manager.filter(pk=value).exists()
            }
        named[name] = found
    return named


def test_every_record_kind_a_url_takes_is_swept(personas):
    objects = sweep_objects(personas)
    used = {rule.obj for rule in RULES.values() if rule.obj}
    assert not used - set(objects), f"Rules name objects the sweep does not make: {used - set(objects)}"
    assert not set(objects) - used, f"Sweep objects no rule uses: {set(objects) - used}"
    # Every UUID a URL pattern takes is filled from a sweep object that belongs to school A (or to
    # school A's people, or to the trust as a whole).
    named = models_named_by(objects)
    for name, labels in named.items():
        kwargs = objects[name][0]
        uuids = [v for v in kwargs.values() if isinstance(v, uuid.UUID)]
        assert len(labels) >= len(uuids), f"{name}: an id in {kwargs} is no record of the portal"
    pattern_kwargs = set()
    for rule in RULES.values():
        if rule.obj:
            pattern_kwargs |= set(objects[rule.obj][0])
    converters = _uuid_kwargs_of_every_pattern()
    assert converters <= pattern_kwargs, f"URL ids no sweep object fills: {converters - pattern_kwargs}"


def _uuid_kwargs_of_every_pattern() -> set[str]:
    """The names of the UUID parameters of every URL pattern of the portal (not the admin's)."""
    from django.urls.converters import UUIDConverter

    found: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != ADMIN_NAMESPACE:
                    walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                converters = getattr(pattern.pattern, "converters", {})
                found.update(k for k, c in converters.items() if isinstance(c, UUIDConverter))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_school_owned_model_a_url_names_is_swept(personas):
    objects = sweep_objects(personas)
    swept = set().union(*models_named_by(objects).values())
    owned = school_owned_models()
    assert "incidents.incident" in owned and "accounts.pupil" in owned  # the introspection works
    unswept = owned - swept
    assert unswept == set(NOT_ADDRESSED), (
        f"School-owned models neither swept nor in NOT_ADDRESSED: {sorted(unswept - set(NOT_ADDRESSED))}; "
        f"in NOT_ADDRESSED but swept or gone: {sorted(set(NOT_ADDRESSED) - unswept)}"
    )
    # And every swept record of a school-owned model is school A's.
    for name, (kwargs, _owner) in objects.items():
        for value in kwargs.values():
            for model in project_models():
                label = model._meta.label_lower
                if label in owned and isinstance(value, uuid.UUID):
                    row = model._default_manager.filter(pk=value).values("school_id").first()
                    assert row is None or row["school_id"] == personas.a.school.pk, f"{name}: not school A's"


def _swap(label: str) -> str:
    """The label the same person has in the mirrored personas (school A's people are B's there)."""
    side, _, role = label.partition(":")
    return {"a": f"b:{role}", "b": f"a:{role}"}.get(side, label)


def _guessed(kwargs: dict) -> dict:
    """The same URL with every id replaced by a random UUID (a guess that names no record)."""
    return {k: uuid.uuid4() if isinstance(v, uuid.UUID) else v for k, v in kwargs.items()}


def _request(client: Client, method: str, url: str):
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize("url_name", OBJECT_RULES)
def test_another_schools_records_and_guessed_ids(url_name, personas):
    """School B's own records, requested by their real ids, as every persona: school A's people get
    404 exactly where school B's people get 404 for school A's records in the sweep above; and an id
    that names nothing is a 404 for everyone signed in (a 403 only where the role is refused anyway),
    never a 500 and never a page."""
    rule = RULES[url_name]
    mirror = mirrored(personas)
    kwargs, owner = sweep_objects(mirror)[rule.obj]
    url = reverse(url_name, kwargs=kwargs)
    guessed_kwargs = _guessed(kwargs)
    guessed = reverse(url_name, kwargs=guessed_kwargs) if guessed_kwargs != kwargs else None
    method = "GET" if "GET" in rule.methods else "POST"
    people = {ANONYMOUS: None, **personas.everyone()}
    for label, user in people.items():
        expectation = expected_status(rule, _swap(label) if user else label, mirror, owner)
        client = Client() if user is None else signed_in_client(user)
        real = _request(client, method, url)
        check(real, expectation, f"{method} {url_name} (school B's) as {label}", rule, method, user)
        if guessed is None:
            continue
        response = _request(client, method, guessed)
        where = f"{method} {url_name} with a guessed id as {label}"
        if user is None:
            check(response, "login", where, rule, method, user)
        else:
            assert response.status_code == 404 or (response.status_code == real.status_code == 403), (
                f"{where}: {response.status_code} (school B's record: {real.status_code})"
            )
