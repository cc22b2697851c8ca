"""Product-quality sampling of instruments and energy-label checks (二.8)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog import type_approval
from jiliang.core.models import Organisation, User
from jiliang.core.services import credit_code_clean
from jiliang.rules import energylabels
from jiliang.supervision.models import (
    CampaignKind,
    CampaignTask,
    EnergyLabelCheck,
    EnforcementAction,
    LabelFinding,
    ProductSample,
    Verdict,
)
from jiliang.supervision.services.common import (
    not_future,
    organisation_by_code,
    parse_date,
    record_region,
    recordable_task,
    user_or_none,
)
from jiliang.supervision.sheets import yes_no


@transaction.atomic
def product_sample_record(
    *,
    actor: User | None,
    task: CampaignTask,
    manufacturer_name: str,
    product: str,
    model: str,
    sample_number: str,
    sampled_on,
    items: list[dict],
    manufacturer_credit_code: str = "",
    kind_code: str = "",
    note: str = "",
    region_code: str = "",
    type_approval_no: str = "",
    key_parts_consistent: bool | None = None,
    key_parts_note: str = "",
) -> ProductSample:
    """A sampled instrument with its test items; the conclusion fails when any item fails, or
    when its key parts are not those of the approved type it names."""
    task = recordable_task(actor, task, CampaignKind.PRODUCT_SAMPLING)
    code, org, name = _party(manufacturer_credit_code, manufacturer_name,
                             "manufacturer_credit_code")
    _required((("manufacturer_name", name), ("product", product), ("model", model),
               ("sample_number", sample_number)))
    day = parse_date(sampled_on, "sampled_on")
    not_future(day, "sampled_on")
    clean_items = _test_items(items)
    approval_no = approved_model_check(type_approval_no, model, key_parts_consistent)  # #14
    if ProductSample.objects.filter(campaign=task.campaign,
                                    sample_number=sample_number.strip()).exists():
        raise ValidationError({"sample_number": [_(
            "This sample number is already used in the campaign.")]})
    sample = ProductSample.objects.create(
        campaign=task.campaign, task=task, region_code=record_region(task, region_code),
        manufacturer=org, manufacturer_name=name[:200], manufacturer_credit_code=code or "",
        product=product.strip()[:100], model=model.strip()[:100],
        kind_code=(kind_code or "").strip().lower()[:64],
        sample_number=sample_number.strip()[:64], sampled_on=day, items=clean_items,
        conclusion=Verdict.PASS if all(i["passed"] for i in clean_items)
        and key_parts_consistent is not False else Verdict.FAIL,
        note=(note or "").strip()[:300], recorded_by=user_or_none(actor),
        type_approval_no=approval_no, key_parts_consistent=key_parts_consistent,
        key_parts_note=(key_parts_note or "").strip()[:300],
    )
    audit_record(actor=actor, action="product_sample.record", obj=sample,
                 after=snapshot(sample, ("task", "manufacturer_name", "product", "model",
                                         "sample_number", "sampled_on", "items", "conclusion",
                                         "type_approval_no", "key_parts_consistent")))
    return sample


def _party(credit_code: str, given_name: str, field: str
           ) -> tuple[str | None, Organisation | None, str]:
    """(credit code, organisation on file, name) of a manufacturer or seller: the code is
    optional, the name may come from the organisation filed under it."""
    code = credit_code_clean(credit_code, required=False, field=field)
    org = organisation_by_code(code)
    return code, org, (given_name or "").strip() or (org.name if org else "")


def _required(fields) -> None:
    """Each (field, value) given, in order: the first one empty is refused."""
    for field, value in fields:
        if not (value or "").strip():
            raise ValidationError({field: [_("This field is required.")]})


def _test_items(items: list[dict] | None) -> list[dict]:
    """The test items of a sample, each with its verdict; untitled rows are skipped."""
    clean_items = []
    for i, item in enumerate(items or [], start=1):
        title = str(item.get("item", "")).strip()
        if not title:
            continue
        passed = _passed(item.get("passed"))
        if passed is None:
            raise ValidationError({"items": [_("Item %(n)s: say whether it passed.") % {"n": i}]})
        clean_items.append({"item": title[:100],
                            "requirement": str(item.get("requirement", "")).strip()[:200],
                            "result": str(item.get("result", "")).strip()[:200],
                            "passed": bool(passed)})
    if not clean_items:
        raise ValidationError({"items": [_("Give at least one test item and its result.")]})
    return clean_items


def _passed(value) -> bool | None:
    if isinstance(value, str):
        try:
            return yes_no(value, verdicts=True)
        except ValueError:
            return None
    return value


def approved_model_check(number: str, model: str, key_parts_consistent: bool | None) -> str:
    """The type approval a sample is checked against: a CPA number of an approval in force whose
    model is the sample's; the key-part check needs one."""
    number = type_approval.clean_number(number)
    if not number:
        if key_parts_consistent is not None:
            raise ValidationError({"type_approval_no": [_(
                "Name the type approval whose key parts the sample was checked against.")]})
        return ""
    licence = type_approval.approval(number)
    if licence is None:
        raise ValidationError({"type_approval_no": [_(
            "No type approval in force is on file under this number.")]})
    approved = type_approval.approval_summary(licence)["model"]
    if approved and approved.strip().upper() != (model or "").strip().upper():
        raise ValidationError({"model": [_(
            "The approval %(no)s is for model %(model)s, not this one.") % {
            "no": number, "model": approved}]})
    return number


def label_check_build(
    *,
    actor: User | None,
    task: CampaignTask,
    enterprise_name: str,
    product: str,
    model: str,
    checked_on,
    finding: str,
    enterprise_credit_code: str = "",
    brand: str = "",
    label_standard: str = "",
    labelled_grade: int | None = None,
    measured_grade: int | None = None,
    handling: str = EnforcementAction.NONE,
    handling_note: str = "",
    region_code: str = "",
) -> EnergyLabelCheck:
    """Validate one product checked for its energy label, in one of the four findings of 二.8:
    an unsaved check, or a ValidationError naming the field. ``task`` is a recordable one."""
    code, org, name = _party(enterprise_credit_code, enterprise_name, "enterprise_credit_code")
    _required((("enterprise_name", name), ("product", product), ("model", model)))
    if finding not in LabelFinding.values:
        raise ValidationError({"finding": [_("Choose a finding from the list.")]})
    if handling not in EnforcementAction.values:
        raise ValidationError({"handling": [_("Choose a handling from the list.")]})
    day = parse_date(checked_on, "checked_on")
    not_future(day, "checked_on")
    standard = energylabels.normalise_code(label_standard)
    if len(standard) > energylabels.CODE_MAX:
        raise ValidationError({"label_standard": [_(
            "A label standard's code is at most %(n)d characters.") % {"n": energylabels.CODE_MAX}]})
    scale = label_scale(standard)
    grades = {"labelled_grade": _grade(labelled_grade, "labelled_grade", scale),
              "measured_grade": _grade(measured_grade, "measured_grade", scale)}
    if finding == LabelFinding.FALSE_CLAIM:
        _false_claim(grades["labelled_grade"], grades["measured_grade"])
    if finding != LabelFinding.CORRECT and handling == EnforcementAction.NONE:
        raise ValidationError({"handling": [_("Say how the finding is handled.")]})
    return EnergyLabelCheck(
        campaign=task.campaign, task=task, region_code=record_region(task, region_code),
        enterprise=org, enterprise_name=name[:200], enterprise_credit_code=code or "",
        product=product.strip()[:100], brand=(brand or "").strip()[:100],
        model=model.strip()[:100], label_standard=standard, checked_on=day, finding=finding,
        handling=handling,
        handling_note=(handling_note or "").strip()[:300], recorded_by=user_or_none(actor), **grades,
    )


def grades_setting() -> int:
    """The administration's number of grades for a label whose standard's number the data does
    not give (JILIANG_ENERGY_LABEL_GRADES)."""
    top = int(getattr(settings, "JILIANG_ENERGY_LABEL_GRADES", 5))
    if not 2 <= top <= energylabels.MAX_GRADES:
        raise ImproperlyConfigured(
            f"JILIANG_ENERGY_LABEL_GRADES={top}: an energy label has 2 to "
            f"{energylabels.MAX_GRADES} grades")
    return top


def label_scale(standard: str) -> energylabels.Scale:
    """The grades a label under ``standard`` may carry (rules/data/energy_labels.json, else the
    administration's number)."""
    return energylabels.scale(standard, grades_setting())


def scale_words(scale: energylabels.Scale) -> str:
    """The scale in words, saying where its number comes from."""
    if scale.from_setting:
        return _("1 (best) to %(top)d: a number the administration sets, since no source on "
                 "file gives this label standard's number of grades") % {"top": scale.top}
    return _("1 (best) to %(top)d under %(standard)s") % {"top": scale.top,
                                                          "standard": scale.standard.code}


def _grade(value, field: str, scale: energylabels.Scale) -> int | None:
    """An energy-efficiency grade as given (1 to the scale's top), or None when none is given."""
    if value in (None, ""):
        return None
    try:
        grade = int(value)
    except (TypeError, ValueError):
        grade = 0
    if not scale.holds(grade):
        raise ValidationError({field: [_("An energy-efficiency grade is %(scale)s.") % {
            "scale": scale_words(scale)}]})
    return grade


def _false_claim(labelled: int | None, measured: int | None) -> None:
    """二.8: a false claim is a measured efficiency below the labelled grade (grade 1 is best)."""
    if labelled is None or measured is None:
        raise ValidationError({"measured_grade": [_(
            "A false claim needs the labelled and the measured grade.")]})
    if measured <= labelled:
        raise ValidationError({"measured_grade": [_(
            "A false claim means the measured grade is worse (higher) than the labelled "
            "one.")]})


@transaction.atomic
def label_check_record(*, actor: User | None, task: CampaignTask, **data) -> EnergyLabelCheck:
    """One product checked for its energy label (the fields of ``label_check_build``)."""
    task = recordable_task(actor, task, CampaignKind.ENERGY_LABEL)
    check = label_check_build(actor=actor, task=task, **data)
    check.save()
    audit_record(actor=actor, action="energy_label.record", obj=check,
                 after=snapshot(check, ("task", "enterprise_name", "product", "brand", "model",
                                        "checked_on", "label_standard", "finding",
                                        "labelled_grade", "measured_grade", "handling")))
    return check

