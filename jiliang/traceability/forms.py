from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.core.forms import OrganisationField, PickedOrganisationField, StyledForm
from jiliang.core.models import INSTITUTION_KINDS, OrgKind
from jiliang.rules import comparison as cmp_rules
from jiliang.traceability.models import Calibration, Category, Device, Standard, StandardStatus


class DateInput(forms.DateInput):
    input_type = "date"


OWNER_KINDS = (OrgKind.VERIFICATION_INSTITUTION, OrgKind.TECHNICAL_INSTITUTION,
               OrgKind.ENTERPRISE)  # who holds a measurement standard or a reference lot


INSTITUTIONS = tuple(sorted(INSTITUTION_KINDS))
ORGANISERS = (*INSTITUTIONS, OrgKind.PROVINCIAL_BUREAU, OrgKind.CITY_BUREAU,
              OrgKind.NATIONAL)  # who organises a comparison


class StandardPicker(forms.TextInput):
    """A standard typed by its code, the matching standards offered as one types (an HTMX
    look-up of /traceability/standards/pick/ filling the input's ``datalist``)."""

    template_name = "traceability/widgets/standard_picker.html"

    def __init__(self, attrs=None, purpose: str = ""):
        super().__init__(attrs)
        self.purpose = purpose

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["purpose"] = self.purpose
        return context


class StandardField(forms.CharField):
    """A standard named by its code, checked against the standards the view allows (the same
    list the look-up of ``purpose`` offers); cleans to the Standard. Not a list capped at some
    number of standards: any of them can be named."""

    def __init__(self, *args, purpose: str, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget = StandardPicker(purpose=purpose)
        self.standards = Standard.objects.none()  # set by the view

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.standards = self.standards
        return result

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        typed = value.strip()
        found = self.standards.filter(code=typed).first()
        if found is None:
            raise forms.ValidationError(
                _("No standard you may name here has the code “%(value)s”: pick one from the "
                  "list."), params={"value": typed[:60]})
        return found


class StandardForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    # Typed with the look-up (/organisations/pick/), not a list of every organisation in scope.
    owner = OrganisationField(label=_("Owner"), kinds=OWNER_KINDS)
    measurand = forms.CharField(label=_("Measurand"), max_length=100)
    kinds = forms.MultipleChoiceField(label=_("Instrument kinds served"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    range_low = forms.DecimalField(label=_("Range from"), required=False, max_digits=20,
                                   decimal_places=6)
    range_high = forms.DecimalField(label=_("Range to"), required=False, max_digits=20,
                                    decimal_places=6)
    range_unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    uncertainty = forms.CharField(label=_("Uncertainty, accuracy class or maximum permissible "
                                          "error"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    mobile = forms.BooleanField(label=_("Touring standard"), required=False)
    upstream = StandardField(label=_("Traced to"), purpose="upstream")

    def __init__(self, *args, kinds=(), upstreams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = list(kinds)
        if upstreams is not None:
            self.fields["upstream"].standards = upstreams


class DeviceForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=Device.Role.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    maker = forms.CharField(label=_("Maker"), max_length=200, required=False)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=64)


class CertificateForm(StyledForm):
    number = forms.CharField(label=_("Certificate number"), max_length=60)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)
    reexamined_on = forms.DateField(label=_("Re-examined on"), widget=DateInput, required=False)


class CalibrationForm(StyledForm):
    higher_standard = StandardField(label=_("With the higher standard"), purpose="upstream")
    performed_by_name = forms.CharField(label=_("By"), max_length=200, required=False,
                                        help_text=_("Left empty: the higher standard's owner."))
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=60)
    calibrated_on = forms.DateField(label=_("Date"), widget=DateInput)
    due_on = forms.DateField(label=_("Due"), widget=DateInput)
    result = forms.ChoiceField(label=_("Result"), choices=Calibration.Result.choices)
    uncertainty = forms.CharField(label=_("Uncertainty stated"), max_length=200, required=False)

    def __init__(self, *args, higher=None, **kwargs):
        super().__init__(*args, **kwargs)
        if higher is not None:
            self.fields["higher_standard"].standards = higher


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=StandardStatus.choices)
    on = forms.DateField(label=_("From"), widget=DateInput, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class BookingForm(StyledForm):
    site = forms.CharField(label=_("Site"), max_length=200)
    region_code = forms.CharField(label=_("Division code"), max_length=6)
    starts_on = forms.DateField(label=_("From"), widget=DateInput)
    ends_on = forms.DateField(label=_("To"), widget=DateInput)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)


class MaterialForm(StyledForm):
    number = forms.CharField(label=_("Number"), max_length=30,
                             help_text=_("GBW 12345 or GBW(E) 123456."))
    name = forms.CharField(label=_("Name"), max_length=200)
    matrix = forms.CharField(label=_("Matrix"), max_length=100, required=False)
    producer = forms.CharField(label=_("Producer"), max_length=200)
    property_name = forms.CharField(label=_("Certified property"), max_length=100)
    value = forms.CharField(label=_("Certified value"), max_length=40)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    expanded_u = forms.CharField(label=_("Expanded uncertainty U"), max_length=40)
    k = forms.CharField(label=_("Coverage factor k"), max_length=10, initial="2")
    certificate_valid_until = forms.DateField(label=_("Certificate valid until"),
                                              widget=DateInput, required=False)
    shelf_life_months = forms.IntegerField(label=_("Shelf life (months)"), required=False,
                                           min_value=1, max_value=600)
    storage = forms.CharField(label=_("Storage"), max_length=200, required=False)


class LotForm(StyledForm):
    holder = OrganisationField(label=_("Held by"), kinds=OWNER_KINDS)
    lot_no = forms.CharField(label=_("Lot number"), max_length=60)
    expires_on = forms.DateField(label=_("Expires on"), widget=DateInput)
    quantity = forms.CharField(label=_("Quantity"), max_length=60, required=False)


class ComparisonForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    # Typed with the organisation look-up (a bureau by its name or division code), not picked
    # from a list of the first organisations in the scope.
    organiser = PickedOrganisationField(label=_("Organiser"), kinds=ORGANISERS)
    pilot = PickedOrganisationField(label=_("Pilot laboratory"), kinds=INSTITUTIONS)
    measurand = forms.CharField(label=_("Measurand"), max_length=100)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    method = forms.ChoiceField(label=_("Scoring method"),
                               choices=[(cmp_rules.EN, "En"), (cmp_rules.Z, "z")])
    artefact = forms.CharField(label=_("Artefact"), max_length=200)
    protocol = forms.CharField(label=_("Protocol"), max_length=20000, widget=forms.Textarea(
        attrs={"rows": 4}))
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)


class ParticipantForm(StyledForm):
    institution = PickedOrganisationField(label=_("Participant"), kinds=INSTITUTIONS)
    lab_code = forms.CharField(label=_("Laboratory code"), max_length=20)
    standard = StandardField(label=_("Standard used"), purpose="participant")

    def __init__(self, *args, standards=None, **kwargs):
        super().__init__(*args, **kwargs)
        if standards is not None:
            self.fields["standard"].standards = standards


class ResultForm(StyledForm):
    value = forms.CharField(label=_("Result"), max_length=40)
    expanded_u = forms.CharField(label=_("Expanded uncertainty"), max_length=40, required=False)
    in_reference = forms.BooleanField(label=_("Part of the reference value"), required=False)


class ScoreForm(StyledForm):
    reference_value = forms.CharField(label=_("Reference value"), max_length=40)
    reference_u = forms.CharField(label=_("Its expanded uncertainty (En)"), max_length=40,
                                  required=False)
    sigma_pt = forms.CharField(label=_("Standard deviation for proficiency assessment (z)"),
                               max_length=40, required=False)


class ReportForm(StyledForm):
    report = forms.CharField(label=_("Report"), max_length=50000,
                             widget=forms.Textarea(attrs={"rows": 8}))


class FollowUpForm(StyledForm):
    action = forms.CharField(label=_("Follow-up action"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    suspend_standard = forms.BooleanField(label=_("Suspend the participant's standard"),
                                          required=False)
    close = forms.BooleanField(label=_("Follow-up closed"), required=False)
