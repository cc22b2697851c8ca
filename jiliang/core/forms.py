import re

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, Region, Role
from jiliang.core.selectors import bureau_code_match, organisations_nameable


class StyledForm(forms.Form):
    """A form whose widgets carry the CSS framework's classes; every app's forms extend it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        """Give the fields their classes; a form that adds fields in its ``__init__`` calls it
        again after adding them (a class already set is kept)."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class OrganisationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    region_code = forms.CharField(
        label=_("Division code"), max_length=6,
        help_text=_("6-digit GB/T 2260 code, e.g. 440106 for Tianhe District, Guangzhou."),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False,
        help_text=_("18 characters (GB 32100-2015); required for enterprises and institutions."),
    )
    enterprise_roles = forms.MultipleChoiceField(
        label=_("Enterprise roles"), choices=Organisation.EnterpriseRole.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class OrganisationEditForm(OrganisationForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].disabled = True


def _offer(field, roles: list[str]) -> None:
    """Offer only ``roles`` but accept any role, so the service judges (and audits) every
    attempt, the ones typed past the list included."""
    field.widget.choices = [(r.value, r.label) for r in Role if r.value in roles]


class UserForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["role"], roles)
        self.fields["password"].help_text = password_validators_help_text_html()


class InvitationForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["role"], roles)


class InvitationAcceptForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class MemberRoleForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["role"], roles)


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Client name"), max_length=100,
                           help_text=_("e.g. “verification bench 3” or “energy gateway”"))


class RegionPicker(forms.SelectMultiple):
    """Regions chosen from the GB/T 2260 tree by typing a name or a code (HTMX look-up):
    the chosen ones are ticked boxes, the look-up adds more."""

    template_name = "core/widgets/region_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        codes = [str(v) for v in (value or []) if v]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)
                 .select_related("parent__parent")}
        context["widget"]["chosen"] = [found[c] for c in codes if c in found]
        return context

    def format_value(self, value):
        if isinstance(value, str):
            value = [v for v in re.split(r"[\s,，、;；]+", value) if v]
        return super().format_value(value)


class RegionsField(forms.MultipleChoiceField):
    """Division codes checked against the table of divisions (no list of 3,000 choices)."""

    widget = RegionPicker

    def __init__(self, *args, max_items: int = 400, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_items = max_items

    def to_python(self, value):
        if isinstance(value, str):
            value = [v for v in re.split(r"[\s,，、;；]+", value) if v]
        return list(dict.fromkeys(str(v).strip() for v in (value or []) if str(v).strip()))

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_items:
            raise forms.ValidationError(_("At most %(n)s regions.") % {"n": self.max_items})
        known = set(Region.objects.filter(code__in=value).values_list("code", flat=True))
        unknown = [v for v in value if v not in known]
        if unknown:
            raise forms.ValidationError(_("%(code)s is not in the table of divisions.") % {
                "code": unknown[0][:20]})


class OrganisationPicker(forms.TextInput):
    """An organisation typed by name or credit code, with the matching organisations the user
    may see offered as they type (an HTMX look-up filling the input's ``datalist``)."""

    template_name = "core/widgets/organisation_picker.html"

    def __init__(self, attrs=None, kinds: tuple[str, ...] = ()):
        super().__init__(attrs)
        self.kinds = kinds

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["kinds"] = ",".join(self.kinds)
        context["widget"]["bureaus"] = any(k in BUREAU_KINDS for k in self.kinds)
        return context


class OrganisationField(forms.CharField):
    """An organisation named by its unified social credit code or its exact name, checked
    against the same list the look-up offers: the organisations the user may see (their
    scope), of the kinds the form asks for. Cleans to the organisation's credit code.

    The form's view gives the field its user with ``scope_organisations(form, user)``."""

    def __init__(self, *args, kinds: tuple[str, ...] = (), **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.kinds = tuple(kinds)
        self.widget = OrganisationPicker(kinds=self.kinds)
        self.user = None

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.kinds, result.user = self.kinds, self.user
        return result

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        organisation = self.organisation(value)
        return organisation.credit_code

    def organisation(self, value: str) -> Organisation:
        typed = value.strip()
        # a form whose view forgot its user accepts no organisation
        orgs = (Organisation.objects.none() if self.user is None
                else organisations_nameable(self.user, self.kinds))
        found = list(orgs.filter(Q(credit_code=typed.upper()) | Q(name=typed)
                                 | bureau_code_match(self.kinds, typed, prefix=False))[:2])
        if len(found) == 1:
            return found[0]
        near = found or list(orgs.filter(name__contains=typed)[:2])
        if len(near) > 1 and any(not org.credit_code for org in near):  # a bureau among them
            raise forms.ValidationError(
                _("“%(value)s” could be several organisations: pick one from the list or type "
                  "its full name."), params={"value": typed[:60]})
        if len(near) > 1:
            raise forms.ValidationError(
                _("“%(value)s” could be several organisations: pick one from the list or type "
                  "its unified social credit code."), params={"value": typed[:60]})
        if near and not near[0].credit_code:
            raise forms.ValidationError(
                _("Did you mean %(name)s? Pick it from the list or type its full name."),
                params={"name": near[0].name})
        if near:
            raise forms.ValidationError(
                _("Did you mean %(name)s? Pick it from the list or type its credit code."),
                params={"name": near[0].name})
        raise forms.ValidationError(_("No organisation you may see matches “%(value)s”."),
                                    params={"value": typed[:60]})


class PickedOrganisationField(OrganisationField):
    """The organisation look-up cleaning to the Organisation itself, for fields that may name
    a bureau (which has no credit code to clean to)."""

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        return self.organisation(value) if value else None


def scope_organisations(form: forms.Form, user) -> forms.Form:
    """Give the form's organisation fields the user whose scope they are checked against."""
    for field in form.fields.values():
        if isinstance(field, OrganisationField):
            field.user = user
    return form


class SecondFactorForm(StyledForm):
    token = forms.CharField(
        label=_("One-time code"), max_length=16,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "inputmode": "text"}))


class SecondFactorOffForm(StyledForm):
    password = forms.CharField(label=_("Your password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    token = forms.CharField(
        label=_("One-time code"), max_length=16,
        help_text=_("The 6 digits your authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
