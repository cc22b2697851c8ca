from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.core.forms import StyledForm


class GatewayForm(StyledForm):
    code = forms.CharField(label=_("Gateway code"), max_length=40,
                           help_text=_("Letters, digits, dots, dashes or underscores; it names "
                                       "the gateway in its batches' address and signature."))
    name = forms.CharField(label=_("Name"), max_length=200)
    public_key = forms.CharField(label=_("Gateway public key (Ed25519)"), max_length=100,
                                 required=False,
                                 help_text=_("32 bytes as base64 (44 characters) or hex (64)."))

    def __init__(self, *args, bureau: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if bureau:  # a bureau registers a gateway for an owner in its region
            self.fields["owner_credit_code"] = forms.CharField(
                label=_("Owner's unified social credit code"), max_length=18)
            self.order_fields(["owner_credit_code", "code", "name", "public_key"])


class KeyForm(StyledForm):
    public_key = forms.CharField(label=_("Gateway public key (Ed25519)"), max_length=100,
                                 help_text=_("32 bytes as base64 (44 characters) or hex (64)."))


class CloseForm(StyledForm):
    note = forms.CharField(label=_("What was found"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))
