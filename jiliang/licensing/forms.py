from __future__ import annotations

import string

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiliang.core.forms import OrganisationField, StyledForm
from jiliang.licensing import hooks
from jiliang.licensing.models import Application, StopKind
from jiliang.rules import licensing as rules


def kind_options() -> list[tuple[str, str]]:
    """Instrument kinds by catalogue code: from the catalogue when it is installed."""
    catalog = hooks.catalog("models")
    if catalog is not None:
        rows = catalog.InstrumentKind.objects.order_by("code")
        return [(k.code, f"{k.code} — {getattr(k, 'name', '')}".rstrip(" —")) for k in rows]
    return [(code, code) for code in rules.fallback_kind_codes()]


class ParticularsForm(StyledForm):
    """The form of a licence type, built from the particulars its data declares."""

    def __init__(self, *args, licence_type: rules.LicenceType, org_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "zh-hans"
        for p in licence_type.particulars_for(org_kind):
            label = rules.text(p["label"], language)
            required = bool(p.get("required"))
            kind = p["type"]
            if kind == "choice":
                choices = [("", "—")] + [(c[0], rules.text(c[1], language)) for c in p["choices"]]
                field = forms.ChoiceField(label=label, choices=choices, required=required)
            elif kind == "kinds":
                field = forms.MultipleChoiceField(label=label, choices=kind_options(),
                                                  required=required,
                                                  widget=forms.CheckboxSelectMultiple)
            elif kind == "textarea":
                field = forms.CharField(label=label, required=required, max_length=2000,
                                        widget=forms.Textarea(attrs={"rows": 3}))
            elif kind == "region":
                field = forms.CharField(label=label, required=required, max_length=6,
                                        help_text=_("6-digit GB/T 2260 code, e.g. 440100."))
            elif kind == "letter":
                names = p.get("letters", {})
                field = forms.ChoiceField(label=label, required=required, choices=[("", "—")] + [
                    (letter, f"{letter} · {rules.text(names[letter], language)}"
                     if letter in names else letter) for letter in string.ascii_uppercase])
            else:
                field = forms.CharField(label=label, required=required, max_length=200)
            self.fields[p["name"]] = field
        self.style_fields()  # the framework's classes on the fields added above


class UploadForm(StyledForm):
    material = forms.ChoiceField(label=_("Material"))
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG or JPEG, as the checklist says."))

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "zh-hans"
        self.fields["material"].choices = [
            (m["code"], rules.text(m["name"], language))
            for m in application.licence_type.materials
        ]


RECOMMENDATIONS = [("approve", _("approve")), ("deny", _("deny"))]


class ActionForm(StyledForm):
    """The fields a workflow transition requires, plus the version the official last saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, application: Application, transition: rules.Transition,
                 reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "zh-hans"
        requires = set(transition.requires)
        action = transition.action
        if "missing" in requires:
            self.fields["missing"] = forms.MultipleChoiceField(
                label=_("Missing or deficient materials"), widget=forms.CheckboxSelectMultiple,
                choices=[(m["code"], rules.text(m["name"], language))
                         for m in application.licence_type.materials])
            self.fields["note"] = forms.CharField(
                label=_("What is to be corrected (one notice, everything at once)"),
                required=False, widget=forms.Textarea(attrs={"rows": 3}))
        if "reviewer" in requires:
            self.fields["reviewer"] = forms.ChoiceField(
                label=_("Reviewer"), required=False,
                choices=[("", "—")] + [(str(u.pk), u.get_full_name() or u.get_username())
                                       for u in reviewers])
            self.fields["expert_name"] = forms.CharField(
                label=_("or an outside expert"), required=False, max_length=100)
        if "opinion" in requires:
            self.fields["opinion"] = forms.CharField(label=_("Opinion"),
                                                     widget=forms.Textarea(attrs={"rows": 3}))
            self.fields["recommendation"] = forms.ChoiceField(
                label=_("Recommendation"), required=False,
                choices=[("", "—"), *RECOMMENDATIONS])
            open_ones = application.assignments.filter(opinion="")
            if open_ones.exists():
                self.fields["assignment"] = forms.ChoiceField(
                    label=_("For"), required=False,
                    choices=[("", _("myself"))] + [(str(a.pk), a.who) for a in open_ones])
        if "stop_kind" in requires:
            self.fields["stop_kind"] = forms.ChoiceField(label=_("What stops the clock"),
                                                         choices=StopKind.choices)
            self.fields["working_days"] = forms.IntegerField(
                label=_("How long, in working days (told to the applicant)"), min_value=1,
                max_value=250)
        if "recommendation" in requires:
            self.fields["recommendation"] = forms.ChoiceField(label=_("Recommendation"),
                                                              choices=RECOMMENDATIONS)
            self.fields["note"] = forms.CharField(label=_("Grounds"),
                                                  widget=forms.Textarea(attrs={"rows": 3}))
        if "result" in requires:
            self.fields["result"] = forms.CharField(label=_("Result"),
                                                    widget=forms.Textarea(attrs={"rows": 2}))
        if "reasons" in requires or action == "withdraw":
            self.fields["reasons"] = forms.CharField(
                label=_("Reasons"), required="reasons" in requires,
                widget=forms.Textarea(attrs={"rows": 3}))
        if action == "approve":
            self.fields["note"] = forms.CharField(label=_("Note"), required=False,
                                                  widget=forms.Textarea(attrs={"rows": 2}))
        self.style_fields()

    def payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if "expert_name" in data:
            data["reviewer"] = data.get("reviewer") or data.pop("expert_name")
            data.pop("expert_name", None)
        return data


class LicenceActionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reasons = forms.CharField(label=_("Reasons (told to the holder and published)"),
                              widget=forms.Textarea(attrs={"rows": 3}))


class RecordForm(StyledForm):
    """A certificate issued before the system, put on file by its bureau."""

    type_code = forms.ChoiceField(label=_("Licence type"))
    holder_credit_code = OrganisationField(label=_("Holder"))
    number = forms.CharField(label=_("Certificate number"), max_length=60)
    issued_on = forms.DateField(label=_("Issued on"), help_text=_("YYYY-MM-DD"))
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  help_text=_("Empty: computed from the validity of the time."))
    regime = forms.ChoiceField(label=_("Issued under"),
                               choices=[("2008", _("the 2008 regime")), ("now", _("current rules"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "zh-hans"
        self.fields["type_code"].choices = [
            (code, rules.text(lt["name"], language)) for code, lt in rules.licence_types().items()
        ]
