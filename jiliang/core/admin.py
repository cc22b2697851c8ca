import re

from django import forms
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.audit.admin import AuditedModelAdmin
from jiliang.core import services
from jiliang.core.models import ApiToken, HolidayYear, Organisation, Region, Role, User

# The admin's own titles, in the reader's language (not Django's "site administration").
admin.site.site_header = _("Jiliang metrology management: administration")
admin.site.site_title = _("Jiliang administration")
admin.site.index_title = _("Reference data and accounts")


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


class HolidayYearForm(forms.ModelForm):
    """The notice as typed from its text: one date a line (commas and spaces also part them)."""

    holidays = forms.CharField(label=_("days off"), widget=forms.Textarea(attrs={"rows": 8}),
                               help_text=_("Every day off of the notice, one YYYY-MM-DD a line."))
    workdays = forms.CharField(label=_("adjusted working days"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Weekend days the notice makes working days "
                                           "(调休上班), one YYYY-MM-DD a line."))

    class Meta:
        model = HolidayYear
        fields = ("year", "source", "holidays", "workdays")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["holidays"] = "\n".join(self.instance.holidays)
            self.initial["workdays"] = "\n".join(self.instance.workdays)

    @staticmethod
    def _split(text: str) -> list[str]:
        return [part for part in re.split(r"[\s,，、;；]+", text or "") if part]

    def clean_holidays(self):
        return self._split(self.cleaned_data.get("holidays"))

    def clean_workdays(self):
        return self._split(self.cleaned_data.get("workdays"))

    def clean(self):
        data = super().clean()
        year = data.get("year") or self.instance.year
        if year and "holidays" in data and "workdays" in data and data.get("source"):
            try:
                services.holiday_year_clean(year=year, holidays=data["holidays"],
                                            workdays=data["workdays"], source=data["source"])
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """The national administrator enters each year's notice here, through the audited service."""

    form = HolidayYearForm
    list_display = ("year", "source", "entered_at")

    def _national(self, request) -> bool:
        return request.user.is_authenticated and request.user.role == Role.NATIONAL_ADMIN

    def has_module_permission(self, request):
        return self._national(request)

    def has_view_permission(self, request, obj=None):
        return self._national(request)

    def has_add_permission(self, request):
        return self._national(request)

    def has_change_permission(self, request, obj=None):
        return self._national(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("year",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.holiday_year_enter(
            actor=request.user, year=obj.year, holidays=form.cleaned_data["holidays"],
            workdays=form.cleaned_data["workdays"], source=form.cleaned_data["source"])
        obj.pk = saved.pk


def _login_through_the_site(request, extra_context=None):
    """The admin signs in through the site's own login (lockouts, second factor), never its own
    form."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"),
                             login_url=reverse("login"))


admin.site.login = _login_through_the_site
