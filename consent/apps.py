from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"

    def ready(self) -> None:
        # The app's modules are imported once the app registry is ready, as Django requires.
        from consent import registrations

        registrations.register()
