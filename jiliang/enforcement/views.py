"""Pages of enforcement cases: the bureau's list (and its xlsx), opening a case, the case with
its steps and documents; the public list and page of published penalty decisions.
Views write nothing: every change goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.models import Organisation
from jiliang.core.params import query_id
from jiliang.core.pdf import pdf_response
from jiliang.core.web import errors_onto, page_of, public, roles_required, xlsx_response
from jiliang.enforcement import conf, documents, findings, permissions, selectors, services
from jiliang.enforcement.forms import OpenCaseForm, StepForm
from jiliang.enforcement.models import PartyKind
from jiliang.portal.public import label
from jiliang.rules import RuleError
from jiliang.rules import enforcement as rules

MAX_QUERY = 100


def state_labels() -> dict[str, str]:
    return {s: label(spec["label"]) for s, spec in rules.workflow().states.items()}


def kind_labels() -> dict[str, str]:
    return {code: label(kind["label"]) for code, kind in rules.finding_kinds().items()}


def _filtered(request):
    qs = selectors.case_list(request.user)
    state = request.GET.get("state", "")
    if state in rules.workflow().states:
        qs = qs.filter(state=state)
    kind = request.GET.get("kind", "")
    if kind in rules.finding_kinds():
        qs = qs.filter(finding_kind=kind)
    party = query_id(request, "party")
    if party is not None:
        qs = qs.filter(party_id=party)
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(party_name__icontains=q)
                       | Q(party_credit_code=q.upper()))
    return qs, {"state": state, "kind": kind, "party": party or "", "q": q}


@roles_required(bureau=True)
def case_list(request):
    qs, filters = _filtered(request)
    if request.GET.get("format") == "xlsx":
        return _export(qs)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "enforcement/case_list.html", {
        "page": page_of(request, qs), "filters": filters, "query": query + "&" if query else "",
        "states": state_labels(), "kinds": kind_labels(),
        "may_open": permissions.is_bureau(request.user),
    })


EXPORT_CAP = 100_000  # rows of one export; narrow the filters for more


def _export(qs):
    states, kinds = state_labels(), kind_labels()
    headers = [_("Case number"), _("Handling bureau"), _("Division code"), _("State"),
               _("Source of the case"), _("Party concerned"), _("Unified social credit code"),
               _("Discovered on"), _("Opened on"), _("Decision due"), _("Proposed fine (CNY)"),
               _("Fine (CNY)"), _("Decided on"), _("Executed on"), _("Closed on"),
               _("Published")]
    rows = ([c.number, c.bureau.name, c.region_code, states.get(c.state, c.state),
             kinds.get(c.finding_kind, c.finding_kind), c.party_name, c.party_credit_code,
             c.discovered_on, c.opened_on, c.decision_due_on, c.proposed_fine, c.fine,
             c.decided_on, c.executed_on, c.closed_on,
             c.published_at.date() if c.published_at else None]
            for c in qs[:EXPORT_CAP].iterator(chunk_size=2000))
    return xlsx_response("enforcement-cases.xlsx", headers, rows,
                         title=_("Enforcement cases"))


def _finding(request):
    """The finding named by ``?kind=&finding=`` (None when opening by hand)."""
    kind, pk = request.GET.get("kind", ""), query_id(request, "finding")
    if pk is None:
        return None, kind if kind in rules.finding_kinds() else "manual"
    try:
        found = findings.kind_of(kind)
    except RuleError:
        raise Http404 from None
    model = found.model_class()
    if model is None:
        raise Http404
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    facts = found.facts(row)
    if not request.user.scope.covers_region(facts.region_code):
        raise Http404
    return row, kind


@roles_required(bureau=True)
def case_new(request):
    finding, kind = _finding(request)
    facts = findings.kind_of(kind).facts(finding) if finding is not None else None
    form = OpenCaseForm(request.POST or None, from_finding=finding is not None, initial={
        "bases": rules.bases_for(kind, facts.discovered_on) if facts else [],
        "party_kind": PartyKind.ORGANISATION})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("party_credit_code").strip().upper()
        party = Organisation.objects.filter(credit_code=code).first() if code else None
        if data["party_kind"] == PartyKind.PERSON:
            party = None
        with errors_onto(form):
            case = services.open_case(
                request.user, finding=finding, kind=kind, party=party,
                bases=data.pop("bases") or None, **{k: v for k, v in data.items() if v})
            messages.success(request, _("Case %(number)s is opened.") % {"number": case.number})
            return redirect("enforcement:case-detail", pk=case.pk)
    return render(request, "enforcement/case_new.html", {
        "form": form, "finding": finding, "facts": facts, "kind": kind_labels().get(kind, kind),
        "opening_days": conf.working_days("opening"),
        "opening_is_setting": conf.is_setting("opening"),
    })


def _bases(case) -> list[dict]:
    out = []
    for code in case.bases:
        basis = rules.legal_bases().get(code)
        if basis is None:
            continue
        out.append({"name": label(basis["name"]),
                    "articles": [{"article": label(a["article"]), "what": label(a["what"])}
                                 for a in basis.get("articles") or ()]})
    return out


@roles_required(bureau=True)
def case_detail(request, pk: int):
    case = selectors.case_get(request.user, pk)
    flow = rules.workflow()
    steps = [{"action": t.action, "name": label(t.label),
              "form": StepForm(step=t, initial={"version": case.version})}
             for t in flow.available(case.state)
             if permissions.may_act(request.user, case, t.by)
             and not (t.once and case.events.filter(action=t.action).exists())]
    return render(request, "enforcement/case_detail.html", {
        "case": case, "state": state_labels().get(case.state, case.state),
        "kind": kind_labels().get(case.finding_kind, case.finding_kind),
        "bases": _bases(case), "events": case.events.all(), "steps": steps,
        "labels": {t.action: label(t.label) for t in flow.transitions.values()},
        "limits": {name: {"days": conf.working_days(name), "setting": conf.is_setting(name)}
                   for name in ("opening", "decision", "extension", "statement")},
        "threshold_is_setting": conf.is_setting("person" if case.is_person else "organisation"),
        "threshold": conf.hearing_threshold("person" if case.is_person else "organisation"),
        "finding_url": documents.finding_url(case),
    })


@require_POST
@roles_required(bureau=True)
def case_act(request, pk: int, action: str):
    case = selectors.case_get(request.user, pk)
    step = rules.workflow().transitions.get(action)
    if step is None:
        raise Http404
    form = StepForm(request.POST, step=step)
    if not form.is_valid():
        for field, errors in form.errors.items():
            name = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{name}: {' '.join(errors)}")
        return redirect("enforcement:case-detail", pk=case.pk)
    try:
        services.case_act(actor=request.user, case=case, action=action,
                          version=form.cleaned_data["version"], payload=form.payload())
    except ValidationError as error:
        for errors in error.message_dict.values():
            messages.error(request, " ".join(errors))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Done."))
    return redirect("enforcement:case-detail", pk=case.pk)


@roles_required(bureau=True)
def case_notice(request, pk: int):
    case = selectors.case_get(request.user, pk)
    if case.notified_on is None:
        raise Http404
    return pdf_response(f"{case.number}-notice.pdf", documents.notice_pdf(case))


@roles_required(bureau=True)
def case_decision(request, pk: int):
    case = selectors.case_get(request.user, pk)
    if case.decided_on is None:
        raise Http404
    return pdf_response(f"{case.number}-decision.pdf", documents.decision_pdf(case))


# --- public -----------------------------------------------------------------------------------


@public
def public_list(request):
    qs = selectors.published_cases()
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    if q:
        # A natural person is found by neither name nor number: only organisations by theirs.
        qs = qs.filter(Q(decision_number__icontains=q) | Q(
            party_kind=PartyKind.ORGANISATION, party_name__icontains=q))
    page = page_of(request, qs, size=20)
    return render(request, "enforcement/public_list.html", {
        "page": page, "records": [selectors.public_record(c) for c in page], "q": q,
        "query": f"q={q}&" if q else "", "kinds": kind_labels()})


@public
def public_detail(request, pk: int):
    record = selectors.public_record(selectors.published_get(pk))
    record["bases"] = [label(rules.legal_bases()[c]["name"]) for c in record["bases"]
                       if c in rules.legal_bases()]
    return render(request, "enforcement/public_detail.html", {
        "record": record, "kind": kind_labels().get(record["finding_kind"], "")})


@public
def public_decision(request, pk: int):
    """The published decision as a PDF, personal data taken out as on the page."""
    case = selectors.published_get(pk)
    return pdf_response(f"{case.decision_number}.pdf", documents.decision_pdf(case, public=True))
