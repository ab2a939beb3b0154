from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # The app's modules are imported once the app registry is ready, as Django requires.
        from governance import registrations

        registrations.register()
