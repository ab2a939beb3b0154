"""The trustees' report: a PDF of figures in which no pupil or member of staff is named."""

import pytest
from django.urls import reverse

from accounts.models import Pupil, User
from accounts.roles import Role
from governance.models import TrusteeReport
from governance.reports import termly_report_sweep, trustee_report_generate
from tests.governance.helpers import published_policy
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


def _text(report: TrusteeReport) -> str:
    # Table cells wrap: joined up again, so a name broken over two lines is still found.
    with report.file.open("rb") as handle:
        return pdf_text(handle.read(), joined=True)


def test_the_report_names_no_pupil_and_no_member_of_staff(personas):
    published_policy(personas)
    report = trustee_report_generate(trust=personas.trust, user=personas[Role.CEO])
    text = _text(report)
    assert "Trustees" in text and "School A" in text and "Open incidents" in text
    names = [p.first_name for p in Pupil.objects.all()] + [p.last_name for p in Pupil.objects.all()]
    names += [u.full_name for u in User.objects.all()] + [u.email for u in User.objects.all()]
    assert names
    for name in names:
        assert name not in text, name


def test_the_termly_run_makes_one_report_per_term(personas):
    assert termly_report_sweep() == 1
    assert termly_report_sweep() == 0
    assert TrusteeReport.objects.filter(scheduled=True).count() == 1


def test_trust_roles_download_and_school_roles_are_refused(personas, client_for):
    report = trustee_report_generate(trust=personas.trust)
    url = reverse("governance:trustee_report_download", kwargs={"report_id": report.pk})
    response = client_for(personas[Role.TRUSTEE]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for(personas.a[Role.HEADTEACHER]).get(url).status_code == 403
    assert client_for(personas[Role.TRUST_ADMINISTRATOR]).get(url).status_code == 403
