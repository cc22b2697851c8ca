from __future__ import annotations

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from jiliang.core.forms import StyledForm
from jiliang.portal.models import BODY_MAX, TITLE_MAX
from jiliang.portal.public import label
from jiliang.rules import complaints
from jiliang.rules import news as rules


def _kind_choices():
    return [(code, label(name)) for code, name in rules.kinds().items()]


class NewsForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_kind_choices)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=TITLE_MAX)
    body_zh = forms.CharField(label=_("Text (Chinese)"), max_length=BODY_MAX,
                              widget=forms.Textarea(attrs={"rows": 10}))
    title_en = forms.CharField(label=_("Title (English, optional)"), max_length=TITLE_MAX,
                               required=False)
    body_en = forms.CharField(label=_("Text (English, optional)"), max_length=BODY_MAX,
                              required=False, widget=forms.Textarea(attrs={"rows": 6}))


class ApproveForm(StyledForm):
    publish_at = forms.DateTimeField(
        label=_("Publish at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class ReturnForm(StyledForm):
    reasons = forms.CharField(label=_("What is to be changed"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("Attachment (PDF, PNG or JPEG)"))


# --- complaints ------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _category_choices():
    return [("", "—")] + [(c, label(n)) for c, n in complaints.categories().items()]


class ComplaintForm(StyledForm):
    category = forms.ChoiceField(label=_("What is it about"), choices=_category_choices)
    description = forms.CharField(label=_("Describe it"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    province = forms.CharField(label=_("Province"), required=False, max_length=2)
    region_code = forms.CharField(label=_("City or county"), max_length=6)
    address = forms.CharField(label=_("Address (market, shop or street)"), max_length=300)
    occurred_on = forms.DateField(label=_("When did it happen"), widget=forms.DateInput(attrs={"type": "date"}))
    subject = forms.CharField(label=_("Instrument or product (optional: the label code, a "
                                      "description, a brand)"), max_length=200, required=False)
    photos = MultipleFileField(label=_("Photos (optional, up to 3, JPEG or PNG)"),
                               required=False)
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=60,
                                   required=False)
    contact_phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("E-mail (optional)"), max_length=200,
                                     required=False)
    answer = forms.IntegerField(label=_("Answer"), min_value=0, max_value=100)
    token = forms.CharField(widget=forms.HiddenInput, max_length=500)
    website = forms.CharField(required=False, max_length=200, label=_("Leave this empty"))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("Leave the last field empty."))
        try:
            expected = signing.loads(data.get("token") or "", salt="portal.complaint.challenge",
                                     max_age=3600)
        except signing.BadSignature:
            self.add_error("answer", _("The question has expired: answer the new one."))
        else:
            if data.get("answer") is not None and data["answer"] != expected:
                self.add_error("answer", _("The answer to the question is not right."))
        return data


class TrackForm(StyledForm):
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=30)
    code = forms.CharField(label=_("Access code"), max_length=12)


class CloseForm(StyledForm):
    outcome = forms.CharField(label=_("What was found and done"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    instrument_code = forms.CharField(label=_("Instrument's label code (optional)"),
                                      max_length=40, required=False)
    campaign = forms.IntegerField(label=_("Campaign (optional)"), required=False,
                                  widget=forms.Select)


# --- World Metrology Day -----------------------------------------------------------------------


class DayForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    theme_zh = forms.CharField(label=_("Theme (Chinese)"), max_length=200)
    theme_en = forms.CharField(label=_("Theme (English, optional)"), max_length=200,
                               required=False)
    summary = forms.CharField(label=_("Summary (optional)"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class EventForm(StyledForm):
    title = forms.CharField(label=_("Event"), max_length=200)
    region_code = forms.ChoiceField(label=_("City or county"), choices=())
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=300)
    description = forms.CharField(label=_("Description (optional)"), max_length=2000,
                                  required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = list(regions)


class MaterialForm(StyledForm):
    title = forms.CharField(label=_("Title of the material"), max_length=200)
    file = forms.FileField(label=_("File (PDF, PNG or JPEG)"))
