"""Import pupils, their parents and carers, and the links between them from a school's MIS export.

The file is a CSV (comma, semicolon or tab separated; UTF-8 or Windows-1252) with one row per
pupil and a header row. Column names are matched ignoring case, spaces and punctuation, so
"Date of Birth", "date_of_birth" and "DATE OF BIRTH" are the same column. Where a file has more
than one name for a column, the first in each list below wins.

Pupil columns (all needed except the class):

* MIS id: "MIS ID", "UPN", "Admission No" (also "Admission Number", "Adno", "Pupil ID")
* First name: "Legal Forename", "Forename", "First Name" (also "Given Name")
* Surname: "Legal Surname", "Surname", "Last Name" (also "Family Name")
* Date of birth: "DOB", "Date of Birth": DD/MM/YYYY, YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY
* Year group: "Year", "NC Year", "Year Group" (also "Curriculum Year"): "Year 7", "Y7", "7",
  "R", "YR", "Reception", "N", "N1", "N2", "Nursery"
* Class: "Reg Group", "Class", "Form" (also "Registration Group", "Tutor Group"), optional

Contact columns, for Contact 1 to Contact 4 (each optional):

* "Contact 1 Email" (also "Contact 1 Email Address")
* "Contact 1 Forename", "Contact 1 Surname" (also "First Name" / "Last Name")
* "Contact 1 Relationship": Mother, Father, Carer, Foster carer, Guardian, Grandparent… (others
  are recorded as "Other")
* "Contact 1 Parental Responsibility" (also "Contact 1 PR"): Y or N. Only contacts with parental
  responsibility may give photo consent; a blank is recorded as N, with a warning.

A row is rejected, with every reason, when the MIS id, first name, surname, date of birth or year
group is missing or not understood, the date of birth is in the future, the MIS id already
appeared on an earlier row, or a contact's email address is not valid. Good rows are imported.
A file that cannot be read as CSV at all (a line break inside a field not in quotes, a quote mark
never closed, a null character) fails as a whole, naming the row, and nothing is imported. Row
numbers are the rows a spreadsheet shows, the header being row 1.

Matching makes a re-run change nothing: pupils are matched on (school, MIS id), parents on email
address. A pupil's name, date of birth, year group and class follow the file; a pupil not in the
file is left as it is (a partial export never takes pupils off roll). Parents found by email keep
their own name; new parents get an account with no usable password and set one through "Forgotten
your password?". Links follow the file's relationship and parental responsibility; a contact no
longer in the file keeps its link (the school removes it by hand).
"""

from accounts.mis_import.columns import (
    CONTACT_COLUMNS,
    MAX_CONTACTS,
    PUPIL_COLUMNS,
    ImportFileError,
    parse_date,
    parse_relationship,
    parse_year_group,
    read_rows,
)
from accounts.mis_import.plan import apply_plan, make_plan
from accounts.mis_import.runs import (
    MAX_RESTARTS,
    MAX_UPLOAD_BYTES,
    STALE_MINUTES,
    import_apply,
    import_run_apply,
    import_run_preview,
    import_runs_resume_stalled,
    import_upload,
    stalled_import_ids,
)

__all__ = [
    "CONTACT_COLUMNS",
    "MAX_CONTACTS",
    "MAX_RESTARTS",
    "MAX_UPLOAD_BYTES",
    "PUPIL_COLUMNS",
    "STALE_MINUTES",
    "ImportFileError",
    "apply_plan",
    "import_apply",
    "import_run_apply",
    "import_run_preview",
    "import_runs_resume_stalled",
    "import_upload",
    "make_plan",
    "parse_date",
    "parse_relationship",
    "parse_year_group",
    "read_rows",
    "stalled_import_ids",
]
