"""The ICT technician signs in with a second factor: they read reports of inappropriate content and
keep the school's filtering records."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access
from accounts.roles import TWO_FACTOR_ROLES, Role
from tests.accounts.test_security import csrf_client, csrf_post, sign_in
from tests.accounts.test_two_factor import code_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")
FILTER_RECORDS = reverse("approvals:filter_changes")


def test_the_ict_technician_is_a_two_factor_role(personas):
    assert Role.ICT_TECHNICIAN in TWO_FACTOR_ROLES
    ict = personas.a[Role.ICT_TECHNICIAN]
    assert access.requires_two_factor(ict)
    # The personas give every two-factor role a confirmed authenticator.
    assert TOTPDevice.objects.filter(user=ict, confirmed=True).count() == 1


def test_the_password_alone_does_not_open_the_filter_records(personas):
    ict = personas.a[Role.ICT_TECHNICIAN]
    device = TOTPDevice.objects.get(user=ict)
    client = csrf_client()
    assert sign_in(client, ict.email, PASSWORD).status_code == 302
    for page in (FILTER_RECORDS, reverse("home")):
        response = client.get(page)
        assert response.status_code == 302, page
        target = urlsplit(response["Location"])
        assert target.path == VERIFY and parse_qs(target.query)["next"] == [page]

    response = csrf_post(client, f"{VERIFY}?next={FILTER_RECORDS}", {"otp_token": code_for(device)})

    assert response.status_code == 302 and response["Location"] == FILTER_RECORDS
    assert client.get(FILTER_RECORDS).status_code == 200


def test_an_ict_technician_without_an_authenticator_is_sent_to_set_one_up(personas):
    ict = personas.b[Role.ICT_TECHNICIAN]
    TOTPDevice.objects.filter(user=ict).delete()
    client = csrf_client()
    sign_in(client, ict.email, PASSWORD)
    assert urlsplit(client.get(FILTER_RECORDS)["Location"]).path == SETUP
