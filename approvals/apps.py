from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals and official accounts"

    def ready(self) -> None:
        # The app's modules are imported once the app registry is ready, as Django requires; the
        # kinds of request are declared (registered) on import.
        from approvals import kinds, registrations, signals  # noqa: F401 - kinds registers on import

        signals.connect()
        registrations.register()
