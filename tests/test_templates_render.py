"""Every page renders its real content for the right person, and forms render as GOV.UK Frontend."""

from __future__ import annotations

import re
import uuid

import pytest
from django import forms
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import YearGroup
from accounts.roles import Role
from accounts.views import totp_secret_base32
from core.audit import audit_record
from core.forms import GovukDateInput
from core.models import AuditEntry
from core.notifications import notify
from tests.factories import PupilFactory, person

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def h1(response) -> str:
    """The page's one h1, whitespace collapsed."""
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", text(response), flags=re.S)
    assert len(headings) == 1, headings
    return " ".join(re.sub(r"<[^>]+>", " ", headings[0]).split())


def reversible(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- signing in ---------------------------------------------------------------------------------


def test_sign_in_page_has_the_form_and_the_reset_link():
    response = Client().get(reverse("accounts:login"))
    html = text(response)
    assert h1(response) == "Sign in"
    assert '<label class="govuk-label" for="id_username">Email address</label>' in html
    assert 'class="govuk-input govuk-password-input__input' in html
    assert f'href="{reverse("accounts:password_reset")}">Forgotten your password?</a>' in html
    assert "Sign out" not in html
    assert "govuk-error-summary" not in html


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(personas):
    email = personas.a[Role.STAFF].email
    response = Client().post(reverse("accounts:login"), {"username": email, "password": "not it"})
    html = text(response)
    assert response.status_code == 200
    assert "<title>Error: Sign in" in html
    summary = html[html.index("govuk-error-summary") : html.index("</ul>")]
    assert "There is a problem" in summary
    # The form-wide error links to the first field.
    assert '<a href="#id_username">Enter a correct email address and password.</a>' in summary
    assert f'value="{email}"' in html
    assert 'name="password" value=' not in html


def test_invalid_email_is_marked_next_to_its_field_and_kept():
    response = Client().post(reverse("accounts:login"), {"username": "not-an-email", "password": "x"})
    html = text(response)
    group = re.search(r'<div class="govuk-form-group govuk-form-group--error">(.*?)</div>', html, re.S)
    assert group is not None
    field_html = group.group(1)
    assert 'for="id_username">Email address</label>' in field_html
    assert (
        '<p id="id_username_error" class="govuk-error-message"><span class="govuk-visually-hidden">'
        "Error:</span> Enter a valid email address.</p>"
    ) in field_html
    field_input = re.search(r"<input[^>]*name=\"username\"[^>]*>", field_html).group(0)
    assert 'value="not-an-email"' in field_input
    assert "govuk-input--error" in field_input
    assert 'aria-describedby="id_username_error"' in field_input
    assert '<a href="#id_username">Enter a valid email address.</a>' in html


def test_sign_in_page_says_when_the_session_expired():
    client = Client()
    session = client.session
    session["portal_expired"] = True
    session.save()
    assert "You were signed out to keep your information safe." in text(client.get(reverse("accounts:login")))
    # Shown once: the flag is used up.
    assert "You were signed out" not in text(client.get(reverse("accounts:login")))


def test_lockout_page_is_the_same_for_an_existing_and_an_unknown_account(personas):
    pages = []
    for email in (personas.a[Role.STAFF].email, "nobody-here@test.example"):
        client = Client()
        for _attempt in range(6):
            response = client.post(reverse("accounts:login"), {"username": email, "password": "wrong"})
        assert response.status_code == 429
        pages.append(text(response))
    assert pages[0] == pages[1]
    assert "Too many attempts to sign in" in pages[0]
    assert "You can try again in 15 minutes." in pages[0]


# --- two-factor -------------------------------------------------------------------------------


def test_two_factor_set_up_shows_qr_secret_and_keeps_next(personas, client_for):
    user = person(Role.HEADTEACHER, school=personas.a.school)
    TOTPDevice.objects.filter(user=user).delete()
    client = client_for(user, verified=False)
    response = client.get(reverse("accounts:two_factor_setup") + "?next=/account/pupils/")
    html = text(response)
    assert h1(response) == "Set up two-factor authentication"
    assert re.search(r'<img class="portal-qr" src="data:image/svg\+xml[^"]*" alt="QR code [^"]+"', html)
    secret = totp_secret_base32(TOTPDevice.objects.get(user=user))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    assert '<input type="hidden" name="next" value="/account/pupils/">' in html
    # The navigation waits until the second factor is set up; signing out does not.
    assert reverse("accounts:pupil_list") not in html.split("<main")[0]
    assert "Sign out" in html

    wrong = client.post(reverse("accounts:two_factor_setup"), {"otp_token": "12", "next": "/"})
    assert '<a href="#id_otp_token">Enter the 6-digit code from your authenticator app.</a>' in text(wrong)
    assert 'id="id_otp_token_error"' in text(wrong)


def test_two_factor_verify_page_and_a_wrong_code(personas, client_for):
    user = personas.a[Role.DSL]
    client = client_for(user, verified=False)
    response = client.get(reverse("accounts:two_factor_verify"))
    assert h1(response) == "Enter your security code"
    assert '<label class="govuk-label" for="id_otp_token">Security code</label>' in text(response)

    device = TOTPDevice.objects.get(user=user)
    near = {totp(device.bin_key, t0=device.t0 + drift * device.step) for drift in (-1, 0, 1)}
    wrong_code = next(f"{n:06d}" for n in range(1, 10) if n not in near)
    wrong = client.post(reverse("accounts:two_factor_verify"), {"otp_token": wrong_code})
    assert "The code is not right or has expired. Enter the current code." in text(wrong)
    assert "govuk-form-group--error" in text(wrong)


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_journey_pages_and_email(personas):
    client = Client()
    user = personas.a[Role.STAFF]
    assert h1(client.get(reverse("accounts:password_reset"))) == "Reset your password"
    sent = client.post(reverse("accounts:password_reset"), {"email": user.email}, follow=True)
    assert h1(sent) == "Check your email"
    assert mail.outbox[0].subject == "Reset your password for the social media portal"
    link = re.search(r"https?://[^/\s]+(/account/password/reset/\S+/)", mail.outbox[0].body).group(1)
    assert user.full_name in mail.outbox[0].body

    confirm = client.get(link, follow=True)
    assert h1(confirm) == "Choose a new password"
    assert 'for="id_new_password1"' in text(confirm)
    expired = client.get(reverse("accounts:password_reset_confirm", args=["AAAA", "set-password"]))
    assert h1(expired) == "This link has expired"
    assert h1(client.get(reverse("accounts:password_reset_complete"))) == "Your password has been changed"


# --- home pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "heading", "url_name", "link_text"),
    [
        ("a:staff", "Member of staff – School A", "incidents:report", "Report a concern"),
        ("a:pupil", "Pupil – School A", "incidents:report", "Report a concern"),
        ("a:dsl", "Designated Safeguarding Lead – School A", "incidents:queue", "Safeguarding queue"),
        (
            "a:deputy_dsl",
            "Deputy Designated Safeguarding Lead – School A",
            "incidents:queue",
            "Safeguarding queue",
        ),
        ("a:headteacher", "Headteacher – School A", "approvals:inbox", "Approvals inbox"),
        ("a:marketing_officer", "Marketing officer – School A", "consent:check", "Consent check"),
        (
            "trust:trust_safeguarding_lead",
            "Trust safeguarding lead – Northfield Learning Trust",
            "incidents:queue",
            "Safeguarding queue",
        ),
        (
            "trust:ceo",
            "Chief executive officer – Northfield Learning Trust",
            "governance:dashboard",
            "Dashboard",
        ),
    ],
)
def test_each_role_has_its_own_home_page(personas, client_for, label, heading, url_name, link_text):
    user = personas.everyone()[label]
    response = client_for(user).get(reverse("home"))
    html = text(response)
    assert h1(response) == heading
    assert '<h2 class="govuk-heading-m">Your roles</h2>' in html
    destination = reversible(url_name)
    if destination:
        assert re.search(rf'href="{re.escape(destination)}"[^>]*>\s*{link_text}', html)
    else:
        assert link_text not in html.split("<main")[1].split("Your roles")[0]
    assert user.full_name in html
    assert f'action="{reverse("accounts:logout")}"' in html


def test_parent_home_lists_their_children_with_school(personas, client_for):
    response = client_for(personas.a[Role.PARENT]).get(reverse("home"))
    assert h1(response) == "Parent or carer – School A"
    child = personas.a.child
    assert f"<strong>{child.first_name} {child.last_name}</strong>, School A" in text(response)
    assert personas.b.child.last_name not in text(response)


def test_home_shows_unread_notifications_and_the_inbox_count(personas, client_for):
    user = personas.a[Role.STAFF]
    note = notify(user=user, subject="Your report has been read", email=False)
    html = text(client_for(user).get(reverse("home")))
    detail = reverse("governance:notification_detail", kwargs={"notification_id": note.pk})
    assert f'<a class="govuk-link" href="{detail}">Your report has been read</a>' in html
    assert '<span class="portal-count">1<span class="govuk-visually-hidden"> unread</span></span>' in html


# --- pupils -----------------------------------------------------------------------------------


def test_pupil_list_table_search_and_pagination(personas, client_for):
    PupilFactory.create_batch(50, school=personas.a.school, year_group=YearGroup.Y5, last_name="Aardvark")
    client = client_for(personas.a[Role.STAFF])
    response = client.get(reverse("accounts:pupil_list"), {"year_group": "5"})
    html = text(response)
    assert h1(response) == "Pupils"
    assert '<label class="govuk-label" for="id_year_group">Year group</label>' in html
    assert "51 pupils, showing 1 to 50" in html
    assert '<th scope="col" class="govuk-table__header">School</th>' in html
    assert 'aria-label="Pagination"' in html
    assert 'href="?year_group=5&amp;page=2"' in html
    assert personas.b.child.last_name not in html

    child = personas.a.child
    found = text(client.get(reverse("accounts:pupil_list"), {"q": child.mis_id}))
    detail = reverse("accounts:pupil_detail", kwargs={"pupil_id": child.pk})
    assert f'href="{detail}">{child.last_name}, {child.first_name}</a>' in found
    assert 'role="status">1 pupil</p>' in found and "Pagination" not in found


def test_pupil_detail_summary_and_parents(personas, client_for):
    child = personas.a.child
    response = client_for(personas.a[Role.STAFF]).get(
        reverse("accounts:pupil_detail", kwargs={"pupil_id": child.pk})
    )
    html = text(response)
    assert h1(response) == child.full_name
    assert '<dd class="govuk-summary-list__value">14 March 2015</dd>' in html
    assert personas.a[Role.PARENT].full_name in html
    assert '<td class="govuk-table__cell">Mother</td>' in html
    assert f'href="{reverse("accounts:pupil_list")}" class="govuk-back-link"' in html


# --- governance -------------------------------------------------------------------------------


def test_inbox_and_notification_detail(personas, client_for):
    user = personas.a[Role.STAFF]
    note = notify(
        user=user, subject="Takedown deadline in 4 hours", body="Line one\nLine two", link="/", email=False
    )
    client = client_for(user)
    inbox = client.get(reverse("governance:inbox"))
    assert h1(inbox) == "Inbox"
    assert "You have 1 unread notification." in text(inbox)
    assert '<strong class="govuk-tag govuk-tag--blue">New</strong>' in text(inbox)

    detail = client.get(reverse("governance:notification_detail", kwargs={"notification_id": note.pk}))
    assert h1(detail) == "Takedown deadline in 4 hours"
    assert "<p>Line one<br>Line two</p>" in text(detail)
    assert '<a href="/" role="button"' in text(detail)
    assert "You have read all your notifications." in text(client.get(reverse("governance:inbox")))


def test_audit_log_table_and_filter_error(personas, client_for):
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    audit_record(verb=AuditEntry.Verb.VIEW, obj=personas.a.child, actor=lead)
    client = client_for(lead)
    response = client.get(reverse("governance:audit_log"))
    html = text(response)
    assert h1(response) == "Audit log"
    for column in ("When", "Who", "What", "Record", "School", "From where"):
        assert f'<th scope="col" class="govuk-table__header">{column}</th>' in html
    assert lead.email in html and personas.a.child.full_name in html
    assert '<td class="govuk-table__cell">School A</td>' in html

    bad = text(
        client.get(reverse("governance:audit_log"), {"date_from": "2026-05-01", "date_to": "2020-01-01"})
    )
    assert '<a href="#id_date_to">The end date must be the same as or after the start date.</a>' in bad
    assert 'id="id_date_to_error"' in bad


# --- error pages ------------------------------------------------------------------------------


def test_403_and_404_pages(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    forbidden = client.get(reverse("governance:audit_log"))
    assert forbidden.status_code == 403
    assert h1(forbidden) == "You cannot do this"
    missing = client.get(reverse("accounts:pupil_detail", kwargs={"pupil_id": personas.b.child.pk}))
    assert missing.status_code == 404
    assert h1(missing) == "Page not found"
    assert client.get(f"/account/pupils/{uuid.uuid4()}/").status_code == 404


def test_500_page_renders_without_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Sorry, there is a problem with the service" in html
    assert "Sign out" not in html


# --- the GOV.UK form renderer -----------------------------------------------------------------


class IncidentLikeForm(forms.Form):
    platform = forms.ChoiceField(choices=[("", "Choose"), ("ig", "Instagram")])
    risk = forms.ChoiceField(
        label="Immediate risk?", widget=forms.RadioSelect, choices=[("y", "Yes"), ("n", "No")]
    )
    nature = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=[("a", "Abusive"), ("b", "Bullying")],
        help_text="All that apply.",
    )
    seen_on = forms.DateField(widget=GovukDateInput)
    count = forms.IntegerField(min_value=1)
    details = forms.CharField(widget=forms.Textarea)
    evidence = forms.FileField()
    told_dsl = forms.BooleanField(label="I have told the DSL")


def test_form_renderer_gives_govuk_markup_and_keeps_typed_values():
    form = IncidentLikeForm(
        {
            "risk": "",
            "nature": ["b"],
            "seen_on_day": "31",
            "seen_on_month": "2",
            "seen_on_year": "2026",
            "count": "x",
        }
    )
    assert not form.is_valid()
    html = str(form)
    # Radios and checkboxes sit in a fieldset; the first option carries the field's id.
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Immediate risk?</legend>' in html
    assert re.search(
        r'<input type="radio" name="risk" value="y" id="id_risk"[^>]*class="govuk-radios__input"', html
    )
    assert re.search(r'value="b" id="id_nature_1" class="govuk-checkboxes__input"[^>]*checked', html)
    assert 'aria-describedby="id_nature_helptext"' in html
    # The date keeps what was typed (31 February is not a date) and shows the error.
    assert re.search(r'name="seen_on_day" value="31"[^>]*govuk-input--error[^>]*id="id_seen_on"', html)
    assert 'name="seen_on_year" value="2026"' in html
    assert 'id="id_seen_on_error"' in html
    # Numbers are text inputs with a numeric keyboard, so a mistyped value stays visible.
    assert re.search(r'<input type="text" inputmode="numeric"[^>]*name="count" value="x"', html)
    assert 'class="govuk-textarea govuk-textarea--error"' in html
    assert 'class="govuk-select govuk-select--error"' in html
    assert 'class="govuk-file-upload govuk-file-upload--error"' in html
    assert re.search(r'name="told_dsl"[^>]*class="govuk-checkboxes__input"', html)

    valid = IncidentLikeForm(
        {
            "platform": "ig",
            "risk": "n",
            "nature": ["a"],
            "seen_on_day": "5",
            "seen_on_month": "3",
            "seen_on_year": "2026",
            "count": "2",
            "details": "Seen on a class chat",
            "told_dsl": "on",
        },
        {"evidence": SimpleUploadedFile("screenshot.png", b"x")},
    )
    assert valid.is_valid(), valid.errors
    assert valid.cleaned_data["seen_on"].isoformat() == "2026-03-05"
