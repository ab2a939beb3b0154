from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and schools"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import signals

        post_migrate.connect(signals.resync_all_grants, sender=self, dispatch_uid="accounts-resync-grants")
