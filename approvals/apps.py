from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals and official accounts"

    def ready(self) -> None:
        # The app's modules are imported once the app registry is ready, as Django requires.
        from approvals import registrations, signals

        signals.connect()
        registrations.register()
