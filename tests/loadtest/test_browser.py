"""The load test's browser and authenticator: forms read as a browser sends them, codes the portal accepts."""

import pytest
from django_otp.oath import TOTP

from loadtest.accounts import spread
from loadtest.browser import CodeClock, case_links, child_links, form_with, forms_in, totp_code

KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, as a device stores it


@pytest.mark.parametrize("step", [1, 37037036, 37037037, 41152263, 66666666])
def test_codes_match_the_portals_own_check(step):
    """The code made for a time step is the one django_otp computes for that step."""
    expected = TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6)
    expected.time = step * 30 + 5
    assert totp_code(KEY, step) == f"{expected.token():06d}"


def test_rfc_6238_reference_code():
    """59 seconds after the epoch, the RFC's SHA-1 example shows 94287082 (its last six digits)."""
    assert totp_code(KEY, 59 // 30) == "287082"


def test_an_account_never_gets_a_step_twice():
    """Two people on one account: the second waits for the next step, as a person waits for a new code."""
    clock = CodeClock()
    clock.remember("lead@trust.example", 99)
    assert clock.claim("lead@trust.example", now=100 * 30 + 10) == (100, 0.0)
    step, wait = clock.claim("lead@trust.example", now=100 * 30 + 10)
    assert (step, wait) == (101, 20.0)
    assert clock.claim("other@trust.example", now=100 * 30 + 10) == (100, 0.0)


def test_an_account_used_in_the_future_waits_for_that_step():
    """A step the portal has already seen (device.last_t) is never offered again."""
    clock = CodeClock()
    clock.remember("dsl@school.example", 205)
    assert clock.claim("dsl@school.example", now=200 * 30) == (206, 180.0)


PAGE = """
<form method="post" action="/account/sign-out/">
  <input type="hidden" name="csrfmiddlewaretoken" value="a">
</form>
<form method="post" enctype="multipart/form-data" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
  <input type="radio" name="kind" value="safeguarding"><input type="radio" name="kind" value="other" checked>
  <input type="checkbox" name="nature" value="abusive">
  <input type="checkbox" name="nature" value="threat" checked>
  <input type="text" name="seen_time" value="14:30"><input type="file" name="evidence">
  <select name="platform"><option value="">Choose</option><option value="p1">Instagram</option></select>
  <select name="school"><option value="s1">A</option><option value="s2" selected>B</option></select>
  <select name="pupils" multiple><option value="u1">Ava</option><option value="u2">Ben</option></select>
  <textarea name="description">
Line one</textarea>
  <button type="submit" name="send">Send</button>
</form>
"""


def test_a_form_is_read_as_a_browser_would_send_it():
    """Checked boxes, selected options (a single select's first if none), text and hidden fields.

    File inputs and buttons send nothing here, as a browser with no file chosen and no button named.
    """
    forms = forms_in(PAGE)
    assert [f.action for f in forms] == ["/account/sign-out/", ""]
    form = form_with(PAGE, "description")
    assert form == forms[1] and form.method == "post"
    assert dict(form.fields) == {
        "csrfmiddlewaretoken": "tok&en",
        "kind": "other",
        "nature": "threat",
        "seen_time": "14:30",
        "platform": "",
        "school": "s2",
        "description": "Line one",
    }
    assert form.options["kind"] == ["safeguarding", "other"]
    assert form.options["pupils"] == ["u1", "u2"]
    form.set("pupils", ["u1", "u2"])
    form.set("kind", "safeguarding")
    assert form.value("kind") == "safeguarding"
    assert [v for n, v in form.fields if n == "pupils"] == ["u1", "u2"]
    assert form_with(PAGE, "otp_token") is None


def test_links_to_cases_and_children_are_found_once_each():
    uuid = "0b7c3a52-3b7e-4a44-9f0e-2a1b8f6d5c11"
    html = f'<a href="/incidents/{uuid}/">A</a><a href="/incidents/{uuid}/">again</a>'
    html += '<a href="/incidents/queue/">queue</a>'
    assert case_links(html) == [f"/incidents/{uuid}/"]
    html = f'<a href="/consent/children/{uuid}/?year=2026-27">Ava</a>'
    assert child_links(html) == [f"/consent/children/{uuid}/"]


def test_people_are_spread_over_schools_before_a_second_from_any():
    """With three schools, the first three people picked come from three different schools."""
    import secrets

    rows = [(n, "a") for n in range(10)] + [(n, "b") for n in range(10, 13)] + [(20, "c")]
    picked = spread(rows, 5, secrets.SystemRandom())
    school = dict(rows)
    assert len(picked) == len(set(picked)) == 5
    assert {school[p] for p in picked[:3]} == {"a", "b", "c"}
    assert len(spread(rows, 100, secrets.SystemRandom())) == len(rows)
