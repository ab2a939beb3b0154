from django.apps import AppConfig
from django.core.checks import Tags, register


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and schools"

    def ready(self) -> None:
        # The app's modules are imported once the app registry is ready, as Django requires.
        from django.db.models.signals import post_migrate

        from accounts import audit, checks, registrations, signals

        registrations.register()
        audit.register()

        post_migrate.connect(signals.resync_all_grants, sender=self, dispatch_uid="accounts-resync-grants")
        # Deploy-only: it asks the database, which plain checks (runserver, migrate) must not need.
        register(checks.check_no_demo_logins, Tags.security, deploy=True)
