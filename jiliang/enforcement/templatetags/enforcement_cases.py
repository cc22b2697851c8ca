"""``{% cases_about instrument=... %}``: the enforcement cases of an instrument, a campaign, an
energy-using unit or an organisation, on their pages (only for the bureaus that see them);
``{% finding_cases record %}``: the cases opened on a finding, or the button to open one."""

from django import template

from jiliang.enforcement import findings, permissions, selectors
from jiliang.enforcement.models import Case
from jiliang.rules import RuleError

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("enforcement/_cases_about.html", takes_context=True)
def cases_about(context, *, instrument=None, campaign=None, energy_unit=None, party=None):
    user = _user(context)
    if user is None or not permissions.is_bureau(user):
        return {"show": False}
    return {"show": True, "cases": selectors.cases_about(
        user, instrument=instrument, campaign=campaign, energy_unit=energy_unit, party=party)}


@register.inclusion_tag("enforcement/_finding_cases.html", takes_context=True)
def finding_cases(context, finding, kind: str = ""):
    user = _user(context)
    if user is None or not permissions.is_bureau(user):
        return {"show": False}
    try:
        found = findings.kind_for(finding, kind or None)
    except RuleError:
        return {"show": False}
    cases = list(selectors.case_list(user).filter(finding_kind=found.code, finding_id=finding.pk))
    live = [c for c in cases if c.state != "dropped"]
    facts = found.facts(finding)
    return {"show": True, "cases": cases, "kind": found.code, "finding": finding,
            "may_open": not live and (found.applies is None or found.applies(finding))
            and permissions.may_open(user, facts.region_code)
            and not Case.objects.filter(finding_kind=found.code, finding_id=finding.pk)
            .exclude(state="dropped").exists()}
