"""The Django admin shows only the platform table of incidents: cases are reached through the portal."""

from django.contrib import admin

from core.audit import audit_record
from core.models import AuditEntry
from incidents.models import Platform


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    """Platforms and minimum ages (000 §3.2); every change is audited, none is deleted."""

    list_display = ["name", "minimum_age", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {name: [form.initial.get(name), form.cleaned_data.get(name)] for name in form.changed_data}
        verb = AuditEntry.Verb.UPDATE if change else AuditEntry.Verb.CREATE
        audit_record(verb=verb, obj=obj, changes=changes, request=request)

    def has_delete_permission(self, request, obj=None):
        # Reports point at platforms: a platform no longer used is made inactive instead.
        return False
