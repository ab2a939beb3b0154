"""An MIS import previewed and applied by a real Celery worker, as in a deployment."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.mis_import import import_apply, import_upload
from accounts.models import ImportRun, Pupil
from accounts.roles import Role
from tests.accounts.test_mis_import import GOOD_AND_BAD
from tests.celery_worker import wait_until
from tests.factories import make_personas

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]


def status(run: ImportRun) -> str:
    return ImportRun.objects.values_list("status", flat=True).get(pk=run.pk)


def test_the_worker_previews_then_imports_the_file(celery_worker):
    personas = make_personas()
    admin, school = personas[Role.TRUST_ADMINISTRATOR], personas.a.school
    upload = SimpleUploadedFile("sims.csv", GOOD_AND_BAD.encode(), "text/csv")
    with transaction.atomic():
        run = import_upload(by=admin, school=school, upload=upload)

    wait_until(
        lambda: status(run) == "previewed", timeout=30, what="the preview", details=celery_worker.log_tail
    )
    assert not Pupil.objects.filter(school=school, mis_id__startswith="A1").exists()

    with transaction.atomic():
        import_apply(by=admin, run=run)
    wait_until(
        lambda: status(run) == "applied", timeout=60, what="the import", details=celery_worker.log_tail
    )
    run.refresh_from_db()
    assert run.done == run.total > 0
    assert set(
        Pupil.objects.filter(school=school, mis_id__startswith="A1").values_list("mis_id", flat=True)
    ) == {
        "A100",
        "A101",
        "A106",
    }
