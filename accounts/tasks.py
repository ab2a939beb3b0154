"""Celery tasks of accounts."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Remove expired sessions from the database."""
    call_command("clearsessions")
