"""Letters of responsibility and their look-back (work plan 二.4)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import Organisation, User
from jiliang.energy import permissions
from jiliang.energy.models import (
    Commitment,
    EnergyUnit,
    LookBack,
    ResponsibilityLetter,
)

# --- letters of responsibility and their look-back (work plan 二.4) ---------------------------

def _commitments_clean(commitments: list[dict], signed_on: datetime.date) -> list[Commitment]:
    """The commitments of a letter, each with its party and a deadline on or after the signing
    (empty lines left out)."""
    clean = []
    for i, item in enumerate(commitments or []):
        text = str(item.get("text") or "").strip()
        if not text:
            continue
        party = item.get("party") or Commitment.Party.UNIT
        if party not in Commitment.Party.values:
            raise ValidationError({f"commitments.{i}.party": [_("The party is the bureau or the "
                                                                "unit.")]})
        deadline = item.get("deadline")
        if deadline is None or deadline < signed_on:
            raise ValidationError({f"commitments.{i}.deadline": [_(
                "Each commitment has a deadline on or after the signing.")]})
        clean.append(Commitment(party=party, text=text[:300], deadline=deadline))
    return clean


@transaction.atomic
def letter_create(*, actor: User | None, unit: EnergyUnit, title: str, signed_on: datetime.date,
                  commitments: list[dict], bureau: Organisation | None = None
                  ) -> ResponsibilityLetter:
    if not permissions.bureau_over(actor, unit.region_code):
        raise PermissionDenied(_("Only the unit's bureau files its letters of responsibility."))
    bureau = bureau or (actor.organisation if actor else None)
    if bureau is None or not bureau.is_bureau:
        raise ValidationError({"bureau": [_("A letter is signed by a bureau.")]})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the letter's title.")]})
    if signed_on is None or signed_on > timezone.localdate():
        raise ValidationError({"signed_on": [_("Give the date of signing (not in the future).")]})
    clean = _commitments_clean(commitments, signed_on)
    if not clean:
        raise ValidationError({"commitments": [_("A letter holds at least one commitment.")]})
    letter = ResponsibilityLetter.objects.create(unit=unit, region_code=unit.region_code,
                                                 bureau=bureau, title=title[:200],
                                                 signed_on=signed_on)
    for c in clean:
        c.letter = letter
    Commitment.objects.bulk_create(clean)
    audit_record(actor=actor, action="energy.letter.create", obj=letter,
                 after={"title": letter.title, "signed_on": signed_on.isoformat(),
                        "commitments": [{"party": c.party, "text": c.text,
                                         "deadline": c.deadline.isoformat()} for c in clean]})
    return letter


@transaction.atomic
def letter_look_back(*, actor: User | None, letter: ResponsibilityLetter,
                     reviewed_on: datetime.date, outcomes: dict[int, tuple[str, str]],
                     summary: str = "") -> LookBack:
    """The "look back": was each commitment kept? Every commitment gets an outcome."""
    if not permissions.bureau_over(actor, letter.region_code):
        raise PermissionDenied(_("Only the unit's bureau looks back on its letters."))
    if reviewed_on is None or reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": [_("Give the date of the review (not in the "
                                                  "future).")]})
    commitments = list(letter.commitments.all())
    before = {c.pk: c.outcome for c in commitments}
    for c in commitments:
        outcome, note = outcomes.get(c.pk, ("", ""))
        if outcome not in (Commitment.Outcome.MET, Commitment.Outcome.PARTLY,
                           Commitment.Outcome.NOT_MET):
            raise ValidationError({f"outcome_{c.pk}": [_("Judge every commitment: met, partly "
                                                         "met or not met.")]})
        if outcome != Commitment.Outcome.MET and not (note or "").strip():
            raise ValidationError({f"note_{c.pk}": [_("Say what is missing.")]})
        c.outcome, c.review_note = outcome, (note or "").strip()[:300]
    Commitment.objects.bulk_update(commitments, ["outcome", "review_note"])
    review = LookBack.objects.create(letter=letter, reviewed_on=reviewed_on, reviewer=actor,
                                     summary=(summary or "").strip())
    audit_record(actor=actor, action="energy.letter.look_back", obj=letter,
                 before={str(k): v for k, v in before.items()},
                 after={str(c.pk): c.outcome for c in commitments})
    return review
