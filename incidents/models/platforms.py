"""The platforms reporters choose from and their minimum ages."""

from __future__ import annotations

import uuid

from django.db import models


class Platform(models.Model):
    """A social media platform and the minimum age its terms set (000 §3.2), editable by the trust."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=60, unique=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
