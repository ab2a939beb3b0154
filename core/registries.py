"""Registries: what each app tells the top layer about itself.

An app registers its entries in ``AppConfig.ready()``; the home page, the navigation, the
dashboards, the trustees' reports, the audit log, subject access and retention read them. Nothing
here imports an app: each entry carries the callables that answer for its app (who may see it,
what it holds about a pupil), so the access rules stay in the app's own code, built on the access
layer.

The registries are filled once at start-up and only read afterwards, so they need no locking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered set of entries, each with a unique key."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        key = entry.key  # type: ignore[attr-defined]
        if key in self._entries:
            raise ValueError(f"{self.name}: {key!r} is registered twice")
        self._entries[key] = entry
        return entry

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._entries.values(), key=lambda e: (getattr(e, "order", 0), e.key)))  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> T:
        return self._entries[key]


@dataclass(frozen=True)
class NavEntry:
    """An entry of the service navigation: shown to the people ``visible_to`` answers True for."""

    key: str
    label: str
    url_name: str
    visible_to: Callable[[Any], bool]
    order: int = 100


@dataclass(frozen=True)
class HomeCard:
    """A call to action on the home page. Of the cards ``visible_to`` a person, the first in
    ``order`` is the page's lead (its ``description`` and a button, or its own ``template`` given
    ``context(user)``); the others are listed as links. ``warning`` is shown under the lead."""

    key: str
    label: str
    url_name: str
    visible_to: Callable[[Any], bool]
    description: str = ""
    order: int = 100
    start: bool = False
    warning: str = ""
    template: str = ""
    context: Callable[[Any], dict] | None = None


@dataclass(frozen=True)
class SubjectAccessSection:
    """What one app holds about a pupil, for a subject access export.

    ``export_for(pupil)`` returns the section's rows as plain data (JSON-ready: text, numbers,
    ISO dates); ``chronology_for(rows)`` the dated entries they add to the export's chronology
    (``at``, ``type``, ``by``, ``text``, ``record``); ``withheld_from(user, pupil)`` is True when the
    section would hold records naming ``user``, who then may not make the export. ``columns`` are
    (key, heading) pairs for the printed table, or ``print_template`` a template of its own.
    ``models`` are the models whose rows about a pupil the section covers: a test walks every
    model that refers to a pupil and fails if one is covered by no section."""

    key: str
    title: str
    export_for: Callable[[Any], list[dict]]
    models: tuple[type, ...]
    columns: tuple[tuple[str, str], ...] = ()
    print_template: str = ""
    chronology_for: Callable[[list[dict]], list[dict]] = lambda rows: []
    withheld_from: Callable[[Any, Any], bool] = lambda user, pupil: False
    empty: str = "None recorded."
    order: int = 100


@dataclass(frozen=True)
class Due:
    """A record whose retention period has ended: listed for the data protection officer."""

    school_id: Any
    object_id: str
    label: str
    review_due: date


@dataclass(frozen=True)
class RetentionType:
    """A kind of record with a retention period, counted from the pupil's date of birth
    (``basis="date_of_birth"``) or from when the record was made (``"recorded"``).

    ``due(trust, years, today)`` lists the records of the trust whose period has ended;
    ``naming(user)`` returns a queryset of the ids (as text) of records that name the user, whose
    reviews another officer decides (None when the type names no one). ``models`` are the models
    whose rows about a pupil the type governs (see SubjectAccessSection).

    ``erase(object_id)`` carries out an erase decision on one listed record: its personal data is
    removed or irreversibly anonymised, in its own rows, the rows that hang from it and the audit
    entries about them, and its files are deleted from storage. It returns how many rows of each
    kind it changed ({"incidents.incident": 1, ...}), never what they held: that is the erasure
    certificate's content. ``erase_pupil(pupil)`` does the same, on the pupil's request, for what
    the type holds about one pupil (the records about them, or their place in a shared record).

    ``kept_on_request`` says why the law requires the records to be kept until their period ends,
    whoever asks: a person's request does not erase them (UK GDPR Article 17(3)(b)); the
    retention schedule does, when their period is over. ``identity`` marks the type holding the
    person's own record, kept as long as such records name them."""

    key: str
    label: str
    basis: str
    default_years: int
    due: Callable[[Any, int, date], list[Due]]
    models: tuple[type, ...]
    erase: Callable[[str], dict[str, int]] | None = None
    erase_pupil: Callable[[Any], dict[str, int]] | None = None
    kept_on_request: str = ""
    # The person's own record (name, date of birth): kept with records that must be kept naming
    # them, so that what is kept still says whom it is about.
    identity: bool = False
    naming: Callable[[Any], Any] = lambda user: None
    order: int = 100


@dataclass(frozen=True)
class FigureCounts:
    """What one dashboard figure counted. ``by_school`` is {school id: {name: value}}, the names
    being those of the dashboard's per-school figures the entry fills (``open_incidents``...);
    ``chart`` the rows of the figure's chart across all the schools, if it has one, and
    ``columns`` that chart's (value, label) columns."""

    by_school: dict[Any, dict[str, Any]]
    chart: list[dict] = field(default_factory=list)
    columns: list[tuple[Any, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DashboardFigure:
    """A figure of the school and trust dashboards and the trustees' reports, read in one query
    whatever the number of schools.

    ``counts(school_ids=, viewer=, today=)`` returns FigureCounts as ``viewer`` may see them (the
    records naming the viewer left out, through ``accounts.access.without_subjects``), or every
    record when ``viewer`` is None. A figure that counts records naming people also gives
    ``counted(school_ids=, today=)``, each counted record (id as text) with what it added to the
    figures (kept beside a stored report), and ``naming(user=, school_ids=)``, the ids as text of
    those of its records in these schools that name ``user``: a stored report is shown to them
    less what those records added."""

    key: str
    label: str
    counts: Callable[..., FigureCounts]
    counted: Callable[..., dict[str, dict]] | None = None
    naming: Callable[..., set[str]] | None = None
    order: int = 100


@dataclass(frozen=True)
class AuditNaming:
    """Records of an app that may name a person as their subject: ``naming(user)`` returns, by
    audit object type (``app_label.model``), a queryset of the ids as text of those naming
    ``user``. The audit log leaves their entries out for that user, as every other page does."""

    key: str
    naming: Callable[[Any], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class DemoRecords:
    """An app's sample records for the demo trust: ``seed(data)`` adds them to every demo school
    (``data`` is what the demo seeding made: schools, logins, pupils), and does nothing the
    second time."""

    key: str
    seed: Callable[[Any], None]
    order: int = 100


@dataclass(frozen=True)
class DeadlineCount:
    """A kind of deadline the portal chases (a takedown's 24 hours, a first response, a review):
    ``overdue(now, school_ids)`` counts those passed and not met, in those schools (every school
    when ``school_ids`` is None), for the operations status page, /healthz/deadlines and metrics."""

    key: str
    label: str
    overdue: Callable[[datetime, Any], int]
    order: int = 100


navigation: Registry[NavEntry] = Registry("navigation")
home_cards: Registry[HomeCard] = Registry("home cards")
subject_access_sections: Registry[SubjectAccessSection] = Registry("subject access sections")
retention_types: Registry[RetentionType] = Registry("retention types")
dashboard_figures: Registry[DashboardFigure] = Registry("dashboard figures")
demo_records: Registry[DemoRecords] = Registry("demo records")
deadline_counts: Registry[DeadlineCount] = Registry("deadline counts")
audit_naming: Registry[AuditNaming] = Registry("audit naming")


def register_navigation(app: str, rows) -> None:
    """Register an app's navigation entries given as (key, label, URL name, visible_to, order)."""
    for key, label, url_name, visible_to, order in rows:
        navigation.register(
            NavEntry(key=f"{app}.{key}", label=label, url_name=url_name, visible_to=visible_to, order=order)
        )
