from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance, audit and notifications"

    def ready(self) -> None:
        from governance import audit_signals  # noqa: F401
