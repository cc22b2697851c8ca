"""Applications: create, edit, upload materials; the version check of two officials at once."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.core.uploads import check_upload
from jiliang.licensing import conf
from jiliang.licensing.labels import action_label, label
from jiliang.licensing.models import (
    Application,
    Attachment,
    Licence,
    LicenceStatus,
    Purpose,
)
from jiliang.licensing.permissions import UPLOAD_STATES, applies_at_all, is_applicant
from jiliang.licensing.services.common import closed_message, org_of, type_or_error
from jiliang.licensing.services.events import log_event
from jiliang.licensing.services.particulars import (
    clean_particulars,
    decide_authority,
    renewal_window_check,
)
from jiliang.rules import licensing as rules

# --- applications: create, edit, upload -----------------------------------------------------


@transaction.atomic
def application_create(
    *,
    actor: User,
    type_code: str,
    particulars: Mapping[str, Any] | None = None,
    purpose: str = Purpose.NEW,
    licence: Licence | None = None,
    on: datetime.date | None = None,
) -> Application:
    """A draft application of ``actor``'s organisation: new, or a change or renewal of a licence."""
    on = on or timezone.localdate()
    if actor.is_bureau and not applies_at_all(actor):
        raise PermissionDenied(_("Bureaus decide applications; enterprises and institutions "
                                 "apply."))
    org = org_of(actor)
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": [_("Choose one of the options.")]})
    if purpose != Purpose.NEW:
        if licence is None or licence.holder_id != org.pk:
            raise ValidationError({"licence": [_("Choose a licence your organisation holds.")]})
        type_code = licence.type_code
    lt = type_or_error(type_code)
    if not lt.open_now:
        raise ValidationError({"type_code": [closed_message(lt)]})
    if purpose == Purpose.NEW and not lt.may_apply(org.kind, org.enterprise_roles):
        raise ValidationError({"type_code": [_(
            "Your organisation may not apply for this licence: %(who)s") % {
            "who": label(lt["applicants"]["text"])}]})
    if purpose != Purpose.NEW:
        _check_licence_for(purpose, lt, licence, on)
        if purpose == Purpose.RENEWAL:
            particulars = dict(licence.particulars)
    level, authority = decide_authority(lt, particulars or {}, org.region_code, org.kind)
    if purpose != Purpose.NEW:
        level, authority = licence.authority_level, licence.authority_code
    cleaned = clean_particulars(lt, particulars or {}, authority_code=authority,
                                org_kind=org.kind)
    app = Application.objects.create(
        type_code=lt.code, purpose=purpose, licence=licence, applicant=org, created_by=actor,
        region_code=org.region_code, province_code=org.region_code[:2],
        authority_level=level, authority_code=authority, particulars=cleaned,
    )
    log_event(app, actor=actor, action="create", from_state="", to_state="draft", on=on)
    audit_record(actor=actor, action="licensing.application.create", obj=app,
                 after={"type_code": app.type_code, "purpose": purpose,
                        "particulars": cleaned, "authority_code": authority})
    return app


def _check_licence_for(purpose: str, lt: rules.LicenceType, licence: Licence,
                       on: datetime.date) -> None:
    if licence.status != LicenceStatus.VALID:
        raise ValidationError({"licence": [_("This licence is no longer in force.")]})
    open_states = rules.workflows()[lt["workflow"]].open_states
    pending = licence.applications.filter(state__in=(*open_states, "draft"))
    if pending.exists():
        raise ValidationError({"licence": [_(
            "An application about this licence is already under way: %(number)s.") % {
            "number": pending.first()}]})
    if purpose == Purpose.CHANGE and not lt.get("changes"):
        raise ValidationError({"purpose": [_("This type of licence takes no changes; apply "
                                             "for a new one.")]})
    if purpose == Purpose.RENEWAL:
        renewal_window_check(lt, licence, on)


def lock_application(app: Application, version: int, action: str) -> Application:
    locked = Application.objects.select_for_update().select_related("applicant").get(pk=app.pk)
    if locked.version != version:
        raise conflict_error(locked, action)
    return locked


def conflict_error(app: Application, action: str) -> ValidationError:
    last = app.events.order_by("-at", "-id").first()
    state = label(app.workflow.states[app.state]["label"])
    return ValidationError({"version": [_(
        "Someone else acted on this application first (%(who)s: “%(what)s”; it is now "
        "“%(state)s”). Your “%(action)s” was not applied: reload the page and check.") % {
        "who": last.actor_name if last and last.actor_name else _("the system"),
        "what": action_label(app, last.action) if last else "—",
        "state": state, "action": action_label(app, action)}]})


@transaction.atomic
def application_update(*, actor: User, application: Application, version: int,
                       particulars: Mapping[str, Any]) -> Application:
    """Change the particulars of a draft."""
    app = lock_application(application, version, "edit")
    if not is_applicant(actor, app):
        raise PermissionDenied(_("Only the applicant changes its application."))
    if app.state != "draft":
        raise ValidationError({"state": [_("Only a draft can be changed.")]})
    lt, kind = app.licence_type, app.applicant.kind
    if app.purpose == Purpose.NEW:
        level, authority = decide_authority(lt, particulars, app.region_code, kind)
    else:
        level, authority = app.authority_level, app.authority_code
    cleaned = clean_particulars(lt, particulars, authority_code=authority, org_kind=kind)
    before = {"particulars": app.particulars, "authority_code": app.authority_code}
    Application.objects.filter(pk=app.pk, version=version).update(
        particulars=cleaned, authority_level=level, authority_code=authority,
        version=version + 1, updated_at=timezone.now())
    app.refresh_from_db()
    audit_record(actor=actor, action="licensing.application.update", obj=app, before=before,
                 after={"particulars": cleaned, "authority_code": authority})
    return app


@transaction.atomic
def attachment_add(*, actor: User, application: Application, material: str, upload) -> Attachment:
    """Attach a document to a draft, or to an application whose materials are to be completed.

    The file is judged by its content (PDF, PNG, JPEG, as the checklist allows), not its name.
    """
    app = Application.objects.select_for_update().get(pk=application.pk)
    if not is_applicant(actor, app):
        raise PermissionDenied(_("Only the applicant uploads its materials."))
    if app.state not in UPLOAD_STATES:
        raise ValidationError({"file": [_(
            "Materials are added to a draft, or when the bureau asks for them.")]})
    spec = app.licence_type.material(material)
    if spec is None:
        raise ValidationError({"material": [_("Choose a material from the checklist.")]})
    kind = check_upload(upload, allowed=tuple(spec["types"]), max_bytes=conf.max_upload_bytes(),
                        field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(application=app, material=material, original_name=upload.name[:255],
                            content_kind=kind, size=upload.size, sha256=digest.hexdigest(),
                            uploaded_by=actor)
    attachment.file.save(f"{app.public_code}-{material}.{'jpg' if kind == 'jpeg' else kind}",
                         upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="licensing.attachment.add", obj=app,
                 after={"material": material, "name": attachment.original_name,
                        "sha256": attachment.sha256, "size": attachment.size})
    return attachment


def missing_materials(app: Application) -> list[Mapping[str, Any]]:
    have = set(app.attachments.values_list("material", flat=True))
    return [m for m in app.licence_type.materials if m["required"] and m["code"] not in have]


