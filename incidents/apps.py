from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        # The app's modules are imported once the app registry is ready, as Django requires.
        from incidents import registrations

        registrations.register()
