"""Keep django-guardian's school grants in step with memberships and schools."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts import access
from accounts.middleware import start_session_clock
from accounts.models import Membership, School

user_logged_in.connect(start_session_clock, dispatch_uid="portal-session-clock")


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    access.sync_permissions([instance.user_id])


@receiver(post_save, sender=School)
def school_saved(sender, instance: School, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        access.sync_trust(instance.trust_id)
