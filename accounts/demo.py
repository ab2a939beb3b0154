"""Shared pieces of the demo and scale data sets: names, dates of birth, classes, the guard.

Everything about people is deterministic given a ``random.Random``, so the same seed always gives
the same people (the commands seed their own generators and never touch the global one). Their
TOTP keys are the exception: random per database, as anyone's would be.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.text import slugify

from accounts.models import ParentLink

# Every demo login shares this password (long, not in Django's common-password list).
DEMO_PASSWORD = "Northfield-demo-2026"  # noqa: S105

# The academic year the data set describes: it starts on 1 September of this year.
ACADEMIC_YEAR_START = 2026

# Every address seed_demo gives ends in the first, every address seed_scale gives in the second.
# ``.example`` is reserved (RFC 2606), so no real person has one: the deployment check
# (accounts.checks) recognises the seeded people by them.
DEMO_DOMAIN_SUFFIX = ".demo.example"
SCALE_DOMAIN_SUFFIX = ".scale.example"

# Long and plain on purpose: nobody passes it by accident, and it reads as what it does.
ALLOW_WITHOUT_DEBUG = "--allow-on-production-database"


def add_allow_without_debug(parser) -> None:
    """The seeds' one way past the DEBUG guard (refuse_without_debug)."""
    parser.add_argument(
        ALLOW_WITHOUT_DEBUG,
        action="store_true",
        help="Seed even though DEBUG is off. Only for a throwaway database: everyone seeded signs in "
        "with the password printed in the README.",
    )


def refuse_without_debug(*, command: str, creates: str, allowed: bool) -> None:
    """Refuse to seed known-password logins unless DEBUG is on or the flag was given.

    DEBUG off is how a real deployment is configured; logins whose password is published would
    be a way into it.
    """
    if settings.DEBUG or allowed:
        return
    raise CommandError(
        f"Refusing to run {command} with DEBUG off: it creates {creates}, all signing in with the "
        "password printed in the README. On a development machine run it with DJANGO_DEBUG=true "
        f"(as make run does). If this database really is a throwaway one, give {ALLOW_WITHOUT_DEBUG}."
    )


def new_totp_key() -> str:
    """A fresh random TOTP key (40 hex digits), as django-otp makes for a real enrolment."""
    return secrets.token_hex(20)


def date_of_birth(year_group: int, rng: random.Random) -> date:
    """A date of birth that puts a child in this year group in the academic year being seeded.

    English year groups run 1 September to 31 August: Reception children turn five during the
    year, so a Reception child in 2026/27 was born between 1 September 2021 and 31 August 2022.
    """
    start = date(ACADEMIC_YEAR_START - 5 - year_group, 9, 1)
    end = date(start.year + 1, 8, 31)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def year_groups_for(phase: str) -> list[int]:
    """The year groups a school of this phase teaches (Reception is 0)."""
    if phase == "primary":
        return list(range(0, 7))
    if phase == "secondary":
        return list(range(7, 14))
    if phase == "special":
        return list(range(1, 14))
    return list(range(0, 14))


_PRIMARY_CLASSES = ["Oak", "Willow", "Ash", "Rowan", "Beech", "Hazel"]
_FORM_LETTERS = "NORTHFIELD"


def class_name(year_group: int, index: int, classes_in_year: int = 2) -> str:
    """The class (primary) or tutor group (secondary) of the ``index``-th pupil in a year group."""
    slot = index % max(1, classes_in_year)
    if year_group <= 6:
        year = "R" if year_group == 0 else f"Y{year_group}"
        return f"{year} {_PRIMARY_CLASSES[slot % len(_PRIMARY_CLASSES)]}"
    return f"{year_group}{_FORM_LETTERS[slot % len(_FORM_LETTERS)]}"


def email_part(text: str) -> str:
    """A name reduced to what an email address's local part may hold (``O'Brien`` → ``obrien``)."""
    return slugify(text.replace("'", "")).replace("-", "") or "x"


@dataclass(frozen=True)
class Heritage:
    """Names that go together in one family background, so families look like real families."""

    weight: int
    surnames: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


HERITAGES = (
    Heritage(
        weight=72,
        surnames=_names(
            "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
            "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood "
            "Turner Martin Cooper Hill Ward Morris Moore Clark King Baker Harrison Morgan Allen Scott "
            "Phillips Watson Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter "
            "Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Marshall Anderson Simpson "
            "Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Hunt Campbell "
            "Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher "
            "Stevens Jenkins Murray Dixon Harvey Graham Pearson Fletcher Walsh Gibson Howard Stewart "
            "Elliott Reynolds Saunders Payne Fox Pearce Brooks Lawrence Atkinson Bradley Spencer "
            "Dawson Burton O'Brien O'Connor Watts Booth Perry Ryan Grant Rees Hart Hudson Barrett "
            "Webster Gregory Lowe Marsh Riley Dunn Parsons Stone Reid Hawkins Porter Robertson "
            "Newton Kennedy Williamson Gardner MacDonald McLeod Fraser Doherty Quinn Byrne "
            "Gallagher Pritchard Llewellyn Sutherland Campbell-Reid Ashworth Greenwood Hargreaves"
        ),
        girls=_names(
            "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Evie Poppy Ella "
            "Willow Sienna Florence Emily Daisy Aria Phoebe Harper Evelyn Matilda Elsie Ruby Millie "
            "Chloe Jessica Sophie Hannah Holly Niamh Erin Seren Cerys Ffion Eilidh Keira Imogen "
            "Charlotte Alice Esme Maisie Lottie Orla Mabel Edie Thea Harriet Megan Lucy Abigail "
            "Bethany Jasmine Eleanor Scarlett Summer Layla"
        ),
        boys=_names(
            "Oliver George Noah Arthur Leo Oscar Harry Jack Charlie Freddie Theo Jacob Alfie Thomas "
            "Archie Henry Joshua James William Isaac Lucas Ethan Max Finley Reuben Harrison Mason "
            "Logan Dylan Riley Samuel Joseph Daniel Callum Kai Oisin Cian Rhys Dafydd Ewan Fraser "
            "Albie Teddy Tommy Louis Jude Ronnie Frankie Elliot Toby Sebastian Benjamin Alexander "
            "Edward Jenson Ryan Owen Luca Rory"
        ),
        women=_names(
            "Sarah Emma Claire Rebecca Laura Gemma Kelly Nicola Rachel Helen Joanne Lisa Katie Amy "
            "Victoria Louise Hayley Natalie Samantha Charlotte Jennifer Michelle Donna Kerry Stacey "
            "Leanne Siobhan Aoife Bethan Rhian Catherine Kirsty Lindsey Zoe Vicky Jade Danielle "
            "Lauren Sophie Hannah Kate Lucy Ruth Jane Caroline Fiona Alison"
        ),
        men=_names(
            "David Paul Mark Andrew Richard Daniel Christopher Matthew James Stephen Michael Lee "
            "Craig Gareth Darren Wayne Neil Simon Jonathan Adam Ben Tom Rob Stuart Sean Ciaran "
            "Rhodri Alistair Gavin Carl Jamie Ryan Scott Liam Dean Ian Martin Peter Steven Kevin "
            "Nathan Luke Philip Anthony Graham Russell Owen"
        ),
    ),
    Heritage(
        weight=9,
        surnames=_names(
            "Khan Ahmed Hussain Ali Begum Rahman Chowdhury Islam Miah Mahmood Akhtar Iqbal Malik "
            "Butt Qureshi Siddiqui Raza Shah Bibi Uddin Aziz Hanif"
        ),
        girls=_names(
            "Aisha Zara Amira Fatima Maryam Hafsa Inaya Khadija Safa Zainab Hana Ayesha Eman Anaya "
            "Alina Noor Mariam Sana Iqra Laiba Manahil Hira"
        ),
        boys=_names(
            "Muhammad Yusuf Ibrahim Hamza Zayn Ayaan Musa Adam Ismail Ali Rayyan Zakariya Harun "
            "Idris Umar Bilal Haroon Saad Amaan Rehan Faris Arham"
        ),
        women=_names(
            "Nadia Shabana Farah Nasreen Rukhsana Saima Sadia Tahira Ruksana Shazia Yasmin Amina "
            "Samina Nazia Rubina Bushra"
        ),
        men=_names(
            "Imran Tariq Asif Shahid Nadeem Khalid Zahid Adnan Faisal Kashif Arif Rashid Jamil "
            "Naveed Wasim Sajid"
        ),
    ),
    Heritage(
        weight=7,
        surnames=_names(
            "Patel Singh Kaur Sharma Mistry Chauhan Gill Sandhu Dhillon Parmar Joshi Shah Desai "
            "Bains Sidhu Kumar Mehta Thakrar Lakhani Rana"
        ),
        girls=_names(
            "Priya Anaya Simran Aanya Diya Riya Ishani Navya Jasleen Amrit Kiran Saanvi Meera "
            "Anika Tara Harleen Avni Ria"
        ),
        boys=_names(
            "Arjun Rohan Aryan Dev Veer Arav Ishaan Kabir Jaskaran Harjot Krish Reyansh Vihaan "
            "Aarav Nikhil Sai Manveer Rishi"
        ),
        women=_names(
            "Sunita Anjali Pooja Neha Rupinder Harpreet Kamaljit Manjit Seema Nisha Reena Asha Meena "
            "Shilpa Parminder"
        ),
        men=_names(
            "Sanjay Rajesh Vikram Amit Sunil Harjit Gurpreet Jaswinder Ravi Anil Deepak Manoj "
            "Paramjit Sukhdev Ashok"
        ),
    ),
    Heritage(
        weight=6,
        surnames=_names(
            "Nowak Kowalski Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski Dabrowski "
            "Kozlowski Jankowski Mazur Popescu Ionescu Kazlauskas Petrauskas Horvath Novak"
        ),
        girls=_names(
            "Zofia Lena Julia Maja Hanna Zuzanna Oliwia Amelia Natalia Wiktoria Alicja Emilia "
            "Antonina Ioana Gabija Nela"
        ),
        boys=_names(
            "Kacper Jakub Szymon Filip Antoni Jan Mikolaj Aleksander Franciszek Wojciech Igor "
            "Tymon Matei Lukas Dominik Oskar"
        ),
        women=_names(
            "Agnieszka Joanna Katarzyna Magdalena Anna Marta Ewa Monika Dorota Aleksandra Elena "
            "Ramona Ruta Beata"
        ),
        men=_names(
            "Piotr Tomasz Pawel Marcin Krzysztof Michal Lukasz Grzegorz Adrian Andrei Mihai Tadas "
            "Mariusz Dariusz"
        ),
    ),
    Heritage(
        weight=6,
        surnames=_names(
            "Okafor Adeyemi Mensah Osei Okonkwo Adebayo Boateng Owusu Nwosu Eze Balogun Asante "
            "Oyelaran Afolabi Ogunleye Danso Agyeman Chukwu Appiah Ansah"
        ),
        girls=_names(
            "Imani Chioma Amara Adaeze Ife Tobi Zuri Esi Abena Ama Nia Adanna Temi Kemi Ada "
            "Precious Favour Blessing"
        ),
        boys=_names(
            "Tobi Kofi Malachi Emeka Kwame Tunde Chidi David Daniel Samuel Elijah Ayo Femi Kojo "
            "Jayden Nathaniel Joshua Obinna"
        ),
        women=_names(
            "Bukola Grace Funmi Ngozi Yetunde Adwoa Akosua Chiamaka Folake Abimbola Comfort Esther Joy Ruth"
        ),
        men=_names("Emeka Kwame Olu Babatunde Kunle Kwabena Chinedu Segun Yaw Kofi Ade Femi Samuel Emmanuel"),
    ),
)
_HERITAGE_WEIGHTS = [h.weight for h in HERITAGES]


def pick_heritage(rng: random.Random) -> Heritage:
    """A family background, weighted roughly like an English town."""
    return rng.choices(HERITAGES, weights=_HERITAGE_WEIGHTS)[0]


def child_first_name(heritage: Heritage, rng: random.Random) -> str:
    """A child's first name (girl or boy, evenly)."""
    return rng.choice(heritage.girls if rng.random() < 0.5 else heritage.boys)


def adult_name(rng: random.Random, heritage: Heritage | None = None, *, woman: bool | None = None) -> str:
    """An adult's full name: a member of staff, or a parent when the heritage is given."""
    heritage = heritage or pick_heritage(rng)
    woman = rng.random() < 0.5 if woman is None else woman
    first = rng.choice(heritage.women if woman else heritage.men)
    return f"{first} {rng.choice(heritage.surnames)}"


@dataclass(frozen=True)
class PlannedParent:
    """A parent or carer as the data set describes them, before they are saved."""

    full_name: str
    relationship: str
    parental_responsibility: bool


def family_size(rng: random.Random) -> int:
    """How many children of one family attend the trust's schools."""
    return rng.choices((1, 2, 3), weights=(72, 23, 5))[0]


def plan_parents(rng: random.Random, heritage: Heritage, surname: str) -> list[PlannedParent]:
    """One or two adults for a family (about 1.5 on average), some carers without responsibility."""
    rel = ParentLink.Relationship
    mother = PlannedParent(f"{rng.choice(heritage.women)} {surname}", rel.MOTHER, True)
    father = PlannedParent(f"{rng.choice(heritage.men)} {surname}", rel.FATHER, True)
    roll = rng.random()
    if roll < 0.42:
        return [mother, father]
    if roll < 0.80:
        return [mother]
    if roll < 0.90:
        return [father]
    if roll < 0.95:
        # A step-parent living with the family: a carer, but without parental responsibility.
        return [mother, PlannedParent(adult_name(rng, woman=False), rel.CARER, False)]
    if roll < 0.98:
        grandparent = PlannedParent(f"{rng.choice(heritage.women)} {surname}", rel.GRANDPARENT, False)
        return [mother, grandparent]
    # Special guardianship: the guardian holds parental responsibility.
    return [PlannedParent(adult_name(rng, woman=rng.random() < 0.7), rel.GUARDIAN, True)]
