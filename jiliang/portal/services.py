"""Every write of the public window: one transaction, its ledger entry, the rules enforced."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.core.uploads import check_upload
from jiliang.portal import conf, permissions
from jiliang.portal.models import (
    BODY_MAX,
    TITLE_MAX,
    NewsAttachment,
    NewsFeature,
    NewsItem,
    NewsPublication,
)
from jiliang.rules import RuleError
from jiliang.rules import news as rules

ATTACHMENT_TYPES = ("pdf", "png", "jpeg")


def _clean_text(*, kind: str, title_zh: str, title_en: str, body_zh: str, body_en: str) -> dict:
    errors: dict[str, list[str]] = {}
    if kind not in rules.kinds():
        errors["kind"] = [_("Choose a kind: news, notice, policy document or event.")]
    title_zh, title_en = (title_zh or "").strip(), (title_en or "").strip()
    body_zh, body_en = (body_zh or "").strip(), (body_en or "").strip()
    if not title_zh:
        errors["title_zh"] = [_("Every item has a Chinese title.")]
    if not body_zh:
        errors["body_zh"] = [_("Every item has a Chinese text.")]
    for field, value, limit in (("title_zh", title_zh, TITLE_MAX), ("title_en", title_en, TITLE_MAX),
                                ("body_zh", body_zh, BODY_MAX), ("body_en", body_en, BODY_MAX)):
        if len(value) > limit:
            errors[field] = [_("At most %(n)s characters.") % {"n": limit}]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "title_zh": title_zh, "title_en": title_en, "body_zh": body_zh,
            "body_en": body_en}


def _snapshot(item: NewsItem) -> dict:
    return {"kind": item.kind, "title_zh": item.title_zh, "title_en": item.title_en,
            "state": item.state, "region_code": item.region_code,
            "publish_at": item.publish_at.isoformat() if item.publish_at else None}


@transaction.atomic
def news_create(*, actor: User, kind: str, title_zh: str, body_zh: str, title_en: str = "",
                body_en: str = "", corrects: NewsItem | None = None) -> NewsItem:
    """A draft of the actor's bureau (a correction when ``corrects`` is a published item)."""
    if not permissions.is_editor(actor):
        raise PermissionDenied(_("Only a bureau's staff write its news and notices."))
    if corrects is not None and not permissions.may_correct(actor, corrects):
        raise PermissionDenied(_("Only the bureau that published an item corrects it."))
    text = _clean_text(kind=kind, title_zh=title_zh, title_en=title_en, body_zh=body_zh,
                       body_en=body_en)
    item = NewsItem.objects.create(region_code=permissions.publishing_region(actor),
                                   created_by=actor, corrects=corrects, **text)
    audit_record(actor=actor, action="portal.news.create", obj=item, after=_snapshot(item))
    return item


@transaction.atomic
def news_update(*, actor: User, item: NewsItem, kind: str, title_zh: str, body_zh: str,
                title_en: str = "", body_en: str = "") -> NewsItem:
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    if not permissions.may_edit(actor, item):
        raise PermissionDenied(_("Only a draft of your own bureau can be changed."))
    before = _snapshot(item)
    for field, value in _clean_text(kind=kind, title_zh=title_zh, title_en=title_en,
                                    body_zh=body_zh, body_en=body_en).items():
        setattr(item, field, value)
    item.save()
    audit_record(actor=actor, action="portal.news.update", obj=item, before=before,
                 after=_snapshot(item))
    return item


@transaction.atomic
def news_attach(*, actor: User, item: NewsItem, upload) -> NewsAttachment:
    """An attachment to a draft, judged by its content like every other upload."""
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    if not permissions.may_edit(actor, item):
        raise PermissionDenied(_("Only a draft of your own bureau can be changed."))
    kind = check_upload(upload, allowed=ATTACHMENT_TYPES, max_bytes=conf.max_upload_bytes(),
                        field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = NewsAttachment(item=item, original_name=upload.name[:255], content_kind=kind,
                                size=upload.size, sha256=digest.hexdigest(), uploaded_by=actor)
    attachment.file.save(f"news-{item.pk}.{'jpg' if kind == 'jpeg' else kind}", upload,
                         save=False)
    attachment.save()
    audit_record(actor=actor, action="portal.news.attach", obj=item,
                 after={"name": attachment.original_name, "sha256": attachment.sha256})
    return attachment


def editorial_transition(action: str, state: str):
    """The editorial workflow's step ``action`` from ``state`` (rules/data/news.json), which
    news items and Metrology Day events both follow; one not possible now names the action."""
    try:
        return rules.workflow().transition(action, state)
    except RuleError as error:
        raise ValidationError({"action": [_("This step is not possible now.")]}) from error


def editorial_reasons(action: str, reasons: str | None, current: str) -> str:
    """The reasons kept after ``action``: a return must give them (trimmed), a submission
    clears them, any other step keeps ``current``."""
    if action == "return":
        reasons = (reasons or "").strip()[:2000]
        if not reasons:
            raise ValidationError({"reasons": [_("Say what is to be changed.")]})
        return reasons
    return "" if action == "submit" else current


@transaction.atomic
def news_act(*, actor: User, item: NewsItem, action: str, reasons: str = "",
             publish_at: datetime.datetime | None = None) -> NewsItem:
    """Move an item along the editorial workflow (rules/data/news.json).

    ``approve`` fixes the time of publication (now or later) and chains the published text."""
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    transition = editorial_transition(action, item.state)
    if not permissions.may_act(actor, item, action):
        raise PermissionDenied(_("This step is for the head of the bureau, on a colleague's "
                                 "draft.") if transition.by == "head" else
                               _("Only the bureau's own staff submit its drafts."))
    before = _snapshot(item)
    item.return_reasons = editorial_reasons(action, reasons, item.return_reasons)
    if action == "approve":
        if publish_at is None:
            raise ValidationError({"publish_at": [_("Give the date and time of publication.")]})
        if timezone.is_naive(publish_at):
            publish_at = timezone.make_aware(publish_at)
        now = timezone.now()
        if publish_at < now - datetime.timedelta(minutes=5):
            raise ValidationError({"publish_at": [_("The time of publication cannot be in the "
                                                    "past.")]})
        item.publish_at = max(publish_at, now)
        item.approved_by, item.approved_at = actor, now
    item.state = transition.target or item.state
    item.save()
    if action == "approve":
        body = f"{item.body_zh}\n\x1e\n{item.body_en}".encode()
        chain_append([NewsPublication(
            item=item, region_code=item.region_code, kind=item.kind, title_zh=item.title_zh,
            title_en=item.title_en, body_sha256=hashlib.sha256(body).hexdigest(),
            attachments_sha256=list(item.attachments.values_list("sha256", flat=True)),
            publish_at=item.publish_at, corrects_item_id=item.corrects_id,
            approved_by_name=actor.get_username() if actor else "system")])
    audit_record(actor=actor, action=f"portal.news.{action}", obj=item, before=before,
                 after={**_snapshot(item), "reasons": item.return_reasons})
    return item


@transaction.atomic
def news_feature(*, actor: User, item: NewsItem, on: bool = True) -> bool:
    """Show (or stop showing) another region's published item on the actor's bureau pages."""
    if not permissions.may_feature(actor, item):
        raise PermissionDenied(_("A bureau features published items of other provinces."))
    region = permissions.publishing_region(actor)
    if on:
        _feature, created = NewsFeature.objects.get_or_create(
            item=item, region_code=region, defaults={"featured_by": actor})
        changed = created
    else:
        changed = bool(NewsFeature.objects.filter(item=item, region_code=region).delete()[0])
    if changed:
        audit_record(actor=actor, action="portal.news.feature" if on else "portal.news.unfeature",
                     obj=item, region_code=region, after={"featured_by_region": region})
    return changed
