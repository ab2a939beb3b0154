from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals and official accounts"

    def ready(self) -> None:
        from approvals import registrations, signals

        signals.connect()
        registrations.register()
