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


def resync_all_grants(sender, app_config=None, using="default", **kwargs) -> None:
    """After migrations, bring every member's grants in line with the role table, so a change to
    accounts.roles (a new action, a role given more) reaches existing people on the next deploy."""
    if app_config is None or app_config.label != "accounts":
        return
    user_ids = list(Membership.objects.using(using).values_list("user_id", flat=True).distinct())
    for start in range(0, len(user_ids), 5000):
        access.sync_permissions(user_ids[start : start + 5000])
