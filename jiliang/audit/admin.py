"""The admin edits reference data; every change it makes is written to the ledger.

The apps' admins start from these: ``AuditedModelAdmin`` (saves and deletes audited),
``NationalOnlyAdmin`` (that, for the national administrator alone) and ``ReadOnlyAdmin``.
"""

from django.contrib import admin
from django.db import transaction

from jiliang.audit.models import LedgerEntry
from jiliang.audit.services import audit_record, snapshot


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes are audited in the same transaction."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = snapshot(type(obj).objects.filter(pk=obj.pk).first()) if change else None
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action=f"admin.{'change' if change else 'add'}",
                         obj=obj, before=before, after=snapshot(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = snapshot(obj)
            audit_record(actor=request.user, action="admin.delete", obj=obj, before=before)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class NationalOnlyAdmin(AuditedModelAdmin):
    """Audited, and seen and changed by the national administrator alone."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.role == "national_admin"

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows changed only through their services: the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "region_code")
    list_filter = ("action",)
    search_fields = ("object_id", "actor_name")
