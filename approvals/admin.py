"""The Django admin shows approvals read-only: requests move only through the portal's services,
which check access and write the timeline."""

from django.contrib import admin

from approvals.models import ApprovalRequest, OfficialAccount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "type", "school", "title", "state", "created_at"]
    list_filter = ["type", "state"]
    search_fields = ["reference", "title"]


@admin.register(OfficialAccount)
class OfficialAccountAdmin(ReadOnlyAdmin):
    list_display = ["handle", "platform", "school", "status", "next_review_due"]
    list_filter = ["platform", "status"]
    search_fields = ["handle"]
