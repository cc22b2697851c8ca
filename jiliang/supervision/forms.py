from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from jiliang.catalog import selectors as catalog
from jiliang.core.forms import RegionsField, StyledForm
from jiliang.rules import energylabels
from jiliang.supervision.models import (
    CampaignKind,
    CampaignLevel,
    EnforcementAction,
    LabelFinding,
    TareMethod,
)
from jiliang.supervision.services import grades_setting, label_scale, scale_words
from jiliang.supervision.sheets import yes_no

DATE = {"type": "date"}
UNITS = [("g", "g"), ("kg", "kg"), ("mL", "mL"), ("L", "L"), ("mm", "mm"), ("cm", "cm"),
         ("m", "m"), ("m2", "m²"), ("items", _("items"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CampaignForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=CampaignLevel.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    field_deadline = forms.DateField(label=_("Field work due"), widget=DateInput)
    report_deadline = forms.DateField(label=_("Report due"), widget=DateInput)
    products = forms.CharField(
        label=_("Products"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Net content: the products sampled, one per line (e.g. 大米, 食用油)."))
    kind_codes = forms.MultipleChoiceField(
        label=_("Instrument kinds"), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("The kinds of the catalogue of instruments under compulsory management."))
    regions = RegionsField(
        label=_("Regions"), required=False,
        help_text=_("The places covered: type a name or a code and tick them."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    continues = forms.ChoiceField(
        label=_("Continues"), required=False,
        help_text=_("The earlier campaign whose places and products this one follows."))

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind_codes"].choices = catalog.kind_choices()
        self.fields["continues"].choices = [("", "—")] + [
            (str(c.pk), f"{c.year} · {c.title}") for c in campaigns]


class CampaignEditForm(CampaignForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].disabled = True
        self.fields["level"].disabled = True


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TaskForm(StyledForm):
    region_code = forms.CharField(label=_("Division code"), max_length=6,
                                  help_text=_("The city or county that carries out the task."))
    institution = forms.ChoiceField(label=_("Institution"), required=False)
    target = forms.IntegerField(label=_("Target"), min_value=1, max_value=100000,
                                help_text=_("How many samples, visits or products it takes."))
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—")] + [
            (str(o.pk), o.name) for o in institutions]


DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class NetContentForm(StyledForm):
    packer_credit_code = forms.CharField(
        label=_("Packer's credit code"), max_length=18,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}))
    packer_name = forms.CharField(label=_("Packer"), max_length=200)
    product = forms.CharField(label=_("Product"), max_length=100)
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    nominal = forms.CharField(label=_("Nominal quantity"), max_length=20,
                              widget=forms.TextInput(attrs=DECIMAL))
    unit = forms.ChoiceField(label=_("Unit"), choices=UNITS)
    lot_size = forms.IntegerField(label=_("Lot size"), min_value=1,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    values = forms.CharField(
        label=_("Measured values"),
        widget=forms.Textarea(attrs={**DECIMAL, "rows": 5}),
        help_text=_("The net content of every unit of the sample, separated by spaces, commas "
                    "or new lines."))
    values_unit = forms.ChoiceField(label=_("Unit of the values"), required=False,
                                    choices=[("", _("same as the nominal"))] + UNITS)
    place = forms.CharField(label=_("Place of sampling"), max_length=200)
    region_code = forms.CharField(label=_("Division code"), max_length=6, required=False,
                                  help_text=_("Where the sample was taken; the task's region "
                                              "when empty."))
    sampled_on = forms.DateField(label=_("Sampled on"), widget=DateInput)
    tare_method = forms.ChoiceField(label=_("Tare method"), choices=TareMethod.choices)
    reinspection_of = forms.CharField(label=_("Re-inspection of notice"), max_length=32,
                                      required=False)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        if products:
            self.fields["product"] = forms.ChoiceField(
                label=_("Product"), choices=[(p, p) for p in products],
                widget=forms.Select(attrs={"class": "form-select"}))


class UploadForm(StyledForm):
    file = forms.FileField(label=_("Field sheet (xlsx or csv)"))


class VisitForm(StyledForm):
    institution_name = forms.CharField(label=_("Institution visited"), max_length=200)
    institution_credit_code = forms.CharField(label=_("Unified social credit code"),
                                              max_length=18, required=False)
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput)
    region_code = forms.CharField(label=_("Division code"), max_length=6, required=False)
    inspectors = forms.CharField(label=_("Inspectors"), max_length=200, required=False)
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    action = forms.ChoiceField(label=_("Enforcement action"), choices=EnforcementAction.choices)
    action_note = forms.CharField(label=_("Details of the action"), max_length=300,
                                  required=False)


class VisitUpdateForm(StyledForm):
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    action = forms.ChoiceField(label=_("Enforcement action"), choices=EnforcementAction.choices)
    action_note = forms.CharField(label=_("Details of the action"), max_length=300,
                                  required=False)


TRI = [("", _("not checked")), ("yes", _("yes")), ("no", _("no"))]


class InstrumentForm(StyledForm):
    kind_code = forms.CharField(label=_("Instrument kind"), max_length=64,
                                help_text=_("Catalogue kind code, e.g. sphygmomanometer."))
    serial_number = forms.CharField(label=_("Serial number"), max_length=100)
    owner_name = forms.CharField(label=_("Owner"), max_length=200, required=False,
                                 help_text=_("The institution visited when empty."))
    owner_credit_code = forms.CharField(label=_("Owner's credit code"), max_length=18,
                                        required=False)
    verified_in_time = forms.ChoiceField(
        label=_("Verified in time"), choices=TRI, required=False,
        help_text=_("Read from the registry when the instrument is filed there."))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    conforms = forms.ChoiceField(label=_("Conforms"), choices=TRI, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ProductSampleForm(StyledForm):
    manufacturer_name = forms.CharField(label=_("Manufacturer"), max_length=200)
    manufacturer_credit_code = forms.CharField(label=_("Manufacturer's credit code"),
                                               max_length=18, required=False)
    product = forms.CharField(label=_("Product"), max_length=100)
    model = forms.CharField(label=_("Model"), max_length=100)
    kind_code = forms.CharField(label=_("Instrument kind"), max_length=64, required=False)
    sample_number = forms.CharField(label=_("Sample number"), max_length=64)
    sampled_on = forms.DateField(label=_("Sampled on"), widget=DateInput)
    region_code = forms.CharField(label=_("Division code"), max_length=6, required=False)
    items = forms.CharField(
        label=_("Test items"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item per line: item | requirement | result | pass or fail."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # The approved type (catalogue #14): its CPA number and the key-part consistency check.
    type_approval_no = forms.CharField(label=_("Type-approval number"), max_length=40,
                                       required=False)
    key_parts_consistent = forms.NullBooleanField(
        label=_("Key parts as approved"), required=False, widget=forms.NullBooleanSelect)
    key_parts_note = forms.CharField(label=_("Key-part check"), max_length=300, required=False)


class LabelCheckForm(StyledForm):
    enterprise_name = forms.CharField(label=_("Producer or seller"), max_length=200)
    enterprise_credit_code = forms.CharField(label=_("Unified social credit code"),
                                             max_length=18, required=False)
    product = forms.CharField(label=_("Product"), max_length=100)
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    model = forms.CharField(label=_("Model"), max_length=100)
    checked_on = forms.DateField(label=_("Checked on"), widget=DateInput)
    region_code = forms.CharField(label=_("Division code"), max_length=6, required=False)
    label_standard = forms.CharField(
        label=_("Label standard"), max_length=40, required=False,
        help_text=_("The GB standard printed on the label, e.g. GB 21455-2019: it fixes how "
                    "many grades the label has."))
    finding = forms.ChoiceField(label=_("Finding"), choices=LabelFinding.choices)
    labelled_grade = forms.IntegerField(label=_("Labelled grade"), min_value=1, required=False)
    measured_grade = forms.IntegerField(label=_("Measured grade"), min_value=1, required=False)
    handling = forms.ChoiceField(label=_("Handling"), choices=EnforcementAction.choices)
    handling_note = forms.CharField(label=_("Details of the handling"), max_length=300,
                                    required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Bounded before the standard is known; the service checks the standard's own number.
        top = energylabels.largest(grades_setting())
        scales = [scale_words(label_scale(""))] + [
            scale_words(label_scale(code)) for code, standard in energylabels.standards().items()
            if standard.grades is not None]
        for name in ("labelled_grade", "measured_grade"):
            field = self.fields[name]
            field.max_value = top
            field.validators.append(MaxValueValidator(top))
            field.widget.attrs["max"] = top
            field.help_text = _("Grades: %(scale)s.") % {"scale": "; ".join(scales)}


def tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def parse_items(text: str) -> list[dict]:
    """Test items typed one per line: item | requirement | result | pass or fail."""
    items = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if not parts or not parts[0]:
            continue
        while len(parts) < 4:
            parts.append("")
        try:
            passed = yes_no(parts[3], verdicts=True)
        except ValueError:
            passed = None
        items.append({"item": parts[0], "requirement": parts[1], "result": parts[2],
                      "passed": passed})
    return items
