"""People using the portal at once, each through the real pages: sign-in, second factor, forms.

scripts/load-test runs this headless against gunicorn. LOAD_ACCOUNTS names the JSON file written
by ``python -m loadtest.accounts``; LOAD_WAIT is the think time between pages ("1-3" seconds).
Each simulated person takes an account of their role no one else in the run holds while the pool
lasts, and the accounts come from schools spread across the trust.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections import deque
from urllib.parse import urlencode, urlsplit

import gevent
from locust import HttpUser, between, task

from loadtest.browser import CodeClock, case_links, child_links, form_with, totp_code

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
PASSWORD = ACCOUNTS["password"]
WAIT_MIN, _, WAIT_MAX = os.environ.get("LOAD_WAIT", "1-3").partition("-")
rng = secrets.SystemRandom()
CLOCK = CodeClock()
for people in ACCOUNTS["pools"].values():
    for person in people:
        CLOCK.remember(person["email"], person["last_t"])

SIGN_IN = "/account/sign-in/"
TWO_FACTOR = "/account/two-factor/"
PURPOSES = (
    "school_website",
    "school_social_media",
    "trust_social_media",
    "press_and_media",
    "prospectus_and_print",
    "internal_displays",
    "video_and_livestream",
)
DESCRIPTIONS = (
    "A post on a pupil's public account shows another pupil in school uniform with an unkind caption.",
    "Comments under the school's latest post call a member of staff names.",
    "A pupil was sent repeated messages from an account that hides who is behind it.",
    "A video filmed in the playground has been shared in a group chat with pupils from other schools.",
)


class Accounts:
    """Hands out a pool's people in random order; after the last one, starts again."""

    def __init__(self, people: list[dict]) -> None:
        self.people = people
        self.queue: deque[dict] = deque()
        self.lock = threading.Lock()

    def take(self) -> dict:
        with self.lock:
            if not self.queue:
                shuffled = list(self.people)
                rng.shuffle(shuffled)
                self.queue.extend(shuffled)
            return self.queue.popleft()


POOLS = {name: Accounts(people) for name, people in ACCOUNTS["pools"].items()}


class PortalUser(HttpUser):
    """Someone who signs in through the sign-in page (and second factor) and then works."""

    abstract = True
    pool = ""
    wait_time = between(float(WAIT_MIN), float(WAIT_MAX or WAIT_MIN))

    def on_start(self) -> None:
        self.person = POOLS[self.pool].take()
        self.sign_in()

    # --- pages ------------------------------------------------------------------------------

    def page(self, url: str, name: str, *, expect: str, data=None, signing_in: bool = False):
        """GET (or POST when data is given) a page; a failure unless it ends where expected.

        Landing on the sign-in or second-factor page means the session was lost, except while
        signing in, when the password leads a privileged role to the second factor.
        """
        method = self.client.post if data is not None else self.client.get
        with method(url, data=data, name=name, catch_response=True) as response:
            path = urlsplit(response.url or "").path
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} at {path}")
            elif path == SIGN_IN and expect != SIGN_IN:
                response.failure("sent to the sign-in page")
            elif path == TWO_FACTOR and not signing_in:
                response.failure("sent to the second-factor page")
            elif not path.startswith(expect) and not (signing_in and path == TWO_FACTOR):
                response.failure(f"ended at {path}, expected {expect}")
            else:
                response.success()
            return response

    def sign_in(self) -> None:
        """The sign-in form with email and password, then a code from the authenticator."""
        login = self.page(SIGN_IN, "sign-in page", expect=SIGN_IN)
        form = form_with(login.text, "password")
        if form is None:
            return
        form.set("username", self.person["email"])
        form.set("password", PASSWORD)
        response = self.page(form.action or SIGN_IN, "sign in", data=form.fields, expect="/", signing_in=True)
        if urlsplit(response.url).path == TWO_FACTOR:
            self.second_factor(response)

    def second_factor(self, response) -> None:
        """Wait for a code not used before (as a person would), then enter it."""
        form = form_with(response.text, "otp_token")
        if form is None or not self.person["totp_key"]:
            return
        step, wait = CLOCK.claim(self.person["email"])
        if wait:
            gevent.sleep(wait)
        form.set("otp_token", totp_code(self.person["totp_key"], step))
        # The form posts to its own address, which carries ?next= to the page first asked for.
        self.page(response.url, "two-factor code", data=form.fields, expect="/")

    # --- shared tasks ---------------------------------------------------------------------

    @task(1)
    def home(self) -> None:
        self.page("/", "home", expect="/")


class DesignatedSafeguardingLead(PortalUser):
    """A DSL (or deputy) working their school's queue and opening cases."""

    pool = "dsl"
    weight = 5
    cases: list[str] = []

    @task(4)
    def queue(self) -> None:
        response = self.page("/incidents/queue/", "queue", expect="/incidents/queue/")
        self.cases = case_links(response.text)

    @task(1)
    def queue_filtered(self) -> None:
        filters = {"status": rng.choice(["new", "in_progress", "closed"])}
        if rng.random() < 0.5:
            filters["overdue"] = "on"
        self.page(f"/incidents/queue/?{urlencode(filters)}", "queue (filtered)", expect="/incidents/queue/")

    @task(3)
    def open_case(self) -> None:
        if self.cases:
            self.page(rng.choice(self.cases), "incident", expect="/incidents/")


class TrustSafeguardingLead(PortalUser):
    """The trust safeguarding lead: every school's queue, by school and page."""

    pool = "trust_safeguarding_lead"
    fixed_count = 1
    cases: list[str] = []

    @task(3)
    def queue(self) -> None:
        page = rng.choice([1, 1, 2, 3])
        response = self.page(f"/incidents/queue/?page={page}", "queue (trust)", expect="/incidents/queue/")
        self.cases = case_links(response.text)

    @task(1)
    def queue_for_school(self) -> None:
        school = rng.choice(POOLS["dsl"].people)["school"]
        self.page(
            f"/incidents/queue/?school={school}", "queue (trust, one school)", expect="/incidents/queue/"
        )

    @task(2)
    def open_case(self) -> None:
        if self.cases:
            self.page(rng.choice(self.cases), "incident", expect="/incidents/")


class MemberOfStaff(PortalUser):
    """Staff reporting what they saw (a real write) and following their own reports."""

    pool = "staff"
    weight = 5

    @task(2)
    def report(self) -> None:
        response = self.page("/incidents/report/", "report form", expect="/incidents/report/")
        form = form_with(response.text, "description")
        if form is None:
            return
        form.set("kind", rng.choice(form.options["kind"]))
        form.set("immediate_risk", "no")
        form.set("platform", rng.choice([p for p in form.options["platform"] if p not in ("", "other")]))
        form.set("description", rng.choice(DESCRIPTIONS))
        form.set("urls", "https://www.instagram.com/p/load-test-example/")
        if "school" in form.options:
            form.set("school", next(s for s in form.options["school"] if s))
        pupils = [p for p in form.options.get("pupils", []) if p]
        if pupils and rng.random() < 0.5:
            form.set("pupils", rng.choice(pupils))
        self.page(
            form.action or "/incidents/report/", "report (send)", data=form.fields, expect="/incidents/"
        )

    @task(2)
    def my_reports(self) -> None:
        self.page("/incidents/mine/", "my reports", expect="/incidents/mine/")


class MarketingOfficer(PortalUser):
    """The marketing officer checking consent for a year group before a post."""

    pool = "marketing_officer"
    weight = 2

    @task(3)
    def consent_check(self) -> None:
        response = self.page("/consent/check/", "consent check form", expect="/consent/check/")
        form = form_with(response.text, "purpose")
        years = [y for y in (form.options.get("year_group", []) if form else []) if y]
        query = {"purpose": rng.choice(PURPOSES), "year_group": rng.choice(years) if years else ""}
        self.page(f"/consent/check/?{urlencode(query)}", "consent check", expect="/consent/check/")


class Parent(PortalUser):
    """A parent opening their children's consent page and one child's answers."""

    pool = "parent"
    weight = 4
    children: list[str] = []

    @task(2)
    def overview(self) -> None:
        response = self.page("/consent/children/", "parent consent", expect="/consent/children/")
        self.children = child_links(response.text)

    @task(1)
    def child(self) -> None:
        if self.children:
            self.page(rng.choice(self.children), "child consent", expect="/consent/children/")


class TrustDashboard(PortalUser):
    """A trust role (CEO, chair, trustee, director of marketing, DPO) opening the dashboard."""

    pool = "trust_dashboard"
    fixed_count = 1

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/", "dashboard", expect="/dashboard/")
