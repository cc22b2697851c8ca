from django.contrib import admin

from jiliang.audit.admin import AuditedModelAdmin
from jiliang.core.models import ApiToken, Organisation, Region, User


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "region_code", "credit_code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "credit_code", "region_code")
    raw_id_fields = ("region",)

    def save_model(self, request, obj, form, change):
        obj.region_code = obj.region_id
        super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ("username", "organisation", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name")
    raw_id_fields = ("organisation",)
    fields = ("username", "first_name", "email", "organisation", "role", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "user", "name", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
