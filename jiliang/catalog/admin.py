"""The national administrator edits the catalogue here; every change is written to the ledger."""

from django.contrib import admin

from jiliang.audit.admin import AuditedModelAdmin
from jiliang.catalog.models import (
    CatalogueEntry,
    CatalogueVersion,
    InstrumentKind,
    PeriodRule,
    ProvincePeriod,
    Regulation,
)


class NationalOnly(AuditedModelAdmin):
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


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(NationalOnly):
    list_display = ("code", "name_zh", "in_force_from", "in_force_until")


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(NationalOnly):
    list_display = ("version", "item_no", "name_zh", "supervision", "listed", "kind")
    list_filter = ("version",)
    search_fields = ("name_zh", "name_en")


@admin.register(InstrumentKind)
class InstrumentKindAdmin(NationalOnly):
    list_display = ("code", "name_zh", "name_en", "size_param", "is_utility_meter")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Regulation)
class RegulationAdmin(NationalOnly):
    list_display = ("code", "title_zh", "kind", "is_current", "confidence")
    list_filter = ("kind", "is_current")
    search_fields = ("code", "title_zh")


@admin.register(PeriodRule)
class PeriodRuleAdmin(NationalOnly):
    list_display = ("code", "kind", "position", "mode", "period_months", "life_years", "confidence")
    list_filter = ("kind", "mode", "confidence")


@admin.register(ProvincePeriod)
class ProvincePeriodAdmin(NationalOnly):
    list_display = ("province_code", "rule", "value", "note", "set_by", "set_at")
    list_filter = ("province_code",)
