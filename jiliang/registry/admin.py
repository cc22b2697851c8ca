"""The national administrator keeps the list of kinds that may be verified remotely (issue 18):
no source in the reference allows any, so the list is data, each entry with its basis; every
change is written to the ledger."""

from django.contrib import admin

from jiliang.audit.admin import AuditedModelAdmin
from jiliang.registry.models import RemoteVerificationAllowance


@admin.register(RemoteVerificationAllowance)
class RemoteVerificationAllowanceAdmin(AuditedModelAdmin):
    list_display = ("kind", "regulation_code", "basis")

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
