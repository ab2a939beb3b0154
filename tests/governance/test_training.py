"""Training records: attendance, who is due this term, and the once-a-term reminder."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import access
from accounts.roles import Role
from core.models import Notification
from governance import training
from governance.models import TrainingSession

pytestmark = pytest.mark.django_db
AUTUMN_DAY = date(2026, 11, 2)


def _session(personas, *, kind=TrainingSession.Kind.STAFF, held_on=AUTUMN_DAY, school=None):
    return training.training_session_record(
        user=personas.a[Role.HEADTEACHER],
        school=school or personas.a.school,
        kind=kind,
        title="Online safety update",
        held_on=held_on,
    )


def test_a_member_of_staff_is_due_until_they_attend_this_terms_training(personas):
    staff = personas.a[Role.STAFF]
    assert staff in training.staff_due(school_id=personas.a.school.pk, today=AUTUMN_DAY)
    last_term = _session(personas, held_on=date(2026, 6, 1))
    training.attendance_record(user=personas.a[Role.HEADTEACHER], session=last_term, attendees=[staff])
    assert staff in training.staff_due(school_id=personas.a.school.pk, today=AUTUMN_DAY)
    session = _session(personas)
    assert session.term == "2026/27 autumn"
    added = training.attendance_record(user=personas.a[Role.HEADTEACHER], session=session, attendees=[staff])
    assert added == 1
    assert staff not in training.staff_due(school_id=personas.a.school.pk, today=AUTUMN_DAY)
    # Recording the same person again adds nothing.
    assert (
        training.attendance_record(user=personas.a[Role.HEADTEACHER], session=session, attendees=[staff]) == 0
    )


def test_attendance_takes_only_people_of_the_sessions_school(personas):
    session = _session(personas)
    with pytest.raises(ValidationError):
        training.attendance_record(
            user=personas.a[Role.HEADTEACHER], session=session, attendees=[personas.b[Role.STAFF]]
        )
    parents = _session(personas, kind=TrainingSession.Kind.PARENT)
    assert (
        training.attendance_record(
            user=personas.a[Role.HEADTEACHER], session=parents, attendees=[personas.a[Role.PARENT]]
        )
        == 1
    )


def test_the_training_due_reminder_is_sent_once_a_term(personas):
    first = training.training_due_sweep(today=AUTUMN_DAY)
    assert first == access.staff_of(list(personas.trust.schools.values_list("pk", flat=True))).count()
    assert training.training_due_sweep(today=AUTUMN_DAY) == 0
    assert Notification.objects.filter(user=personas.a[Role.STAFF], subject__contains="training").count() == 1
    assert training.training_due_sweep(today=date(2027, 1, 10)) == first  # spring term


def test_training_pages_for_the_headteacher_only_in_their_school(personas, client_for):
    session = _session(personas)
    head_a = client_for(personas.a[Role.HEADTEACHER])
    url = reverse("governance:training_detail", kwargs={"session_id": session.pk})
    page = head_a.get(reverse("governance:training_list")).content.decode()
    assert str(personas.a[Role.STAFF]) in page and str(personas.b[Role.STAFF]) not in page
    response = head_a.post(url, {"attendees": [personas.a[Role.STAFF].pk]})
    assert response.status_code == 302 and session.attendance.count() == 1
    # A posted id from another school is a validation error, not an attendance.
    response = head_a.post(url, {"attendees": [personas.b[Role.STAFF].pk]})
    assert response.status_code == 200 and session.attendance.count() == 1
    assert client_for(personas.b[Role.HEADTEACHER]).get(url).status_code == 404
    assert client_for(personas.a[Role.STAFF]).get(url).status_code == 403


def test_the_due_list_costs_one_query_whatever_the_number_of_schools(personas, django_assert_num_queries):
    from tests.governance.test_dashboards import _grow

    ids = list(personas.trust.schools.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        two = training.staff_due_by_school(school_ids=ids, today=AUTUMN_DAY)
    _grow(personas, 4)
    ids = list(personas.trust.schools.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        six = training.staff_due_by_school(school_ids=ids, today=AUTUMN_DAY)
    assert len(two) == 2 and len(six) == 6
    session = _session(personas)
    training.attendance_record(
        user=personas.a[Role.HEADTEACHER], session=session, attendees=[personas.a[Role.STAFF]]
    )
    due = dict(training.staff_due_by_school(school_ids=ids, today=AUTUMN_DAY))
    assert personas.a[Role.STAFF] not in due[personas.a.school]
    assert personas.b[Role.STAFF] in due[personas.b.school]
