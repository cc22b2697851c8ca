"""The national administrator edits the catalogue here; every change is written to the ledger."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiliang.audit.admin import NationalOnlyAdmin
from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog.models import (
    CatalogueEntry,
    CatalogueVersion,
    EvaluationOutline,
    InstrumentKind,
    PeriodRule,
    ProvincePeriod,
    Regulation,
    TypeEvaluationInstitution,
    TypeEvaluationReview,
)


class Reviewable(NationalOnlyAdmin):
    """A value the national administrator confirms or corrects: both mark it reviewed, audited,
    and a reload of the reference leaves it as it is."""

    actions = ["confirm"]
    readonly_fields = ("reviewed_by", "reviewed_at")

    def save_model(self, request, obj, form, change):
        obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Confirm the selected values (checked against the official text)"))
    def confirm(self, request, queryset):
        count = 0
        with transaction.atomic():
            for obj in queryset.select_for_update():
                before = snapshot(obj)
                obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
                obj.save(update_fields=["reviewed_by", "reviewed_at"])
                audit_record(actor=request.user, action="catalog.confirm", obj=obj, before=before,
                             after=snapshot(obj))
                count += 1
        self.message_user(request, gettext("Values confirmed: %(n)d.") % {"n": count},
                          messages.SUCCESS)


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(NationalOnlyAdmin):
    list_display = ("code", "name_zh", "in_force_from", "in_force_until")


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(Reviewable):
    list_display = ("version", "item_no", "name_zh", "supervision", "listed", "kind", "confidence",
                    "reviewed_at")
    list_filter = ("version", "confidence")
    search_fields = ("name_zh", "name_en")


@admin.register(InstrumentKind)
class InstrumentKindAdmin(Reviewable):
    list_display = ("code", "name_zh", "name_en", "mode", "mode_confidence", "size_param",
                    "is_utility_meter", "reviewed_at")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Regulation)
class RegulationAdmin(Reviewable):
    list_display = ("code", "title_zh", "kind", "effective_on", "withdrawn_on", "transition_until",
                    "replaced_by", "confidence", "reviewed_at")
    list_filter = ("is_current", "confidence", "kind")
    search_fields = ("code", "title_zh")


@admin.register(PeriodRule)
class PeriodRuleAdmin(Reviewable):
    list_display = ("code", "kind", "position", "mode", "period_months", "life_years", "confidence")
    list_filter = ("kind", "mode", "confidence")


@admin.register(ProvincePeriod)
class ProvincePeriodAdmin(NationalOnlyAdmin):
    list_display = ("province_code", "rule", "value", "note", "set_by", "set_at")
    list_filter = ("province_code",)


class ReviewInline(admin.TabularInline):
    model = TypeEvaluationReview
    extra = 0


@admin.register(TypeEvaluationInstitution)
class TypeEvaluationInstitutionAdmin(NationalOnlyAdmin):
    list_display = ("organisation", "authorised_from", "authorised_until", "basis")
    inlines = [ReviewInline]

    def save_formset(self, request, form, formset, change):
        """The re-evaluations are audited like the institution itself."""
        with transaction.atomic():
            reviews = formset.save()
            for review in reviews:
                audit_record(actor=request.user, action="catalog.type_evaluation.review",
                             obj=review, after=snapshot(review))
            for review in formset.deleted_objects:
                audit_record(actor=request.user, action="admin.delete", obj=review,
                             before=snapshot(review))


@admin.register(EvaluationOutline)
class EvaluationOutlineAdmin(NationalOnlyAdmin):
    list_display = ("kind", "code", "title", "status", "status_on")
    list_filter = ("status",)
