"""A SIMS-style MIS export of any number of pupils, for the benchmark's import and the import's scale
test: one or two contacts per pupil, brothers and sisters sharing parents."""

from __future__ import annotations

import random
from datetime import date, timedelta

FIRST = "Ava Ben Cara Dev Ella Finn Grace Harry Isla Jack Kai Lily Mia Noah Olivia Priya Ravi Sofia".split()
LAST = "Ahmed Brown Clarke Davies Evans Green Hughes Iqbal Jones Khan Lewis Morris Nowak Patel Smith".split()
YEARS = ["R", "Year 1", "Year 2", "3", "4", "5", "6", "Y7", "Y8", "Y9", "Y10", "Y11", "12", "13"]


def export(rows: int, seed: int = 7, *, upn_prefix: str = "B", domain: str = "bench-import.example") -> str:
    """The CSV text of an export of ``rows`` pupils, new to the portal (MIS ids "B…", parents at
    addresses under ``domain``)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    contact = "Contact {n} Forename,Contact {n} Surname,Contact {n} Email,Contact {n} Relationship,"
    lines = [
        "UPN,Legal Forename,Legal Surname,DOB,Year,Reg Group,"
        + contact.format(n=1)
        + "Contact 1 Parental Responsibility,"
        + contact.format(n=2)
        + "Contact 2 Parental Responsibility"
    ]
    family = 0
    for n in range(rows):
        if n == 0 or rng.random() > 0.25:  # a quarter of pupils have an older brother or sister here
            family += 1
        surname = LAST[family % len(LAST)]
        year = rng.choice(YEARS)
        dob = date(2008, 9, 1) + timedelta(days=rng.randrange(0, 365 * 14))
        contact2 = f"Sam,{surname},parent2.{family}@{domain},Father,Y" if family % 3 else ",,,,"
        lines.append(
            f"{upn_prefix}{n:07d},{rng.choice(FIRST)},{surname},{dob:%d/%m/%Y},{year},"
            f"{year[-1]}{'ABC'[n % 3]},"
            f"Alex,{surname},parent1.{family}@{domain},Mother,Y,{contact2}"
        )
    return "\n".join(lines) + "\n"
