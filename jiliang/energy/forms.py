from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiliang.core.forms import OrganisationField, StyledForm
from jiliang.core.models import OrgKind
from jiliang.energy.labels import energy_choices, instrument_choices
from jiliang.energy.models import (
    BASIS_CHOICES,
    CONVERSION_EDITION_CHOICES,
    LEVEL_CHOICES,
    Commitment,
    Meter,
)
from jiliang.rules import energy as rules

DATE = {"type": "date"}
USER_CLASSES = [("", "—"), *((c, c) for c in ("I", "II", "III", "IV", "V"))]


class UnitForm(StyledForm):
    organisation = OrganisationField(label=_("Enterprise"), kinds=(OrgKind.ENTERPRISE,))
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           help_text=_("Leave empty to use the enterprise's name."))
    code = forms.CharField(label=_("Unit code"), max_length=32, required=False,
                           help_text=_("Leave empty to use the unified social credit code."))
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    annual_tce = forms.DecimalField(label=_("Annual comprehensive energy consumption (tce)"),
                                    max_digits=14, decimal_places=2, min_value=0)
    annual_year = forms.IntegerField(label=_("Year of the figure"), required=False,
                                     min_value=1990, max_value=2100)
    tce_edition = forms.ChoiceField(label=_("Conversion edition"),
                                    choices=CONVERSION_EDITION_CHOICES)
    tce_basis = forms.ChoiceField(label=_("Electricity basis of the figure"),
                                  choices=BASIS_CHOICES)
    designated = forms.BooleanField(label=_("Designated as a key unit"), required=False)
    designation_authority = forms.CharField(label=_("Designating authority"), max_length=200,
                                            required=False)
    designation_ref = forms.CharField(label=_("Designation document"), max_length=100,
                                      required=False)
    designated_on = forms.DateField(label=_("Designated on"), required=False,
                                    widget=forms.DateInput(DATE))
    electricity_user_class = forms.ChoiceField(label=_("Electricity user class (DL/T 448)"),
                                               choices=USER_CLASSES, required=False)
    contact = forms.CharField(label=_("Energy manager"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    reading_interval_min = forms.TypedChoiceField(
        label=_("Collection interval (min)"), coerce=int,
        initial=rules.collection_intervals()[0],
        choices=[(m, str(m)) for m in rules.collection_intervals()])
    balance_tolerance_percent = forms.DecimalField(
        label=_("Balance tolerance (%)"), required=False, max_digits=5, decimal_places=2,
        help_text=_("Main meter against the sum of its sub-meters. No standard gives a value; "
                    "without one the balance check is not made."))

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["organisation"]
            del self.fields["code"]

    def clean_organisation(self):
        """The enterprise the picker named (by credit code or name, within the user's scope)."""
        field = self.fields["organisation"]
        return field.organisation(self.cleaned_data["organisation"])


class KeyForm(StyledForm):
    public_key = forms.CharField(label=_("Gateway public key (Ed25519)"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the command is set as code, in the words of the reader's language
        self.fields["public_key"].help_text = format_html(
            gettext("32 bytes as base64 (44 characters) or hex (64). {command} makes a pair."),
            command=format_html("<code>{}</code>", "manage.py energy_keygen"))


class MeterForm(StyledForm):
    management_no = forms.CharField(label=_("Management number"), max_length=64)
    name = forms.CharField(label=_("Instrument name"), max_length=100)
    model_spec = forms.CharField(label=_("Model and specification"), max_length=100,
                                 required=False)
    instrument_type = forms.ChoiceField(label=_("Instrument type"), choices=instrument_choices)
    accuracy_class = forms.CharField(label=_("Accuracy class"), max_length=16, required=False,
                                     help_text=_("e.g. 0.5S, 1.0; for scales and water meters "
                                                 "also give the maximum permissible error."))
    mpe_percent = forms.DecimalField(label=_("Maximum permissible error (%)"), required=False,
                                     max_digits=6, decimal_places=3)
    measuring_range = forms.CharField(label=_("Measuring range"), max_length=100,
                                      required=False)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=100, required=False)
    serial_no = forms.CharField(label=_("Serial number"), max_length=64)
    install_location = forms.CharField(label=_("Installation location"), max_length=200,
                                       required=False)
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES)
    energy = forms.ChoiceField(label=_("Energy type"), choices=energy_choices)
    carrier = forms.ChoiceField(label=_("Energy carrier (GB/T 2589)"), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Meter.Direction.choices)
    sub_unit = forms.CharField(label=_("Sub-unit or equipment"), max_length=100, required=False)
    parent = forms.ModelChoiceField(label=_("Main meter"), queryset=None, required=False)
    register_unit = forms.CharField(label=_("Register unit"), max_length=12, required=False,
                                    help_text=_("e.g. kWh, m3, t, GJ"))
    multiplier = forms.DecimalField(label=_("Multiplier (CT × PT)"), initial=1, max_digits=12,
                                    decimal_places=4)
    register_max = forms.DecimalField(label=_("Register maximum"), required=False,
                                      max_digits=15, decimal_places=3)
    ncv_kj_per_unit = forms.DecimalField(label=_("Measured net calorific value (kJ per unit)"),
                                         required=False, max_digits=12, decimal_places=2)
    pipe_dn_mm = forms.IntegerField(label=_("Pipe size DN (mm)"), required=False, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Meter.Status.choices)
    verification_kind = forms.ChoiceField(label=_("Verification or calibration"),
                                          choices=Meter.Kind.choices)
    mandatory_verification = forms.BooleanField(label=_("Compulsory verification"),
                                                required=False)
    last_verified_on = forms.DateField(label=_("Last verified or calibrated"), required=False,
                                       widget=forms.DateInput(DATE))
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(DATE))
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=64,
                                     required=False)

    def __init__(self, *args, unit, meter=None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = unit.meters.all()
        if meter is not None:
            parents = parents.exclude(pk=meter.pk)
        self.fields["parent"].queryset = parents
        carriers = rules.carriers("gbt2589-2008")
        self.fields["carrier"].choices = [("", _("by energy type"))] + [
            (c.id, f"{c.name_zh} ({c.id})") for c in carriers.values()
            if c.id not in ("electricity_equivalent", "electricity_equal_value")
        ] + [("electricity", _("electricity"))]


class CalibrationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Verification or calibration"), choices=Meter.Kind.choices)
    verified_on = forms.DateField(label=_("Date"), widget=forms.DateInput(DATE))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(DATE))
    passed = forms.BooleanField(label=_("Passed"), required=False, initial=True)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=64,
                                     required=False)
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Ledger (xlsx or csv)"))


class MonthlyForm(StyledForm):
    month = forms.DateField(label=_("Month"), widget=forms.DateInput({"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    carrier = forms.ChoiceField(label=_("Energy carrier"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=20, decimal_places=4,
                                  min_value=0)

    def __init__(self, *args, carriers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [(c, c) for c in carriers]


class AuditOpenForm(StyledForm):
    auditor = forms.ModelChoiceField(label=_("Auditor"), queryset=None,
                                     help_text=_("Your bureau, or a technical institution."))
    opened_on = forms.DateField(label=_("Opened on"), widget=forms.DateInput(DATE),
                                required=False)

    def __init__(self, *args, auditors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = auditors


class CellForm(StyledForm):
    energy = forms.ChoiceField(label=_("Energy type"), choices=energy_choices)
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES)
    required = forms.IntegerField(label=_("Needed (Nl)"), min_value=0)


class ExclusionForm(StyledForm):
    energy = forms.ChoiceField(label=_("Energy type"), choices=energy_choices)
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES)
    count = forms.IntegerField(label=_("Items"), min_value=1)
    ground = forms.ChoiceField(label=_("Ground"), choices=[
        ("t1a", _("Table 1 note a: seasonal heating steam or hot water settled by another "
                  "method (L1)")),
        ("t1b", _("Table 1 note b: seasonal heating steam or hot water of a main sub-unit (L2)")),
        ("t1c", _("Table 1 note c: auxiliary electricity or working media below the Table 3 "
                  "limits (L3)")),
        ("t3a", _("Table 3 note a: equipment inside a separately metered process unit (L3)")),
        ("t3b", _("Table 3 note b: equipment of a group metered as a whole (L3)")),
    ])
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CompleteForm(StyledForm):
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea({"rows": 3}),
                              required=False)
    deadline = forms.DateField(label=_("Rectify by"), widget=forms.DateInput(DATE),
                               required=False)


class RectifyForm(StyledForm):
    rectification = forms.CharField(label=_("What was done"),
                                     widget=forms.Textarea({"rows": 2}))


class ReviewForm(StyledForm):
    accept = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1", choices=[
        ("1", _("accept: close the finding")), ("0", _("not enough: send it back"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class LetterForm(StyledForm):
    ROWS = 5
    title = forms.CharField(label=_("Title"), max_length=200,
                            initial="共同推进节能降耗增效工作责任书")
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(DATE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(self.ROWS):
            self.fields[f"party_{i}"] = forms.ChoiceField(
                label=_("Party"), choices=Commitment.Party.choices, required=False,
                initial=Commitment.Party.UNIT)
            self.fields[f"text_{i}"] = forms.CharField(label=_("Commitment"), max_length=300,
                                                       required=False)
            self.fields[f"deadline_{i}"] = forms.DateField(
                label=_("Deadline"), required=False, widget=forms.DateInput(DATE))
            for name in (f"party_{i}", f"text_{i}", f"deadline_{i}"):
                widget = self.fields[name].widget
                widget.attrs.setdefault(
                    "class", "form-select" if isinstance(widget, forms.Select) else "form-control")

    def commitments(self) -> list[dict]:
        data = self.cleaned_data
        return [{"party": data.get(f"party_{i}") or "unit", "text": data.get(f"text_{i}"),
                 "deadline": data.get(f"deadline_{i}")}
                for i in range(self.ROWS) if data.get(f"text_{i}")]


class LookBackForm(StyledForm):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=forms.DateInput(DATE))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea({"rows": 3}),
                              required=False)

    def __init__(self, *args, commitments, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment_list = list(commitments)
        choices = [("", "—"), *((v, label) for v, label in Commitment.Outcome.choices
                                if v != "pending")]
        for c in self.commitment_list:
            self.fields[f"outcome_{c.pk}"] = forms.ChoiceField(
                label=c.text, choices=choices, required=False,
                widget=forms.Select({"class": "form-select"}))
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label=_("Note"), max_length=300, required=False,
                widget=forms.TextInput({"class": "form-control"}))

    def outcomes(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {c.pk: (data.get(f"outcome_{c.pk}") or "", data.get(f"note_{c.pk}") or "")
                for c in self.commitment_list}
