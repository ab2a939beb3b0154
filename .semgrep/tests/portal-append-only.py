# ruff: noqa
# Targets for .semgrep/rules/portal-append-only.yml (semgrep --test).
from django.db import models

from core.models import AppendOnlyModel


class IncidentEvent(models.Model):
    # ruleid: portal-append-only
    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Incident events are never changed; add a new one.")
        super().save(*args, **kwargs)


# ok: portal-append-only
class TakedownStep(AppendOnlyModel):
    never_changed = "Takedown steps are never changed; add a new one."


class AppendOnlyModel(models.Model):
    # ok: portal-append-only
    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(self.never_changed)
        super().save(*args, **kwargs)
