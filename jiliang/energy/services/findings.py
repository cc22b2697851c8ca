"""Findings of an audit: rectified by the unit, reviewed by the auditor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.energy import permissions
from jiliang.energy.models import (
    Audit,
    Finding,
)


@transaction.atomic
def finding_rectify(*, actor: User | None, finding: Finding, rectification: str) -> Finding:
    """The unit reports what it did about a finding."""
    finding = Finding.objects.select_for_update().select_related("audit__unit").get(pk=finding.pk)
    unit = finding.audit.unit
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit reports its rectification."))
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError({"rectification": [_("This finding is closed.")]})
    text = (rectification or "").strip()
    if not text:
        raise ValidationError({"rectification": [_("Describe what was done.")]})
    finding.rectification = text
    finding.rectified_at = timezone.now()
    finding.status = Finding.Status.SUBMITTED
    finding.save(update_fields=["rectification", "rectified_at", "status"])
    audit_record(actor=actor, action="energy.finding.rectify", obj=finding,
                 after={"rectification": text[:300]})
    return finding


@transaction.atomic
def finding_review(*, actor: User | None, finding: Finding, accept: bool,
                   note: str = "") -> Finding:
    """The auditor accepts a rectification (the finding closes) or sends it back."""
    finding = Finding.objects.select_for_update().select_related("audit").get(pk=finding.pk)
    audit = finding.audit
    if not permissions.may_audit(actor, audit):
        raise PermissionDenied(_("Only the auditor reviews rectifications."))
    if finding.status != Finding.Status.SUBMITTED:
        raise ValidationError({"status": [_("There is no rectification to review.")]})
    if not accept and not (note or "").strip():
        raise ValidationError({"note": [_("Say why the rectification is not enough.")]})
    finding.review_note = (note or "").strip()[:300]
    if accept:
        finding.status = Finding.Status.CLOSED
        finding.closed_at = timezone.now()
    else:
        finding.status = Finding.Status.OPEN
    finding.save(update_fields=["status", "closed_at", "review_note"])
    if accept and not audit.findings.exclude(status=Finding.Status.CLOSED).exists():
        audit.status = Audit.Status.CLOSED
        audit.closed_at = timezone.now()
        audit.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="energy.finding.review", obj=finding,
                 after={"accepted": accept, "note": finding.review_note,
                        "audit_status": audit.status})
    return finding


