"""Licences: granted, changed and renewed by applications; ended by the head; recorded."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import Organisation, User
from jiliang.licensing import hooks
from jiliang.licensing.labels import label
from jiliang.licensing.models import (
    Application,
    Licence,
    LicenceScope,
    LicenceStatus,
    Purpose,
)
from jiliang.licensing.permissions import CLERK_ROLES, is_authority, may_act_on_licence, role_words
from jiliang.licensing.services.common import iso, type_or_error
from jiliang.licensing.services.events import licence_summary, notify, publish
from jiliang.licensing.services.numbering import licence_number
from jiliang.licensing.services.particulars import clean_particulars, scope_of
from jiliang.licensing.signals import licence_changed
from jiliang.rules import RuleError
from jiliang.rules import licensing as rules
from jiliang.rules.deadlines import (
    validity_end,
)

# --- licences: grant, change, renew ---------------------------------------------------------


def scope_version(licence: Licence, on: datetime.date) -> None:
    """Keep the scope's history: the scope as granted or changed holds from ``on``."""
    if licence.scope_kinds or licence.scope_region:
        LicenceScope.objects.create(licence=licence, effective_from=on,
                                    kinds=list(licence.scope_kinds), region=licence.scope_region)
    licence_changed.send(sender=Licence, licence=licence, on=on)


def licence_grant(app: Application, *, actor: User | None, on: datetime.date,
                  deemed: bool = False) -> None:
    """The effect of an approval (or a filing) on the licence register, published (Art. 40)."""
    lt = app.licence_type
    if app.purpose == Purpose.NEW:
        letter = app.particulars.get("category_letter", "")
        number = licence_number(lt, authority=app.authority_code, issued=on, letter=letter)
        years = lt.validity_years("now")
        kinds, region = scope_of(lt, app.particulars)
        licence = Licence.objects.create(
            number=number, type_code=lt.code, holder_id=app.applicant_id,
            region_code=app.region_code, province_code=app.province_code,
            authority_level=app.authority_level, authority_code=app.authority_code,
            particulars=app.particulars, scope_kinds=kinds, scope_region=region,
            issued_on=on, valid_until=validity_end(on, years) if years else None,
            application=app,
        )
        Application.objects.filter(pk=app.pk).update(licence=licence)
        app.licence = licence
        scope_version(licence, on)
        kind = "filed" if lt.is_filing else "granted"
        publish(licence, kind, actor=actor, on=on, article="Art. 40")
        notify(app.applicant_id, app.region_code, kind, application=app, licence=licence,
                number=app.number, certificate=number)
        audit_record(actor=actor, action=f"licensing.licence.{kind}", obj=licence,
                     after=licence_summary(licence))
        standard_certificate(licence, actor=actor, on=on, renewal=False)
        return
    licence = Licence.objects.select_for_update().get(pk=app.licence_id)
    before = licence_summary(licence)
    if app.purpose == Purpose.CHANGE:
        kinds, region = scope_of(lt, app.particulars)
        licence.particulars = app.particulars
        licence.scope_kinds, licence.scope_region = kinds, region
        scope_version(licence, on)
        kind, article = "changed", ""
    else:
        years = lt.validity_years("now")
        licence.valid_until = validity_end(licence.valid_until + datetime.timedelta(days=1),
                                           years)
        kind, article = "renewed", "Art. 50"
    licence.version += 1
    licence.save()
    if app.purpose != Purpose.CHANGE:
        licence_changed.send(sender=Licence, licence=licence, on=on)
    reasons = _("No decision was made before expiry: the renewal counts as granted "
                "(Art. 50).") if deemed else ""
    publish(licence, kind, actor=actor, on=on, reasons=reasons, article=article)
    notify(app.applicant_id, app.region_code, kind, application=app, licence=licence,
            number=app.number, certificate=licence.number, deemed=deemed,
            valid_until=iso(licence.valid_until))
    audit_record(actor=actor, action=f"licensing.licence.{kind}", obj=licence,
                 before=before, after=licence_summary(licence))
    if kind == "renewed":
        standard_certificate(licence, actor=actor, on=on, renewal=True)


def standard_certificate(licence: Licence, *, actor: User | None, on: datetime.date,
                         renewal: bool) -> None:
    """Traceability (issue 12): a standards-assessment grant or renewal creates or renews the
    standard's certificate in the register, when that app is installed."""
    register = hooks.traceability("services")
    if licence.type_code != "measurement_standard_assessment" or register is None:
        return
    register.certificate_from_licence(actor=actor, licence=licence, on=on, renewal=renewal)


@transaction.atomic
def licence_act(
    *,
    actor: User,
    licence: Licence,
    action: str,
    version: int,
    reasons: str = "",
    on: datetime.date | None = None,
) -> Licence:
    """Withdraw (撤回, Art. 8), revoke (撤销, Art. 69) or cancel (注销, Art. 70) a licence,
    or prohibit a self-declared mark; by the head of the issuing bureau, with reasons, published."""
    on = on or timezone.localdate()
    spec = rules.licence_actions().get(action)
    if spec is None:
        raise ValidationError({"action": [_("There is no such action.")]})
    locked = Licence.objects.select_for_update().select_related("holder").get(pk=licence.pk)
    if locked.version != version:
        raise ValidationError({"version": [_(
            "Someone else changed this licence first (it is now “%(status)s”): reload the page "
            "and check.") % {"status": locked.get_status_display()}]})
    if not may_act_on_licence(actor, locked, action):
        raise PermissionDenied(_("“%(action)s” is for %(who)s.") % {
            "action": label(spec["label"]), "who": role_words(spec["by"])})
    lt = locked.licence_type
    kinds = spec.get("kinds")
    if kinds and lt["kind"] not in kinds:
        raise ValidationError({"action": [_("This action does not apply to this licence.")]})
    allowed = (LicenceStatus.VALID, LicenceStatus.EXPIRED) if action == "cancel" else (
        LicenceStatus.VALID,)
    if locked.status not in allowed:
        raise ValidationError({"action": [_("The licence is already “%(status)s”.") % {
            "status": locked.get_status_display()}]})
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [_("Give the reasons; they are told to the holder "
                                             "and published.")]})
    before = licence_summary(locked)
    status = {"withdrawn": LicenceStatus.WITHDRAWN, "revoked": LicenceStatus.REVOKED,
              "cancelled": LicenceStatus.CANCELLED}[spec["event"]]
    Licence.objects.filter(pk=locked.pk, version=version).update(
        status=status, ended_on=locked.ended_on or on, version=version + 1)
    locked.refresh_from_db()
    licence_changed.send(sender=Licence, licence=locked, on=on)
    publish(locked, spec["event"], actor=actor, on=on, reasons=reasons,
             article=spec.get("article", ""))
    notify(locked.holder_id, locked.region_code, spec["event"], licence=locked,
            certificate=locked.number, reasons=reasons)
    audit_record(actor=actor, action=f"licensing.licence.{action}", obj=locked, before=before,
                 after={**licence_summary(locked), "reasons": reasons})
    return locked


@transaction.atomic
def licence_record(
    *,
    actor: User,
    type_code: str,
    holder: Organisation,
    number: str,
    issued_on: datetime.date,
    valid_until: datetime.date | None = None,
    particulars: Mapping[str, Any] | None = None,
    regime: str = "2008",
) -> Licence:
    """Put on file a certificate issued before the system (e.g. under the 2008 regime).

    Kept so that holders, the public and the registry can look it up; a type approval
    number must read CPA YY-Xnnn.
    """
    lt = type_or_error(type_code)
    if regime not in ("2008", "now"):
        raise ValidationError({"regime": [_("Choose one of the options.")]})
    number = " ".join((number or "").split())
    if not number:
        raise ValidationError({"number": [_("Give the certificate number.")]})
    if lt.code == "type_approval":
        try:
            rules.cpa_check(number)
        except RuleError as error:
            message = {
                "cpa.format": _("A type approval number reads CPA YY-Xnnn, e.g. CPA 99-F166."),
                "cpa.serial": _("The serial of a CPA number starts at 101."),
            }[error.code]
            raise ValidationError({"number": [message]}) from None
        number = number.upper()
    if Licence.objects.filter(number=number).exists():
        raise ValidationError({"number": [_("A certificate with this number is on file.")]})
    if holder.is_bureau:
        raise ValidationError({"holder": [_("A bureau holds no licence here.")]})
    particulars = dict(particulars or {})
    try:
        level = lt.decide_level(particulars)
    except RuleError:
        level = "provincial"
    try:
        authority = rules.authority_code(level, holder.region_code)
    except RuleError:
        raise ValidationError({"holder": [_("The holder's division does not fit this "
                                            "licence's deciding level.")]}) from None
    if not is_authority(actor, authority) or actor.role not in CLERK_ROLES:
        raise PermissionDenied(_("Certificates are put on file by the bureau that issued "
                                 "them."))
    cleaned = clean_particulars(lt, particulars, authority_code=authority)
    if valid_until is None:
        years = lt.validity_years(regime)
        valid_until = validity_end(issued_on, years) if years else None
    if valid_until is not None and valid_until < issued_on:
        raise ValidationError({"valid_until": [_("The validity ends before the issue date.")]})
    kinds, region = scope_of(lt, cleaned)
    licence = Licence.objects.create(
        number=number, type_code=lt.code, holder=holder, region_code=holder.region_code,
        province_code=holder.region_code[:2], authority_level=level, authority_code=authority,
        particulars=cleaned, scope_kinds=kinds, scope_region=region, regime=regime,
        issued_on=issued_on, valid_until=valid_until,
    )
    scope_version(licence, issued_on)
    publish(licence, "recorded", actor=actor, on=timezone.localdate())
    audit_record(actor=actor, action="licensing.licence.record", obj=licence,
                 after=licence_summary(licence))
    return licence


