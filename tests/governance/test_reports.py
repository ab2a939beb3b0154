"""The trustees' report: a PDF of figures in which no pupil or member of staff is named."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from accounts.models import Pupil, User
from accounts.roles import Role
from governance.register_models import TrusteeReport
from governance.reports import termly_report_sweep, trustee_report_generate
from tests.governance.helpers import published_policy

pytestmark = pytest.mark.django_db


def _text(report: TrusteeReport, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    with report.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_report_names_no_pupil_and_no_member_of_staff(personas, tmp_path):
    published_policy(personas)
    report = trustee_report_generate(trust=personas.trust, user=personas[Role.CEO])
    # Table cells wrap: joined up again, so a name broken over two lines is still found.
    text = " ".join(_text(report, tmp_path).split())
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
