"""What the accounts app tells the top layer (core.registries): its navigation and home card, the
retention of pupil records and its subject access section."""

from __future__ import annotations

from accounts import access
from accounts.erasure import pupil_record_erase
from accounts.mis_import import runs
from accounts.models import ParentLink, Pupil
from accounts.roles import Action
from core import registries
from core.calendar import reached_by, years_after


def parent_rows(pupil) -> list[dict]:
    """The pupil's parents and carers, as the MIS gave them."""
    return [
        {
            "name": link.parent.full_name,
            "email": link.parent.email,
            "relationship": link.get_relationship_display(),
            "parental_responsibility": link.parental_responsibility,
        }
        for link in pupil.parent_links.select_related("parent").order_by("parent__full_name")
    ]


def pupil_records_due(trust, years: int, today) -> list[registries.Due]:
    """Pupils no longer on roll born more than ``years`` years ago: their record and parents' links
    (the pupil file is kept until the pupil's date of birth + 25 years by default)."""
    pupils = Pupil.objects.filter(
        school__trust=trust, is_active=False, date_of_birth__lte=reached_by(today, years)
    ).values("pk", "school_id", "mis_id", "date_of_birth")
    return [
        registries.Due(
            school_id=row["school_id"],
            object_id=str(row["pk"]),
            label=f"Pupil record (MIS id {row['mis_id']})",
            review_due=years_after(row["date_of_birth"], years),
        )
        for row in pupils
    ]


def register() -> None:
    registries.navigation.register(
        registries.NavEntry(
            key="pupils",
            label="Pupils",
            url_name="accounts:pupil_list",
            visible_to=access.anyone_who(Action.VIEW_PUPIL_DIRECTORY),
            order=10,
        )
    )
    # The MIS import keeps the place in the navigation and on the home page it had under consent.
    registries.navigation.register(
        registries.NavEntry(
            key="accounts.import",
            label="Import pupils",
            url_name="accounts:import_upload",
            visible_to=access.anyone_who(Action.ADMINISTER_SCHOOL),
            order=120,
        )
    )
    registries.home_cards.register(
        registries.HomeCard(
            key="accounts.import",
            label="Import pupils and parents",
            url_name="accounts:import_upload",
            visible_to=access.anyone_who(Action.ADMINISTER_SCHOOL),
            description="Pupils and parents come from each school's MIS: upload its CSV export, check "
            "what would change, then import.",
            order=70,
        )
    )
    registries.retention_types.register(
        registries.RetentionType(
            key="pupil_records",
            label="Pupil and parent records (pupils no longer on roll)",
            basis="date_of_birth",
            default_years=25,
            due=pupil_records_due,
            models=(ParentLink,),
            erase=pupil_record_erase,
            erase_pupil=lambda pupil: pupil_record_erase(str(pupil.pk)),
            identity=True,
            order=40,
        )
    )
    registries.subject_access_sections.register(
        registries.SubjectAccessSection(
            key="parents_and_carers",
            title="Parents and carers",
            export_for=parent_rows,
            models=(ParentLink,),
            columns=(
                ("name", "Name"),
                ("email", "Email"),
                ("relationship", "Relationship"),
                ("parental_responsibility", "Parental responsibility"),
            ),
            order=10,
        )
    )
    registries.deadline_counts.register(
        registries.DeadlineCount(
            key="imports",
            label=f"MIS imports stalled for more than {runs.STALE_MINUTES} minutes",
            overdue=runs.overdue_imports,
            order=60,
        )
    )
