"""Approvals bound to what was seen: each version of a request is kept, a decision carries the
version the decider read and is refused if the request changed since, and the signed PDF of an
approved version is printed once, when it is approved, and served from then on."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.roles import Role
from approvals import services
from approvals.models import RequestVersion, SignedRecord, SiteCreationRequest, State
from core.models import AppendOnlyError
from tests.approvals.helpers import site_request

pytestmark = pytest.mark.django_db


def _edit_aims(people, request, aims: str):
    detail = SiteCreationRequest.objects.get(pk=request.pk)
    detail.aims = aims
    return services.request_edit(user=people[Role.STAFF], request=request, detail=detail)


def _approve(people, request):
    for user, name in (
        (people[Role.MARKETING_OFFICER], "marketing_approve"),
        (people[Role.HEADTEACHER], "head_approve"),
    ):
        request = services.request_take_step(
            user=user, request=request, step_name=name, version=request.version
        )
    return request


def test_each_version_is_kept_as_the_deciders_read_it(personas):
    a = personas.a
    request = site_request(a, aims="Keep families informed.")
    request = _edit_aims(a, request, "Celebrate the pupils' achievements.")

    versions = list(RequestVersion.objects.filter(request=request).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert ["Aims and what the site should achieve", "Keep families informed."] in versions[0].rows
    assert ["Aims and what the site should achieve", "Celebrate the pupils' achievements."] in versions[
        1
    ].rows
    assert versions[1].by == a[Role.STAFF]
    with pytest.raises(AppendOnlyError):
        versions[0].save()


def test_a_decision_on_an_earlier_version_is_refused(personas):
    a = personas.a
    request = site_request(a)
    seen = request.version
    _edit_aims(a, request, "Changed while the marketing officer was reading")

    with pytest.raises(services.StaleVersion, match="you read version 1, and version 2"):
        services.request_take_step(
            user=a[Role.MARKETING_OFFICER], request=request, step_name="marketing_approve", version=seen
        )
    with pytest.raises(ValidationError, match="changed after you opened it"):
        services.request_reject(user=a[Role.MARKETING_OFFICER], request=request, comment="No", version=seen)
    request.refresh_from_db()
    assert request.state == State.SUBMITTED
    services.request_take_step(
        user=a[Role.MARKETING_OFFICER], request=request, step_name="marketing_approve", version=2
    )
    request.refresh_from_db()
    assert request.state == State.MARKETING_APPROVED


def test_a_stale_decision_through_the_page_says_why_next_to_the_form_and_keeps_the_comment(
    personas, client_for
):
    a = personas.a
    request = site_request(a)
    client = client_for(a[Role.MARKETING_OFFICER])
    page = client.get(f"/approvals/requests/{request.pk}/").content.decode()
    assert 'name="version" value="1"' in page
    _edit_aims(a, request, "Edited after the page was opened")

    response = client.post(
        f"/approvals/requests/{request.pk}/decide/",
        {"version": 1, "decision": "marketing_approve", "comment": "Looks right to me"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "This request was changed after you opened it" in body
    assert "govuk-error-summary" in body
    # The form now carries the version on the page, and the comment typed is kept.
    assert 'name="version" value="2"' in body and "Looks right to me" in body
    assert "Edited after the page was opened" in body
    request.refresh_from_db()
    assert request.state == State.SUBMITTED

    response = client.post(
        f"/approvals/requests/{request.pk}/decide/",
        {"version": 2, "decision": "marketing_approve", "comment": "Looks right to me"},
    )
    assert response.status_code == 302


def test_a_decision_without_the_version_read_is_refused(personas, client_for):
    a = personas.a
    request = site_request(a)
    response = client_for(a[Role.MARKETING_OFFICER]).post(
        f"/approvals/requests/{request.pk}/decide/", {"decision": "marketing_approve"}
    )
    assert response.status_code == 200
    assert "Open the request again" in response.content.decode()
    request.refresh_from_db()
    assert request.state == State.SUBMITTED


def test_an_edit_after_approval_needs_approval_again_and_the_earlier_version_stays_readable(
    personas, client_for
):
    a = personas.a
    request = _approve(a, site_request(a, aims="The first aims"))
    request = _edit_aims(a, request, "The second aims")
    assert request.state == State.SUBMITTED and request.version == 2

    page = client_for(a[Role.HEADTEACHER]).get(f"/approvals/requests/{request.pk}/").content.decode()
    assert "Earlier versions" in page
    assert "Version 1, saved" in page and "The first aims" in page and "The second aims" in page
    assert "Download the signed record of version 1" in page


def test_the_signed_pdf_is_printed_once_when_approved_and_served_unchanged(personas, client_for):
    a = personas.a
    request = _approve(a, site_request(a))
    record = SignedRecord.objects.get(request=request)
    assert record.version == 1
    stored = record.file.read()
    record.file.close()
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == record.sha256

    # Today's data changes (the approver's name), the signed record does not.
    a[Role.MARKETING_OFFICER].full_name = "Renamed Since"
    a[Role.MARKETING_OFFICER].save(update_fields=["full_name"])
    response = client_for(a[Role.STAFF]).get(f"/approvals/requests/{request.pk}/pdf/")
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert hashlib.sha256(served).hexdigest() == record.sha256
    assert f'filename="{request.reference}.pdf"' in response["Content-Disposition"]

    # After an edit the approved version's record stays downloadable; version 2 has none yet.
    _edit_aims(a, request, "Changed after approval")
    client = client_for(a[Role.STAFF])
    old = client.get(f"/approvals/requests/{request.pk}/pdf/?version=1")
    assert hashlib.sha256(b"".join(old.streaming_content)).hexdigest() == record.sha256
    assert client.get(f"/approvals/requests/{request.pk}/pdf/?version=2").status_code == 404
    assert client.get(f"/approvals/requests/{request.pk}/pdf/?version=x").status_code == 404
    # The current, unapproved version prints as a form, not as a signed record.
    assert client.get(f"/approvals/requests/{request.pk}/pdf/")["Content-Type"] == "application/pdf"
    assert SignedRecord.objects.filter(request=request).count() == 1


def test_another_school_cannot_download_a_signed_record(personas, client_for):
    a, b = personas.a, personas.b
    request = _approve(a, site_request(a))
    assert (
        client_for(b[Role.HEADTEACHER]).get(f"/approvals/requests/{request.pk}/pdf/?version=1").status_code
        == 404
    )


def test_versions_and_signed_records_are_one_per_number(personas):
    a = personas.a
    request = _approve(a, site_request(a))
    with connection.cursor() as cursor, pytest.raises(Exception, match="requestversion_once"):
        cursor.execute(
            "INSERT INTO approvals_requestversion (request_id, number, title, rows, by_id, at) "
            "VALUES (%s, 1, 'x', '[]', %s, now())",
            [str(request.pk), str(a[Role.STAFF].pk)],
        )
