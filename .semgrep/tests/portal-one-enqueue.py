# ruff: noqa
# Targets for .semgrep/rules/portal-one-enqueue.yml (semgrep --test).
from django.db import transaction

from consent.tasks import send_collection_messages
from core.tasks import enqueue_on_commit


def collection_open(collection):
    # ruleid: portal-one-enqueue
    transaction.on_commit(lambda: send_collection_messages.apply_async(args=[str(collection.pk)]))
    # ruleid: portal-one-enqueue
    send_collection_messages.delay(str(collection.pk))
    # ok: portal-one-enqueue
    enqueue_on_commit(send_collection_messages, str(collection.pk))


def enqueue(task, *args):
    # ok: portal-one-enqueue
    task.apply_async(args=list(args), retry=False)
