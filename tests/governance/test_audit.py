"""The audit log: every change to a governed record, views of pupils, sign-ins; append-only; the page."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ParentLink, Pupil
from accounts.roles import Role
from core.audit import audit_record, client_ip
from core.models import AppendOnlyError, AuditEntry
from tests.accounts.test_security import WRONG_PASSWORD, csrf_client, csrf_post, sign_in
from tests.factories import (
    PASSWORD,
    PupilFactory,
    SchoolFactory,
    TrustFactory,
    UserFactory,
    membership,
    person,
)

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[AuditEntry]:
    """The log of one record, oldest first."""
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
    )


# --- what is written ------------------------------------------------------------------------

# For each governed model: make one, the field to change and its new value, and the trust and
# school its entries must be filed under.
GOVERNED = {
    "trust": (lambda p: TrustFactory(name="Riverside Trust"), "name", "Riverside Learning Trust"),
    "school": (lambda p: SchoolFactory(trust=p.trust, name="School C"), "name", "School C Academy"),
    "user": (lambda p: UserFactory(full_name="Ada Brook"), "full_name", "Ada Brook-Lane"),
    "membership": (
        lambda p: membership(UserFactory(), Role.STAFF, school=p.a.school),
        "role",
        Role.ICT_TECHNICIAN.value,
    ),
    "pupil": (lambda p: PupilFactory(school=p.a.school, year_group=5), "year_group", "6"),
    "parentlink": (
        lambda p: ParentLink.objects.create(
            parent=p.a[Role.PARENT], pupil=PupilFactory(school=p.a.school), relationship="mother"
        ),
        "relationship",
        "guardian",
    ),
}


@pytest.mark.parametrize("kind", sorted(GOVERNED))
def test_create_change_and_delete_of_each_governed_model_are_logged(personas, kind):
    make, field, new_value = GOVERNED[kind]
    obj = make(personas)
    old_value = str(getattr(obj, field))
    setattr(obj, field, int(new_value) if field == "year_group" else new_value)
    obj.save()
    pk = obj.pk
    obj.delete()
    obj.pk = pk

    log = entries_for(obj)
    # The user factory sets the password in a second save: that change is logged on its own.
    created, changed, deleted = [e for e in log if e.verb != AuditEntry.Verb.UPDATE or field in e.changes]
    assert [created.verb, changed.verb, deleted.verb] == ["create", "update", "delete"]
    assert created.changes[field] == [None, old_value]
    assert changed.changes == {field: [old_value, new_value]}
    assert deleted.changes[field] == [new_value, None]
    for entry in (created, changed, deleted):
        # Made outside a request: no actor, address or path, and it says so.
        assert entry.actor_id is None and entry.actor_label == "system"
        assert entry.ip_address is None and entry.path == ""
    # A person with no role yet, changed outside a request, belongs to no trust.
    expected_trust = {"trust": obj.pk, "user": None}.get(kind, personas.trust.pk)
    assert {e.trust_id for e in (created, changed, deleted)} == {expected_trust}
    if kind in {"membership", "pupil", "parentlink"}:
        assert {e.school_id for e in (created, changed, deleted)} == {personas.a.school.pk}


def test_a_trust_wide_membership_is_filed_under_its_trust(personas):
    other_trust = TrustFactory()
    granted = membership(UserFactory(), Role.TRUSTEE, trust=other_trust)
    (created,) = entries_for(granted)
    assert created.trust_id == other_trust.pk and created.school_id is None


def test_the_password_hash_never_reaches_the_log(personas):
    user = personas.a[Role.STAFF]
    user.set_password("a brand new passphrase 9")
    user.save()
    (changed,) = [e for e in entries_for(user) if e.verb == AuditEntry.Verb.UPDATE][-1:]
    assert changed.changes == {"password": ["(hidden)", "changed"]}
    everything = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert user.password not in everything
    assert "md5$" not in everything and "argon2" not in everything


def test_update_fields_limit_what_is_logged(personas):
    pupil = personas.a.child
    pupil.first_name = "Unsaved"
    pupil.year_group = 6
    pupil.save(update_fields=["year_group"])
    assert entries_for(pupil)[-1].changes == {"year_group": ["5", "6"]}


def test_saving_without_a_change_writes_nothing(personas):
    school = personas.a.school
    before = AuditEntry.objects.count()
    school.save()
    assert AuditEntry.objects.count() == before


@pytest.fixture
def admin_client(client_for):
    """A superuser past two-factor, in the Django admin."""
    admin_user = UserFactory(is_staff=True, is_superuser=True, email="admin@test.example")
    TOTPDevice.objects.create(user=admin_user, name="Authenticator app", confirmed=True)
    client = client_for(admin_user)
    client.defaults["REMOTE_ADDR"] = "192.0.2.44"
    client.admin_user = admin_user
    return client


def test_a_change_made_in_a_request_records_actor_address_and_path(personas, admin_client):
    school = personas.a.school
    url = reverse("admin:accounts_school_change", args=[school.pk])
    response = admin_client.post(
        url,
        {
            "name": "School A Renamed",
            "urn": school.urn,
            "phase": school.phase,
            "trust": personas.trust.pk,
            "address": "",
        },
        HTTP_USER_AGENT="Audit test browser",
    )
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    entry = entries_for(school)[-1]
    assert entry.verb == AuditEntry.Verb.UPDATE
    assert entry.changes == {"name": ["School A", "School A Renamed"]}
    assert entry.actor_id == admin_client.admin_user.pk and entry.actor_label == "admin@test.example"
    assert (entry.ip_address, entry.path, entry.user_agent) == ("192.0.2.44", url, "Audit test browser")
    assert (entry.trust_id, entry.school_id) == (personas.trust.pk, school.pk)


def test_admin_create_and_delete_are_logged_with_the_actor(personas, admin_client):
    add_url = reverse("admin:accounts_pupil_add")
    response = admin_client.post(
        add_url,
        {
            "school": personas.a.school.pk,
            "first_name": "Iris",
            "last_name": "Fenwick",
            "date_of_birth": "2016-02-03",
            "year_group": 4,
            "class_name": "4F",
            "mis_id": "ADM001",
            "user": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    pupil = Pupil.objects.get(mis_id="ADM001")
    (created,) = entries_for(pupil)
    assert created.verb == AuditEntry.Verb.CREATE and created.path == add_url
    assert created.actor_id == admin_client.admin_user.pk
    assert created.changes["last_name"] == [None, "Fenwick"]

    link = personas.a.child.parent_links.get()
    delete_url = reverse("admin:accounts_parentlink_delete", args=[link.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    deleted = entries_for(link)[-1]
    assert deleted.verb == AuditEntry.Verb.DELETE and deleted.path == delete_url
    assert deleted.actor_id == admin_client.admin_user.pk
    assert deleted.changes["pupil"] == [str(personas.a.child.pk), None]


def test_viewing_a_pupil_is_logged(personas, client_for):
    staff = personas.a[Role.STAFF]
    pupil = personas.a.child
    url = reverse("accounts:pupil_detail", args=[pupil.pk])
    assert client_for(staff).get(url, REMOTE_ADDR="203.0.113.5").status_code == 200
    (viewed,) = [e for e in entries_for(pupil) if e.verb == AuditEntry.Verb.VIEW]
    assert (viewed.actor_id, viewed.ip_address, viewed.path) == (staff.pk, "203.0.113.5", url)
    assert (viewed.school_id, viewed.trust_id) == (personas.a.school.pk, personas.trust.pk)


def test_a_refused_pupil_view_is_not_logged_as_seen(personas, client_for):
    other = personas.b.child
    assert (
        client_for(personas.a[Role.STAFF]).get(reverse("accounts:pupil_detail", args=[other.pk])).status_code
        == 404
    )
    assert not [e for e in entries_for(other) if e.verb == AuditEntry.Verb.VIEW]


def test_sign_in_sign_out_and_failed_sign_in_are_logged(personas):
    user = personas.a[Role.STAFF]
    client = csrf_client()
    sign_in(client, user.email, WRONG_PASSWORD, REMOTE_ADDR="198.51.100.20")
    sign_in(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.20")
    csrf_post(client, reverse("accounts:logout"), {}, REMOTE_ADDR="198.51.100.20")
    log = [e for e in entries_for(user) if e.verb in {"login", "login_failed", "logout"}]
    assert [e.verb for e in log] == ["login_failed", "login", "logout"]
    assert [e.actor_id for e in log] == [None, user.pk, user.pk]
    assert {e.ip_address for e in log} == {"198.51.100.20"}
    assert [e.path for e in log] == [reverse("accounts:login")] * 2 + [reverse("accounts:logout")]
    assert {e.trust_id for e in log} == {personas.trust.pk}


def test_a_failed_sign_in_keeps_a_typed_address_but_never_a_typed_password():
    sign_in(csrf_client(), "nobody@unknown.example", WRONG_PASSWORD)
    # The admin's sign-in takes any text as the username.
    Client().post(reverse("admin:login"), {"username": "Correct-Horse battery 9", "password": WRONG_PASSWORD})
    failed = AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN_FAILED, object_id="").order_by("at")
    assert [e.object_repr for e in failed] == ["nobody@unknown.example", "(not an email address)"]


def test_the_address_comes_from_our_own_proxy_only(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "10.0.0.2"
    with override_settings(PORTAL_PROXY_COUNT=1):
        # The left-most address was written by the client and may be forged; ours is the last.
        assert client_ip(request) == "203.0.113.9"
        assert (
            client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address"))
            == "10.0.0.2"
        )
        assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


# --- append-only ----------------------------------------------------------------------------


@pytest.fixture
def entry(personas):
    return audit_record(verb=AuditEntry.Verb.VIEW, obj=personas.a.child)


def test_an_entry_cannot_be_saved_again(entry):
    entry.object_repr = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["object_repr"])


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_queryset_refuses_update_and_delete(entry):
    attempts = [
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(object_repr="tampered"),
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.bulk_update([entry], ["object_repr"]),
        lambda: AuditEntry.objects.update_or_create(pk=entry.pk, defaults={"object_repr": "tampered"}),
    ]
    for attempt in attempts:
        # Each in its own savepoint: bulk_update's own atomic block spoils the outer one on error.
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == str(entry.object_repr)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE governance_auditentry SET object_repr = 'tampered' WHERE id = %s",
        "DELETE FROM governance_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_update_and_delete(entry, sql):
    assert connection.vendor == "postgresql"
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()


def test_deleting_a_person_leaves_their_entries(personas):
    staff = personas.a[Role.STAFF]
    staff_id = str(staff.pk)
    mine = AuditEntry.objects.filter(object_id=staff_id).count()
    assert mine
    staff.delete()
    assert AuditEntry.objects.filter(object_id=staff_id).count() == mine + 1


# --- the audit log page ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRUST_SAFEGUARDING_LEAD, Role.DATA_PROTECTION_OFFICER])
def test_the_trust_lead_and_the_dpo_may_read_the_log(personas, client_for, role):
    response = client_for(personas[role]).get(reverse("governance:audit_log"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count > 0


@pytest.mark.parametrize(
    "who",
    [
        "a:dsl",
        "a:headteacher",
        "a:staff",
        "a:parent",
        "trust:trustee",
        "trust:ceo",
        "trust:trust_administrator",
    ],
)
def test_everyone_else_is_refused(personas, client_for, who):
    user = personas.everyone()[who]
    assert client_for(user).get(reverse("governance:audit_log")).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get(reverse("governance:audit_log"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_log_shows_only_its_own_trust(personas, client_for):
    other_trust = TrustFactory(name="Other Trust")
    other_school = SchoolFactory(trust=other_trust, name="Other School")
    other_lead = person(Role.TRUST_SAFEGUARDING_LEAD, trust=other_trust)
    other_pupil = PupilFactory(school=other_school)
    audit_record(verb=AuditEntry.Verb.VIEW, obj=other_pupil, actor=other_lead)

    def shown(user) -> list[AuditEntry]:
        response = client_for(user).get(reverse("governance:audit_log"), {"page": 1})
        assert response.status_code == 200
        paginator = response.context["page"].paginator
        return [e for n in paginator.page_range for e in paginator.page(n).object_list]

    ours = shown(personas[Role.TRUST_SAFEGUARDING_LEAD])
    theirs = shown(other_lead)
    assert ours and theirs
    assert {e.trust_id for e in ours} == {personas.trust.pk}
    assert {e.trust_id for e in theirs} == {other_trust.pk}
    assert {e.school_id for e in ours} <= {personas.a.school.pk, personas.b.school.pk, None}
    assert str(other_pupil.pk) in {e.object_id for e in theirs}
    assert str(other_pupil.pk) not in {e.object_id for e in ours}


def test_the_filters_narrow_the_log(personas, client_for):
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    audit_record(verb=AuditEntry.Verb.VIEW, obj=personas.a.child, actor=personas.a[Role.STAFF])
    response = client_for(lead).get(
        reverse("governance:audit_log"), {"verb": "view", "object_type": "accounts.pupil"}
    )
    shown = list(response.context["page"].object_list)
    assert shown and {(e.verb, e.object_type) for e in shown} == {("view", "accounts.pupil")}
    bad = client_for(lead).get(
        reverse("governance:audit_log"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors["date_to"]


def _add_entries(personas, count: int) -> None:
    """Entries spread over both schools and the trust itself, with actors."""
    people = [personas.a[Role.STAFF], personas.b[Role.DSL], personas[Role.TRUST_ADMINISTRATOR]]
    schools = [personas.a.school, personas.b.school, None]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            trust=personas.trust,
            school=schools[n % 3],
            actor=people[n % 3],
            actor_label=people[n % 3].email,
            verb=AuditEntry.Verb.VIEW,
            object_type="accounts.pupil",
            object_id=str(personas.a.child.pk),
            object_repr=str(personas.a.child),
            ip_address="192.0.2.1",
        )
        for n in range(count)
    )


@pytest.mark.parametrize("extra_entries", [5, 60])
def test_the_log_page_query_count_does_not_grow(
    personas, client_for, django_assert_num_queries, extra_entries
):
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    client = client_for(lead)
    _add_entries(personas, extra_entries)
    with django_assert_num_queries(8):
        # 1 the session; 2 the signed-in user; 3 their TOTP device (django-otp's verified check);
        # 4 their school grants (django-guardian, read once for the access check, the selector
        # and the navigation); 5 the entry count for the paginator; 6 their memberships (the
        # navigation's parent-only entry); 7 the unread notification count in the header;
        # 8 one page of entries with their schools. The session is not written: it was signed
        # in less than a minute ago.
        response = client.get(reverse("governance:audit_log"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(50, response.context["page"].paginator.count)
