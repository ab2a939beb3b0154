"""The Django admin, for trust technical staff: people, schools and memberships, and a read-only
list of MIS imports.

Safeguarding, consent and approval records are never exposed here: they are reached only through
the portal's scoped pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.admin import OTPAdminSite

from accounts.models import ImportRun, Membership, ParentLink, Pupil, School, Trust, TrustSignOn, User

# The admin demands a verified second factor from everyone who uses it.
admin.site.__class__ = OTPAdminSite


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["name", "companies_house_number"]
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "phase", "trust"]
    list_filter = ["phase", "trust"]
    search_fields = ["name", "urn"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "school", "trust"]
    list_filter = ["role", "trust"]
    search_fields = ["user__email", "user__full_name", "school__name"]
    autocomplete_fields = ["user", "school"]


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "year_group", "school", "mis_id"]
    list_filter = ["school", "year_group"]
    search_fields = ["last_name", "first_name", "mis_id"]
    autocomplete_fields = ["user"]


@admin.register(ParentLink)
class ParentLinkAdmin(admin.ModelAdmin):
    list_display = ["parent", "pupil", "relationship", "parental_responsibility"]
    autocomplete_fields = ["parent", "pupil"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read-only: an import is uploaded, checked and applied only through accounts.mis_import, so
    every run is access-checked and audited. The file itself is not shown (pupils' data)."""

    list_display = ["uploaded_at", "school", "original_name", "status", "done", "total"]
    list_filter = ["status"]
    list_select_related = ["school"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrustSignOn)
class TrustSignOnAdmin(admin.ModelAdmin):
    list_display = ["trust", "provider", "issuer", "allowed_domains", "enabled", "staff_password_sign_in"]
