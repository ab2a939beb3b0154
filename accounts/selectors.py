"""Reads of accounts, scoped through the access layer."""

from django.db.models import Q, QuerySet

from accounts.models import ImportRun, Pupil, User
from accounts.roles import Action


def pupil_directory(*, user, query: str = "", year_group: int | None = None) -> QuerySet[Pupil]:
    """Pupils the user may see in the directory, searched by name or MIS id."""
    pupils = Pupil.objects.visible_to(user, Action.VIEW_PUPIL_DIRECTORY).select_related("school")
    if query:
        for word in query.split()[:4]:
            pupils = pupils.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(mis_id__iexact=word)
            )
    if year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    return pupils.order_by("last_name", "first_name", "id")


def import_runs_for(*, user: User) -> QuerySet[ImportRun]:
    """The MIS imports into schools the user administers, newest first."""
    return ImportRun.objects.visible_to(user).select_related("school", "uploaded_by")
