# ruff: noqa
# Targets for .semgrep/rules/portal-once-claim.yml (semgrep --test).
from django.db import IntegrityError, transaction

from core.once import claim


def remind(people, term):
    for person in people:
        # ruleid: portal-once-claim
        try:
            with transaction.atomic():
                TrainingReminder.objects.create(user=person, term=term)
        except IntegrityError:
            continue
        # ok: portal-once-claim
        if not claim(TrainingReminder, user=person, term=term):
            continue


def seed(name):
    # ok: portal-once-claim
    try:
        Trust.objects.create(name=name)
    except IntegrityError as error:
        raise CommandError(f"Nothing was saved: {error}") from error


def save_once(obj):
    # ok: portal-once-claim
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        return False
    return True
