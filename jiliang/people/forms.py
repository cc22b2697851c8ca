from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.core.forms import OrganisationField, StyledForm
from jiliang.core.models import INSTITUTION_KINDS
from jiliang.people.models import QualificationKind, StationKind


class DateInput(forms.DateInput):
    input_type = "date"


class PersonForm(StyledForm):
    organisation_credit_code = OrganisationField(
        label=_("Institution"), required=False, kinds=tuple(sorted(INSTITUTION_KINDS)),
        help_text=_("Bureaus name the institution; an institution adds its own people."))
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    id_card = forms.CharField(label=_("ID-card number"), max_length=18, required=False,
                              help_text=_("Kept only as a keyed hash and a masked form."))


class QualificationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Number"), max_length=60)
    grade = forms.ChoiceField(label=_("Grade"), required=False,
                              choices=[("", "—"), ("1", _("level 1")), ("2", _("level 2"))])
    speciality = forms.CharField(label=_("Speciality"), max_length=100, required=False)
    items = forms.CharField(label=pgettext_lazy("qualification", "Items"), max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 2}), required=False,
                            help_text=_("Instrument kind codes or regulation codes, one a line."))
    issuer = forms.CharField(label=_("Issuer"), max_length=200, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)


class SignatoryForm(StyledForm):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CpdForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_value=2000, decimal_places=1)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Registration number"), max_length=60)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("File (xlsx or csv)"))


class StationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=StationKind.choices)
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=200)
    region_code = forms.CharField(label=_("Division code"), max_length=6)
    scope = forms.CharField(label=_("Scope"), max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=pgettext_lazy("station", "Legal basis"), max_length=300)
    approved_by = forms.CharField(label=_("Approved by"), max_length=200)
    approved_on = forms.DateField(label=_("Approved on"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)


class ReviewForm(StyledForm):
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    findings = forms.CharField(label=_("Findings"), max_length=4000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    rectification_due = forms.DateField(label=_("Rectification due"), widget=DateInput,
                                        required=False)
    conclusion = forms.CharField(label=_("Conclusion"), max_length=200, required=False)


class RectifyForm(StyledForm):
    rectified_on = forms.DateField(label=_("Rectified on"), widget=DateInput)
    rectification = forms.CharField(label=_("Rectification"), max_length=4000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
