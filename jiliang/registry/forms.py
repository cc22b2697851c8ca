from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.catalog.models import InstrumentKind, Use
from jiliang.core.forms import OrganisationField, StyledForm
from jiliang.registry.models import Conclusion, Status, VerificationEvidence, VerificationType
from jiliang.rules import evidence as evidence_rules

MEDIUM_CHOICES = [("", "—"), ("natural_gas", _("natural gas")), ("other_gas", _("other gas"))]


def kind_choices(*, utility: bool = False):
    qs = InstrumentKind.objects.order_by("code")
    if utility:
        qs = qs.filter(is_utility_meter=True)
    return [("", "—")] + [(k.code, k.name) for k in qs]


def add_people_fields(form, people) -> None:
    """Issue 13: the verifier, checker and approver, picked from the institution's people."""
    choices = [("", "—")] + [(str(p.pk), p.name) for p in people]
    for name, label in (("verifier", _("Verifier")), ("checker", _("Checker")),
                        ("approver", _("Approver"))):
        form.fields[name] = forms.ChoiceField(label=label, choices=choices)
        form.fields[name].widget.attrs["class"] = "form-select"


class DateInput(forms.DateInput):
    input_type = "date"


class InstrumentForm(StyledForm):
    owner_credit_code = OrganisationField(
        label=_("Owner"), required=False,
        help_text=_("Bureaus name the owner; an enterprise files its own instruments."))
    kind_code = forms.ChoiceField(label=_("Kind of instrument"))
    use = forms.ChoiceField(label=_("Use"), choices=Use.choices)
    serial_number = forms.CharField(label=_("Serial number"), max_length=64)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    measuring_range = forms.CharField(label=_("Measuring range"), max_length=100, required=False)
    accuracy_class = forms.CharField(label=_("Accuracy class"), max_length=20, required=False)
    nominal_size = forms.CharField(
        label=_("Nominal size"), max_length=12, required=False,
        help_text=_("DN of a water meter (e.g. 20), G of a gas meter (e.g. 2.5)."))
    household = forms.BooleanField(label=_("Settled directly with a household"), required=False)
    medium = forms.ChoiceField(label=_("Gas"), choices=MEDIUM_CHOICES, required=False)
    type_approval_no = forms.CharField(label=_("Type-approval number"), max_length=40,
                                       required=False)
    region_code = forms.CharField(label=_("Division code of the place of use"), max_length=6,
                                  help_text=_("6-digit GB/T 2260 code, e.g. 440106."))
    address = forms.CharField(label=_("Address of the place of use"), max_length=300,
                              required=False)
    first_use_on = forms.DateField(label=_("First used on"), required=False, widget=DateInput)

    def __init__(self, *args, enterprise: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind_code"].choices = kind_choices()
        if enterprise:
            del self.fields["owner_credit_code"]


class InstrumentEditForm(StyledForm):
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    measuring_range = forms.CharField(label=_("Measuring range"), max_length=100, required=False)
    accuracy_class = forms.CharField(label=_("Accuracy class"), max_length=20, required=False)
    type_approval_no = forms.CharField(label=_("Type-approval number"), max_length=40,
                                       required=False)
    region_code = forms.CharField(label=_("Division code of the place of use"), max_length=6)
    address = forms.CharField(label=_("Address of the place of use"), max_length=300,
                              required=False)


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    on = forms.DateField(label=_("Since"), required=False, widget=DateInput)


class VerificationForm(StyledForm):
    instrument_code = forms.CharField(
        label=_("Instrument's public code"), max_length=16,
        help_text=_("The 16 characters under the QR label (or scan it)."))
    verified_on = forms.DateField(label=_("Verification date"), widget=DateInput)
    verification_type = forms.ChoiceField(label=_("Type"), choices=VerificationType.choices)
    regulation_code = forms.ChoiceField(label=_("Regulation"))
    standard_identifier = forms.CharField(label=_("Standard used"), max_length=100,
                                          help_text=_("The certificate number of the standard."))
    standard_valid_until = forms.DateField(label=_("Standard valid until"), widget=DateInput)
    as_found = forms.CharField(label=_("As-found result"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    adjusted = forms.BooleanField(label=_("Adjusted before it passed"), required=False)
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=Conclusion.choices)
    failed_items = forms.CharField(
        label=_("Failed items"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a fail: one item a line."))
    certificate_no = forms.CharField(label=_("Certificate or notice number"), max_length=60)
    valid_until = forms.DateField(
        label=_("Valid until (only to shorten the period)"), required=False, widget=DateInput,
        help_text=_("Leave empty to use the full period of the regulation."))
    place = forms.CharField(label=_("Place of verification"), max_length=200, required=False)
    conditions = forms.CharField(
        label=_("Environmental conditions"), max_length=200, required=False,
        help_text=_("Where the regulation asks for them, e.g. temperature and humidity."))
    original_record_no = forms.CharField(label=_("Original record number"), max_length=60,
                                         required=False)

    def __init__(self, *args, regulations=(), people=(), standards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regulation_code"].choices = [(r, r) for r in regulations]
        add_people_fields(self, people)
        add_standard_fields(self, standards)
        add_evidence_fields(self)


class CorrectionForm(VerificationForm):
    correction_reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["instrument_code"]


def add_standard_fields(form: forms.Form, standards: tuple[list, list] | None) -> None:
    """Traceability (issue 12): with the register, the standard is one of the institution's
    registered standards (and reference-material lots), chosen after the regulation; without
    it (``standards`` None), free text and its validity date."""
    if standards is None:
        return
    mine, lots = standards
    del form.fields["standard_identifier"], form.fields["standard_valid_until"]
    form.fields["standard_id"] = forms.TypedChoiceField(
        label=_("Measurement standard"), coerce=int, choices=[("", "—"), *mine],
        help_text=_("Your institution's registered standards for this kind of instrument."))
    form.fields["reference_lot_ids"] = forms.TypedMultipleChoiceField(
        label=_("Reference-material lots used"), coerce=int, choices=lots, required=False)
    order = list(form.fields)
    at = order.index("regulation_code") + 1
    form.order_fields([*order[:at], "standard_id", "reference_lot_ids", *order[at:]])


class BatchForm(StyledForm):
    owner_credit_code = forms.CharField(label=_("Owner's unified social credit code"),
                                        max_length=18)
    kind_code = forms.ChoiceField(label=_("Kind of meter"))
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    model = forms.CharField(label=_("Model"), max_length=100)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100000)
    nominal_size = forms.CharField(label=_("Nominal size"), max_length=12, required=False)
    medium = forms.ChoiceField(label=_("Gas"), choices=MEDIUM_CHOICES, required=False)
    accuracy_class = forms.CharField(label=_("Accuracy class"), max_length=20, required=False)
    household = forms.BooleanField(label=_("Settled directly with households"), required=False,
                                   initial=True)
    region_code = forms.CharField(label=_("Division code where they are installed"), max_length=6)
    verified_on = forms.DateField(label=_("Verification date"), widget=DateInput)
    regulation_code = forms.CharField(label=_("Regulation"), max_length=60,
                                      help_text=_("e.g. JJG 162-2019"))
    standard_identifier = forms.CharField(label=_("Standard used"), max_length=100)
    standard_valid_until = forms.DateField(label=_("Standard valid until"), widget=DateInput)
    conclusion = forms.ChoiceField(label=_("Result"), choices=Conclusion.choices)
    failed_items = forms.CharField(label=_("Failed items"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=60)
    serials = forms.CharField(label=_("Serial numbers"), widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("One a line."))

    def __init__(self, *args, people=(), standards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind_code"].choices = kind_choices(utility=True)
        add_people_fields(self, people)
        add_standard_fields(self, standards)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("File (xlsx or csv)"))


def add_evidence_fields(form) -> None:
    """Seals, software and counters found and left, and where and how (issue 18); the service
    takes them together as ``evidence`` (``registry.evidence.FIELDS``)."""
    text = {"required": False}
    lines = {"required": False, "widget": forms.Textarea(attrs={"rows": 2}),
             "help_text": _("One seal number a line.")}
    forms_of_mark = [("", "—")] + [(f["code"], f["name_zh"]) for f in
                                   evidence_rules.data()["seal_forms"]]
    form.fields.update({
        "method": forms.ChoiceField(label=_("Where and how"), required=False,
                                    choices=[("", "—"), *VerificationEvidence.Method.choices]),
        "remote_data": forms.CharField(
            label=_("Remote data it rests on"), max_length=200, **text,
            help_text=_("For a remote verification: the data set or readings it rests on.")),
        "remote_standard": forms.CharField(label=_("Standard used at the other end"),
                                           max_length=100, **text),
        "seals_found": forms.CharField(label=_("Seals found"), **lines),
        "seals_left": forms.CharField(label=_("Seals left"), **lines),
        "mark": forms.CharField(label=_("Mark"), max_length=100, **text,
                                help_text=_("The verification mark's number, where no seal is "
                                            "numbered.")),
        "seal_form": forms.ChoiceField(label=_("Form of the mark"), required=False,
                                       choices=forms_of_mark),
        "software_version_found": forms.CharField(label=_("Software version found"),
                                                  max_length=60, **text),
        "software_version_left": forms.CharField(label=_("Software version left"),
                                                 max_length=60, **text),
        "checksum_found": forms.CharField(label=_("Checksum found"), max_length=128, **text),
        "checksum_left": forms.CharField(label=_("Checksum left"), max_length=128, **text),
        "counter_found": forms.IntegerField(label=_("Event counter found"), min_value=0,
                                            max_value=10**15, required=False),
        "counter_left": forms.IntegerField(label=_("Event counter left"), min_value=0,
                                           max_value=10**15, required=False),
        "audit_trail": forms.CharField(label=_("Audit-trail reading"), max_length=300, **text),
    })
