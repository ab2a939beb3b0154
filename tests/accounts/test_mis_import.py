"""The MIS import: column names of common exports, a preview with every bad row's reason, apply,
and a second run that changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.mis_import import import_run_apply, parse_date, parse_relationship, parse_year_group
from accounts.models import ImportRun, Membership, ParentLink, Pupil, User, YearGroup
from accounts.roles import Action, Role
from core.models import AuditEntry

pytestmark = pytest.mark.django_db

CONTACT = "Contact {n} Forename,Contact {n} Surname,Contact {n} Email,Contact {n} Relationship,"
HEADER = (
    "UPN,Legal Forename,Legal Surname,DOB,Year,Reg Group,"
    + CONTACT.format(n=1)
    + "Contact 1 Parental Responsibility,"
    + CONTACT.format(n=2)
    + "Contact 2 Parental Responsibility"
)
# A date of birth in the future: 1 January two years on, so it is still the future when the file is
# read, even if this module was imported on New Year's Eve and the test runs after midnight.
FUTURE_YEAR = timezone.localdate().year + 2
GOOD_AND_BAD = f"""{HEADER}
A100,Ava,Patel,14/03/2016,Year 5,5P,Priya,Patel,priya.patel@home.example,Mother,Y,\
Raj,Patel,RAJ.PATEL@home.example,Father,Y
A101,Ben,Patel,02/09/2018,Year 3,3K,Priya,Patel,priya.patel@home.example,Mother,Y,,,,,
A102,,Jones,01/01/2015,6,6T,Kim,Jones,kim.jones@home.example,Mother,Y,,,,,
A103,Cal,Smith,05/05/2015,Year 14,6T,Jo,Smith,jo.smith@home.example,Carer,N,,,,,
A104,Dee,Brown,01/01/{FUTURE_YEAR},R,RB,Al,Brown,al.brown@home.example,Father,Y,,,,,
A100,Eve,Duplicate,01/02/2016,5,5P,,,,,,,,,,
A105,Fay,Green,2017-07-01,N1,Nursery,Lee,Green,not-an-email,Mother,Y,,,,,
A106,Gus,Khan,30/11/2014,Y7,7W,Sam,Khan,sam.khan@home.example,Grandmother,,Zed,Khan,,Uncle,
"""
BAD_REASONS = {
    4: ["The first name is missing"],
    5: ["The year group “Year 14” is not known (use N, Reception or R, or Year 1 to Year 13)"],
    6: [f"The date of birth 01/01/{FUTURE_YEAR} is in the future"],
    7: ["MIS id A100 appears again: it is first on row 2"],
    8: ["Contact 1's email address “not-an-email” is not valid"],
}


def upload(client, personas, text: str, name: str = "sims-export.csv"):
    return client.post(
        reverse("accounts:import_upload"),
        {"school": personas.a.school.pk, "file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")},
    )


@pytest.fixture
def admin_client(personas, client_for):
    return client_for(personas[Role.TRUST_ADMINISTRATOR])


def counts() -> tuple[int, int, int, int]:
    return (
        Pupil.objects.count(),
        User.objects.count(),
        ParentLink.objects.count(),
        Membership.objects.count(),
    )


def preview_then_apply(client, personas, text, capture) -> ImportRun:
    with capture(execute=True):
        response = upload(client, personas, text)
    run = ImportRun.objects.latest("uploaded_at")
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:import_run", args=[run.pk]
    )
    assert run.status == ImportRun.Status.PREVIEWED
    with capture(execute=True):
        assert client.post(reverse("accounts:import_apply", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.APPLIED, run.error
    return run


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Year 7", 7),
        ("7", 7),
        ("Y7", 7),
        ("07", 7),
        ("NC Year 11", 11),
        ("R", 0),
        ("YR", 0),
        ("Reception", 0),
        ("Year R", 0),
        ("N1", -1),
        ("N2", -1),
        ("Nursery", -1),
        ("Year 14", None),
        ("Y0", None),
        ("Sixth form", None),
    ],
)
def test_year_groups_as_mis_exports_write_them(text, year):
    assert parse_year_group(text) == year


def test_dates_and_relationships():
    assert parse_date("14/03/2016") == date(2016, 3, 14)
    assert parse_date("2016-03-14") == date(2016, 3, 14)
    assert parse_date("14.03.2016") == date(2016, 3, 14)
    assert parse_date("14/03/2016 00:00:00") == date(2016, 3, 14)
    assert parse_date("31/02/2016") is None
    assert parse_relationship("Mum") == ParentLink.Relationship.MOTHER
    assert parse_relationship("Foster Carer") == ParentLink.Relationship.CARER
    assert parse_relationship("Step-father") == ParentLink.Relationship.OTHER


def test_the_preview_reports_each_bad_row_and_saves_nothing(
    personas, admin_client, django_capture_on_commit_callbacks
):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, personas, GOOD_AND_BAD)
    run = ImportRun.objects.get()

    assert run.status == ImportRun.Status.PREVIEWED
    assert {row["row"]: row["reasons"] for row in run.preview["rejected"]} == BAD_REASONS
    c = run.preview["counts"]
    assert (c["rows"], c["pupils_created"], c["rejected"], c["parents_created"], c["links_created"]) == (
        8,
        3,
        5,
        3,
        4,
    )
    assert counts() == before
    page = admin_client.get(reverse("accounts:import_run", args=[run.pk]))
    html = page.content.decode()
    assert "The first name is missing" in html and "appears again" in html and "Import the file" in html
    assert "Contact 2 (Zed Khan) has no email address" in html
    assert "Contact 1&#x27;s parental responsibility is blank" in html


def test_applying_imports_the_good_rows_and_a_second_run_changes_nothing(
    personas, admin_client, client_for, django_capture_on_commit_callbacks
):
    run = preview_then_apply(admin_client, personas, GOOD_AND_BAD, django_capture_on_commit_callbacks)
    school = personas.a.school

    imported = {p.mis_id: p for p in Pupil.objects.filter(school=school, mis_id__startswith="A1")}
    assert set(imported) == {"A100", "A101", "A106"}
    ava = imported["A100"]
    assert (ava.first_name, ava.last_name, ava.date_of_birth, ava.year_group, ava.class_name) == (
        "Ava",
        "Patel",
        date(2016, 3, 14),
        YearGroup.Y5,
        "5P",
    )
    priya = User.objects.get(email="priya.patel@home.example")
    assert not priya.has_usable_password()
    assert User.objects.filter(email="raj.patel@home.example").exists()  # stored in lower case
    assert set(access.children_of(priya)) == {imported["A100"], imported["A101"]}
    grandmother = ParentLink.objects.get(parent__email="sam.khan@home.example")
    assert grandmother.relationship == ParentLink.Relationship.GRANDPARENT
    assert grandmother.parental_responsibility is False
    # New parents hold the parent role in the school, with its permissions, and see their children.
    assert Membership.objects.filter(user=priya, role=Role.PARENT, school=school).exists()
    assert access.can(priya, Action.REPORT_CONCERN, school)
    page = client_for(priya).get(reverse("consent:parent"))
    assert {c.mis_id for c, _ in page.context["children"]} == {"A100", "A101"}
    assert run.result["counts"]["pupils_created"] == 3
    assert AuditEntry.objects.filter(
        object_type="accounts.pupil", verb="create", object_id=str(ava.pk)
    ).exists()

    before = counts()
    audit_before = AuditEntry.objects.filter(
        object_type__in=["accounts.pupil", "accounts.parentlink"]
    ).count()
    again = preview_then_apply(admin_client, personas, GOOD_AND_BAD, django_capture_on_commit_callbacks)
    c = again.preview["counts"]
    assert (c["pupils_created"], c["pupils_changed"], c["pupils_unchanged"]) == (0, 0, 3)
    assert (c["parents_created"], c["links_created"], c["links_changed"], c["links_unchanged"]) == (
        0,
        0,
        0,
        4,
    )
    assert counts() == before
    assert (
        AuditEntry.objects.filter(object_type__in=["accounts.pupil", "accounts.parentlink"]).count()
        == audit_before
    )


def test_a_changed_export_updates_pupils_and_links(
    personas, admin_client, django_capture_on_commit_callbacks
):
    preview_then_apply(admin_client, personas, GOOD_AND_BAD, django_capture_on_commit_callbacks)
    changed = GOOD_AND_BAD.replace(
        "A101,Ben,Patel,02/09/2018,Year 3,3K,Priya,Patel,priya.patel@home.example,Mother,Y",
        "A101,Ben,Patel,02/09/2018,Year 4,4K,Priya,Patel,priya.patel@home.example,Mother,N",
    )
    run = preview_then_apply(admin_client, personas, changed, django_capture_on_commit_callbacks)
    assert run.preview["changed"] == [
        {
            "row": 3,
            "mis_id": "A101",
            "name": "Ben Patel",
            "changes": {"year group": ["Year 3", "Year 4"], "class": ["3K", "4K"]},
        }
    ]
    assert run.result["counts"]["links_changed"] == 1
    ben = Pupil.objects.get(mis_id="A101")
    assert (ben.year_group, ben.class_name) == (4, "4K")
    assert not ParentLink.objects.get(pupil=ben).parental_responsibility
    assert AuditEntry.objects.filter(
        object_type="accounts.pupil", verb="update", object_id=str(ben.pk)
    ).exists()


def test_other_column_names_and_separators_are_understood(
    personas, admin_client, django_capture_on_commit_callbacks
):
    text = (
        "Admission No;Forename;Surname;Date of Birth;NC Year;Form;Contact1 Email;Contact1 PR\r\n"
        "0042;Ola;Nwosu;01.09.2012;10;10N;ola.mum@home.example;Yes\r\n"
    )
    preview_then_apply(admin_client, personas, "\ufeff" + text, django_capture_on_commit_callbacks)
    pupil = Pupil.objects.get(mis_id="0042")
    assert (pupil.first_name, pupil.year_group, pupil.class_name) == ("Ola", 10, "10N")
    assert ParentLink.objects.get(pupil=pupil).parental_responsibility


def test_a_file_without_a_needed_column_fails_with_a_clear_message(
    personas, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, personas, "UPN,Forename,Surname,Year\nA1,Ann,Lee,5\n")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.error.startswith("The file has no column for: Date of birth")
    assert "Date of birth" in admin_client.get(reverse("accounts:import_run", args=[run.pk])).content.decode()


def test_a_file_that_is_not_csv_is_refused(personas, admin_client):
    response = upload(admin_client, personas, "PK\x00\x03binary", name="pupils.xlsx")
    assert response.status_code == 200 and "must be a CSV file" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_working_import_page_refreshes_itself(personas, admin_client):
    upload(admin_client, personas, GOOD_AND_BAD)  # the preview is queued after commit, which never comes here
    run = ImportRun.objects.get()
    page = admin_client.get(reverse("accounts:import_run", args=[run.pk]))
    assert run.status == ImportRun.Status.PREVIEWING and page["Refresh"] == "3"


def test_imports_are_for_the_trust_administrator(
    personas, client_for, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, personas, GOOD_AND_BAD)
    run = ImportRun.objects.get()
    for role in (Role.MARKETING_OFFICER, Role.HEADTEACHER):
        client = client_for(personas.a[role])
        assert client.get(reverse("accounts:import_upload")).status_code == 403
        assert client.get(reverse("accounts:import_run", args=[run.pk])).status_code == 404
        assert client.post(reverse("accounts:import_apply", args=[run.pk])).status_code == 404
    assert admin_client.get(reverse("accounts:import_apply", args=[run.pk])).status_code == 405
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED


def test_an_import_started_twice_runs_once(personas, admin_client, django_capture_on_commit_callbacks):
    run = preview_then_apply(admin_client, personas, GOOD_AND_BAD, django_capture_on_commit_callbacks)
    audit = AuditEntry.objects.count()
    import_run_apply(run_id=run.pk)  # a redelivered task finds the run already applied
    assert AuditEntry.objects.count() == audit


def test_an_import_whose_worker_was_lost_is_started_again(personas, admin_client):
    from datetime import timedelta

    from accounts.tasks import resume_stalled_imports

    upload(admin_client, personas, GOOD_AND_BAD)  # queued after a commit that never comes: as if lost
    run = ImportRun.objects.get()
    assert resume_stalled_imports() == 0  # not stalled yet
    ImportRun.objects.filter(pk=run.pk).update(uploaded_at=timezone.now() - timedelta(minutes=11))
    assert resume_stalled_imports() == 1
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED
    assert resume_stalled_imports() == 0


def test_an_imported_parent_sets_a_password_through_password_reset(
    personas, admin_client, django_capture_on_commit_callbacks
):
    import re

    from django.core import mail
    from django.test import Client

    preview_then_apply(admin_client, personas, GOOD_AND_BAD, django_capture_on_commit_callbacks)
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "Priya.Patel@home.example"})
    (message,) = mail.outbox
    assert message.to == ["priya.patel@home.example"]
    link = re.search(r"https?://[^/\s]+(/account/password/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]
    new_password = "a long and unguessable phrase 42"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    priya = User.objects.get(email="priya.patel@home.example")
    assert priya.check_password(new_password)


def test_the_old_consent_addresses_send_an_administrator_on_to_the_import(
    personas, client_for, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, personas, GOOD_AND_BAD)
    run = ImportRun.objects.get()
    old_and_new = [
        ("GET", "/consent/import/", reverse("accounts:import_upload")),
        ("GET", f"/consent/import/{run.pk}/", reverse("accounts:import_run", args=[run.pk])),
        ("POST", f"/consent/import/{run.pk}/apply/", reverse("accounts:import_apply", args=[run.pk])),
    ]
    for method, old, new in old_and_new:
        assert new.startswith("/account/pupils/import/")
        response = getattr(admin_client, method.lower())(old)
        # 308 keeps the method: a form posted from a page opened before the move still reaches it.
        assert (response.status_code, response["Location"]) == (308, new), (method, old)
    # Following the redirect posts again to the new address, which starts the import.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/consent/import/{run.pk}/apply/", follow=True)
    assert response.redirect_chain[-1] == (reverse("accounts:import_run", args=[run.pk]), 302)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.APPLIED, run.error
    # Someone the import's pages refuse is refused at the old addresses too, before any redirect.
    headteacher = client_for(personas.a[Role.HEADTEACHER])
    assert headteacher.get("/consent/import/").status_code == 403
    assert headteacher.get(f"/consent/import/{run.pk}/").status_code == 404
    assert headteacher.post(f"/consent/import/{run.pk}/apply/").status_code == 404


def test_a_task_queued_under_its_old_consent_name_still_runs(personas, admin_client):
    from celery import current_app

    from accounts import tasks

    run = ImportRun.objects.create(
        school=personas.a.school,
        uploaded_by=personas[Role.TRUST_ADMINISTRATOR],
        original_name="sims-export.csv",
        file=SimpleUploadedFile("sims-export.csv", GOOD_AND_BAD.encode("utf-8")),
    )
    registered = current_app.tasks
    for old, new in [
        ("consent.tasks.preview_import", tasks.preview_import),
        ("consent.tasks.apply_import", tasks.apply_import),
        ("consent.tasks.resume_stalled_imports", tasks.resume_stalled_imports),
    ]:
        assert old in registered and new.name == old.replace("consent.", "accounts.")
    registered["consent.tasks.preview_import"].apply(args=[str(run.pk)])
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED, run.error
