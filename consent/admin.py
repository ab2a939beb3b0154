"""Consent in the Django admin: read-only. Answers are recorded only through consent.services, so
every change is checked, audited and kept in the history."""

from django.contrib import admin

from consent.models import (
    Collection,
    CollectionReminder,
    ConsentAnswer,
    ConsentState,
    Event,
    WithdrawalFollowUp,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentAnswer)
class ConsentAnswerAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "pupil", "academic_year", "purpose", "decision", "method", "parent"]
    list_filter = ["academic_year", "purpose", "decision", "method"]
    search_fields = ["pupil__last_name", "pupil__mis_id", "parent__email"]
    list_select_related = ["pupil", "parent"]
    raw_id_fields = ["pupil", "parent", "entered_by"]


@admin.register(ConsentState)
class ConsentStateAdmin(ReadOnlyAdmin):
    list_display = ["pupil", "academic_year", "purpose", "decision", "answered_at"]
    list_filter = ["academic_year", "purpose", "decision"]
    search_fields = ["pupil__last_name", "pupil__mis_id"]
    list_select_related = ["pupil"]
    raw_id_fields = ["pupil", "parent", "answer"]


@admin.register(WithdrawalFollowUp)
class WithdrawalFollowUpAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "pupil", "purpose", "kind", "resolved_at"]
    list_filter = ["kind", "purpose"]
    list_select_related = ["pupil"]
    raw_id_fields = ["pupil", "answer", "resolved_by"]


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = ["academic_year", "school", "trust", "opened_at", "closes_on"]
    list_select_related = ["school", "trust"]


@admin.register(CollectionReminder)
class CollectionReminderAdmin(ReadOnlyAdmin):
    list_display = ["collection", "parent", "number", "sent_at"]
    raw_id_fields = ["collection", "parent"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["name", "date", "created_by"]
    raw_id_fields = ["pupils", "created_by"]
