from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.portal.models import BODY_MAX, TITLE_MAX
from jiliang.rules import news as rules


def _kind_choices():
    from jiliang.portal.public import label

    return [(code, label(name)) for code, name in rules.kinds().items()]


class NewsForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_kind_choices)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=TITLE_MAX)
    body_zh = forms.CharField(label=_("Text (Chinese)"), max_length=BODY_MAX,
                              widget=forms.Textarea(attrs={"rows": 10}))
    title_en = forms.CharField(label=_("Title (English, optional)"), max_length=TITLE_MAX,
                               required=False)
    body_en = forms.CharField(label=_("Text (English, optional)"), max_length=BODY_MAX,
                              required=False, widget=forms.Textarea(attrs={"rows": 6}))


class ApproveForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class ReturnForm(forms.Form):
    reasons = forms.CharField(label=_("What is to be changed"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment (PDF, PNG or JPEG)"))
