"""Forms of the enforcement pages: opening a case, and one form per workflow step built from
the fields the step declares (rules/data/enforcement.json)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.core.forms import StyledForm
from jiliang.enforcement.models import ExecutionKind, PartyKind
from jiliang.portal.public import label
from jiliang.rules import enforcement as rules


def basis_choices() -> list[tuple[str, str]]:
    return [(code, label(basis["name"])) for code, basis in rules.legal_bases().items()]


class OpenCaseForm(StyledForm):
    """Open a case by hand, or from the finding named in the query (its facts prefilled)."""

    party_kind = forms.ChoiceField(label=_("Party concerned"), choices=PartyKind.choices)
    party_credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False,
        help_text=_("An organisation on file is found by its code; otherwise give its name."))
    party_name = forms.CharField(label=_("Party's name"), max_length=200, required=False)
    party_id_number = forms.CharField(
        label=_("Identity document number"), max_length=30, required=False,
        help_text=_("A natural person's: kept private, never published."))
    party_address = forms.CharField(label=_("Party's address"), max_length=300, required=False)
    discovered_on = forms.DateField(label=_("Discovered on"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=_("Finding"), max_length=500, required=False)
    bases = forms.MultipleChoiceField(label=_("Basis in law"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    articles = forms.CharField(
        label=_("Articles cited"), max_length=300, required=False,
        help_text=_("The articles as the bureau cites them: the system has no article of "
                    "these laws on file."))
    facts = forms.CharField(label=_("Facts"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, from_finding: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bases"].choices = basis_choices()
        if from_finding:
            self.fields["party_kind"].required = False


FIELDS = {
    "note": lambda: forms.CharField(label=_("Note"), max_length=4000,
                                    widget=forms.Textarea(attrs={"rows": 2})),
    "working_days": lambda: forms.IntegerField(label=_("Working days"), min_value=1,
                                               max_value=365),
    "reasons": lambda: forms.CharField(label=_("Reasons"), max_length=4000,
                                       widget=forms.Textarea(attrs={"rows": 2})),
    "proposed_fine": lambda: forms.DecimalField(label=_("Proposed fine (CNY)"), min_value=0,
                                                max_digits=12, decimal_places=2),
    "proposed_measures": lambda: forms.CharField(label=_("Proposed measures"), max_length=4000,
                                                 widget=forms.Textarea(attrs={"rows": 2})),
    "facts": lambda: forms.CharField(label=_("Facts"), max_length=4000,
                                     widget=forms.Textarea(attrs={"rows": 3})),
    "statement": lambda: forms.CharField(label=_("Party's statement"), max_length=4000,
                                         widget=forms.Textarea(attrs={"rows": 2})),
    "hearing_requested": lambda: forms.BooleanField(label=_("The party asks for a hearing")),
    "fine": lambda: forms.DecimalField(label=_("Fine (CNY)"), min_value=0, max_digits=12,
                                       decimal_places=2),
    "decision_text": lambda: forms.CharField(label=_("Decision"), max_length=4000,
                                             widget=forms.Textarea(attrs={"rows": 3})),
    "execution_kind": lambda: forms.ChoiceField(label=_("Execution"),
                                                choices=ExecutionKind.choices),
    "executed_on": lambda: forms.DateField(label=_("Executed on"),
                                           widget=forms.DateInput(attrs={"type": "date"})),
    "amount_paid": lambda: forms.DecimalField(label=_("Amount paid (CNY)"), min_value=0,
                                              max_digits=12, decimal_places=2),
}


class StepForm(StyledForm):
    """The fields of one workflow step: the required ones required, the optional ones not."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, prefix=step.action, **kwargs)
        for name in (*step.requires, *step.optional):
            field = FIELDS[name]()
            field.required = name in step.requires and not isinstance(field, forms.BooleanField)
            widget = field.widget
            widget.attrs.setdefault("class", "form-check-input"
                                    if isinstance(widget, forms.CheckboxInput) else
                                    "form-select" if isinstance(widget, forms.Select) else
                                    "form-control")
            self.fields[name] = field

    def payload(self) -> dict:
        """What the service takes: the step's fields that were given."""
        return {k: v for k, v in self.cleaned_data.items()
                if k != "version" and v not in (None, "")}
