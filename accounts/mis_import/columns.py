"""Reading a MIS export: which column is which, and every row checked (see accounts.mis_import)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import ParentLink, YearGroup

log = logging.getLogger(__name__)

MAX_CONTACTS = 4


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    names: tuple[str, ...]
    required: bool = True
    help: str = ""


PUPIL_COLUMNS: tuple[Column, ...] = (
    Column(
        "mis_id",
        "MIS id",
        ("MIS ID", "UPN", "Admission No", "Admission Number", "Adno", "Pupil ID"),
        help="The pupil's id in the MIS; it must stay the same in every export.",
    ),
    Column(
        "first_name", "First name", ("Legal Forename", "Forename", "First Name", "Firstname", "Given Name")
    ),
    Column("last_name", "Surname", ("Legal Surname", "Surname", "Last Name", "Lastname", "Family Name")),
    Column(
        "date_of_birth",
        "Date of birth",
        ("DOB", "Date of Birth", "Birth Date"),
        help="DD/MM/YYYY, YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY.",
    ),
    Column(
        "year_group",
        "Year group",
        ("Year", "NC Year", "Year Group", "Curriculum Year", "National Curriculum Year"),
        help="Year 7, Y7 or 7; R, YR or Reception; N, N1, N2 or Nursery.",
    ),
    Column(
        "class_name",
        "Class",
        ("Reg Group", "Registration Group", "Class", "Form", "Tutor Group"),
        required=False,
        help="Optional.",
    ),
)
CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("email", "Email", ("Email", "Email Address", "E-mail"), required=False),
    Column("forename", "Forename", ("Forename", "First Name", "Firstname"), required=False),
    Column("surname", "Surname", ("Surname", "Last Name", "Lastname"), required=False),
    Column(
        "relationship",
        "Relationship",
        ("Relationship", "Relation"),
        required=False,
        help="Mother, Father, Carer, Guardian, Grandparent…; anything else is recorded as Other.",
    ),
    Column(
        "parental_responsibility",
        "Parental Responsibility",
        ("Parental Responsibility", "PR", "Has Parental Responsibility"),
        required=False,
        help="Y or N. Only contacts with parental responsibility give consent.",
    ),
)


def _key(name: str) -> str:
    """A column name reduced to lower-case letters and digits, for matching."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no header, a needed column missing, a row that is not CSV)."""


def map_columns(header: list[str]) -> tuple[dict[str, int], dict[int, dict[str, int]]]:
    """Which position holds each pupil field and each contact's fields; raises on a missing column."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(_key(name), index)
    pupil: dict[str, int] = {}
    missing = []
    for column in PUPIL_COLUMNS:
        found = next((positions[_key(n)] for n in column.names if _key(n) in positions), None)
        if found is not None:
            pupil[column.field] = found
        elif column.required:
            missing.append(f"{column.label} (“{'”, “'.join(column.names[:3])}”)")
    if missing:
        raise ImportFileError("The file has no column for: " + "; ".join(missing) + ".")
    contacts: dict[int, dict[str, int]] = {}
    for number in range(1, MAX_CONTACTS + 1):
        fields = {}
        for column in CONTACT_COLUMNS:
            for name in column.names:
                for prefix in (f"Contact {number} ", f"Contact{number} "):
                    if _key(prefix + name) in positions and column.field not in fields:
                        fields[column.field] = positions[_key(prefix + name)]
        if "email" in fields:
            contacts[number] = fields
    return pupil, contacts


# --- reading values ------------------------------------------------------------------------------

_YEAR_WORDS = {
    "r": YearGroup.RECEPTION,
    "yr": YearGroup.RECEPTION,
    "rec": YearGroup.RECEPTION,
    "reception": YearGroup.RECEPTION,
    "n": YearGroup.NURSERY,
    "n1": YearGroup.NURSERY,
    "n2": YearGroup.NURSERY,
    "nur": YearGroup.NURSERY,
    "nursery": YearGroup.NURSERY,
}


def parse_year_group(value: str) -> int | None:
    """The year group a MIS writes as "Year 7", "Y7", "7", "R", "Reception", "N1"…; None if unknown."""
    text = re.sub(r"\s+", " ", value.strip().lower())
    if text in _YEAR_WORDS:
        return int(_YEAR_WORDS[text])
    text = re.sub(r"^(national curriculum year|curriculum year|nc year|year|yr|y)\s*", "", text)
    if text in _YEAR_WORDS:
        return int(_YEAR_WORDS[text])
    if text.isdigit() and 1 <= int(text) <= 13:
        return int(text)
    return None


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


def parse_date(value: str) -> date | None:
    """A date as MIS exports write it (UK order first); None if it is not one."""
    text = value.strip().split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


_RELATIONSHIPS = {
    ParentLink.Relationship.MOTHER: {"mother", "mum", "mom", "birth mother"},
    ParentLink.Relationship.FATHER: {"father", "dad", "birth father"},
    ParentLink.Relationship.CARER: {
        "carer",
        "foster carer",
        "foster mother",
        "foster father",
        "foster parent",
    },
    ParentLink.Relationship.GUARDIAN: {"guardian", "legal guardian", "special guardian"},
    ParentLink.Relationship.GRANDPARENT: {"grandparent", "grandmother", "grandfather", "grandma", "grandad"},
}


def parse_relationship(value: str) -> str:
    """The portal's relationship for a MIS's wording; anything not recognised is Other."""
    text = re.sub(r"\s+", " ", value.strip().lower().replace("-", " "))
    for relationship, words in _RELATIONSHIPS.items():
        if text in words:
            return relationship
    return ParentLink.Relationship.OTHER


def parse_yes_no(value: str) -> bool | None:
    """Y/N, Yes/No, True/False, 1/0; None when blank; raises ValueError otherwise."""
    text = value.strip().lower()
    if not text:
        return None
    if text in {"y", "yes", "true", "1", "t"}:
        return True
    if text in {"n", "no", "false", "0", "f"}:
        return False
    raise ValueError(value)


# --- one pass over the file ----------------------------------------------------------------------


@dataclass
class Contact:
    email: str
    full_name: str
    relationship: str
    parental_responsibility: bool


@dataclass
class GoodRow:
    row: int
    mis_id: str
    first_name: str
    last_name: str
    date_of_birth: date
    year_group: int
    class_name: str
    contacts: list[Contact]


@dataclass
class ReadResult:
    rows: list[GoodRow] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    total: int = 0


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dialect(sample: str):
    """The file's CSV dialect (comma, semicolon or tab), comma if it cannot be told."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


# What the csv module's errors mean to someone holding the file, by the start of their message.
_CSV_ERRORS = {
    # A carriage return on its own, mid-field: typically a note or address typed with a line break
    # in the MIS and exported without quotes.
    "new-line character seen in unquoted field": (
        "a line break inside a field that is not in quotes. "
        "Save the file from the MIS again as CSV, or put quotes round the field."
    ),
    # Almost always a quote mark that opens a field and is never closed, so the rest of the file
    # is read as one field.
    "field larger than field limit": (
        'a field is longer than {limit:,} characters, usually because a quote mark (") opens a field '
        "and is never closed. Look for a stray quote mark on this row, or save the file from the MIS "
        "again as CSV."
    ),
    # Python before 3.11 refuses NUL characters itself; later versions pass them on (see _records).
    "line contains NUL": (
        "the row holds a null character, which a CSV export never has: the file may be a spreadsheet "
        "or saved as Unicode (UTF-16). Save the file from the MIS again as CSV."
    ),
}


def _csv_error_message(error: csv.Error, row: int) -> str:
    """A csv module error in plain English, with the row it happened on."""
    text = str(error)
    for start, message in _CSV_ERRORS.items():
        if text.startswith(start):
            return f"Row {row}: " + message.format(limit=csv.field_size_limit())
    return f"Row {row} could not be read as CSV. Save the file from the MIS again as CSV and upload it again."


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """Each record of the file with its row number; raises ImportFileError on a row it cannot read.

    The row number is the row a spreadsheet shows the record on (the header is row 1), which is
    the record's position in the file, blank lines included: a field in quotes may hold line
    breaks, and a spreadsheet shows such a record as one row while reader.line_num counts the
    physical lines read so far. A record that fails is reported on the row where it starts.
    """
    row = 0
    while True:
        row += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            log.info("An MIS export could not be read at row %s: %s", row, error)
            raise ImportFileError(_csv_error_message(error, row)) from error
        # PostgreSQL cannot store a NUL in text, and a CSV export never holds one: a file that does
        # is binary or UTF-16 past the first 8 KB the upload checks.
        if any("\x00" in value for value in values):
            raise ImportFileError(f"Row {row}: " + _CSV_ERRORS["line contains NUL"])
        yield row, values


def read_rows(text: str, *, today: date) -> ReadResult:
    """Check every row of the file: the good ones parsed, the rest with every reason they fail."""
    records = _records(csv.reader(io.StringIO(text), _dialect(text[:8192])))
    header = next(records, None)
    if header is None:
        raise ImportFileError("The file is empty.")
    pupil_cols, contact_cols = map_columns(header[1])
    result = ReadResult()
    first_row_of: dict[str, int] = {}

    def cell(values: list[str], index: int | None) -> str:
        """The trimmed value at a position of a row, empty when the row is short."""
        return values[index].strip() if index is not None and index < len(values) else ""

    for row, values in records:
        if not any(v.strip() for v in values):
            continue
        result.total += 1
        reasons: list[str] = []
        warnings: list[str] = []
        mis_id = cell(values, pupil_cols["mis_id"])
        first = cell(values, pupil_cols["first_name"])
        last = cell(values, pupil_cols["last_name"])
        dob_text = cell(values, pupil_cols["date_of_birth"])
        year_text = cell(values, pupil_cols["year_group"])
        class_name = cell(values, pupil_cols.get("class_name"))
        if not mis_id:
            reasons.append("The MIS id is missing")
        elif len(mis_id) > 40:
            reasons.append("The MIS id is longer than 40 characters")
        elif mis_id in first_row_of:
            reasons.append(f"MIS id {mis_id} appears again: it is first on row {first_row_of[mis_id]}")
        if not first:
            reasons.append("The first name is missing")
        elif len(first) > 100:
            reasons.append("The first name is longer than 100 characters")
        if not last:
            reasons.append("The surname is missing")
        elif len(last) > 100:
            reasons.append("The surname is longer than 100 characters")
        dob = parse_date(dob_text) if dob_text else None
        if not dob_text:
            reasons.append("The date of birth is missing")
        elif dob is None:
            reasons.append(f"The date of birth “{dob_text}” is not a date (write it as DD/MM/YYYY)")
        elif dob > today:
            reasons.append(f"The date of birth {dob:%d/%m/%Y} is in the future")
        year_group = parse_year_group(year_text) if year_text else None
        if not year_text:
            reasons.append("The year group is missing")
        elif year_group is None:
            reasons.append(
                f"The year group “{year_text}” is not known (use N, Reception or R, or Year 1 to Year 13)"
            )
        if len(class_name) > 40:
            reasons.append("The class is longer than 40 characters")
        contacts: list[Contact] = []
        seen_emails: set[str] = set()
        for number, cols in contact_cols.items():
            email = cell(values, cols.get("email")).lower()
            name = " ".join(
                p for p in (cell(values, cols.get("forename")), cell(values, cols.get("surname"))) if p
            )
            if not email:
                if name:
                    warnings.append(f"Contact {number} ({name}) has no email address, so was not linked")
                continue
            try:
                validate_email(email)
            except ValidationError:
                reasons.append(f"Contact {number}'s email address “{email}” is not valid")
                continue
            pr_text = cell(values, cols.get("parental_responsibility"))
            try:
                pr = parse_yes_no(pr_text)
            except ValueError:
                reasons.append(f"Contact {number}'s parental responsibility “{pr_text}” is not Y or N")
                continue
            if pr is None:
                warnings.append(f"Contact {number}'s parental responsibility is blank: recorded as N")
                pr = False
            if email in seen_emails:
                warnings.append(f"Contact {number} repeats the email address {email}")
                continue
            seen_emails.add(email)
            contacts.append(
                Contact(
                    email=email,
                    full_name=name[:200],
                    relationship=parse_relationship(cell(values, cols.get("relationship"))),
                    parental_responsibility=pr,
                )
            )
        name = f"{first} {last}".strip()
        if reasons:
            result.rejected.append({"row": row, "mis_id": mis_id, "name": name, "reasons": reasons})
        else:
            result.rows.append(
                GoodRow(
                    row=row,
                    mis_id=mis_id,
                    first_name=first,
                    last_name=last,
                    date_of_birth=dob,
                    year_group=year_group,
                    class_name=class_name,
                    contacts=contacts,
                )
            )
        if mis_id and mis_id not in first_row_of:
            # A rejected row still claims its id: a later row with the same id is a duplicate too.
            first_row_of[mis_id] = row
        for warning in warnings:
            result.warnings.append({"row": row, "mis_id": mis_id, "name": name, "warning": warning})
    return result
