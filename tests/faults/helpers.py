"""Reading what real workers sent: every email in their mail folders, one entry per message."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Iterable

from tests.celery_worker import WorkerProcess

# Django's file backend appends each message to its file followed by a line of 79 dashes; two
# sends in the same second from the same process may share a file.
SEPARATOR = "\n" + "-" * 79 + "\n"


def sent_emails(workers: Iterable[WorkerProcess]) -> Counter:
    """(recipient, subject) of every email the workers wrote, with how many times each was sent."""
    counts: Counter = Counter()
    for worker in workers:
        for text in worker.emails():
            for raw in text.split(SEPARATOR):
                if not raw.strip():
                    continue
                message = email.message_from_string(raw, policy=email.policy.default)
                counts[(str(message["To"]).strip(), str(message["Subject"]).strip())] += 1
    return counts
