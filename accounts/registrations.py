"""What the accounts app tells the top layer (core.registries): its subject access section."""

from __future__ import annotations

from accounts.models import ParentLink
from core import registries


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


def register() -> None:
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
