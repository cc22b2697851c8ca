"""The public pages: the page a QR label opens, a certificate, and the one public check."""

from __future__ import annotations

from django.shortcuts import redirect, render

from jiliang.catalog import type_approval
from jiliang.core.caching import page_keep, page_lookup
from jiliang.core.web import public
from jiliang.registry import selectors, services
from jiliang.registry.views.common import local_today

# --- public pages -----------------------------------------------------------------------------


@public
def public_instrument(request, code: str):
    """The page a QR label opens: what the person in front of the instrument needs to know."""
    inst = services.public_lookup_counted("instrument", selectors.public_instrument, code)
    latest = selectors.public_latest_record(inst)
    found = type_approval.approval(inst.type_approval_no)  # catalogue (#14): its type approval
    return render(request, "registry/public_instrument.html", {
        "inst": inst, "latest": latest, "today": local_today(),
        "state": selectors.certificate_state(latest) if latest else None,
        "under_review": selectors.under_review(inst),
        "approval": type_approval.approval_summary(found) if found else None,
    })


@public
def public_certificate(request, code: str):
    record = services.public_lookup_counted("certificate", selectors.public_certificate, code)
    return render(request, "registry/public_certificate.html", {
        "record": record, "state": selectors.certificate_state(record),
        "cancelled": selectors.cancelled_certificate(record), "today": local_today(),
        "standard": selectors.record_standard(record),
    })


@public
def certificate_check(request):
    """One box for every key a person holds: the label code, a certificate number, a serial."""
    number = (request.GET.get("q") or request.GET.get("number") or "").strip()[:60]
    owner = request.GET.get("owner", "").strip()[:200]
    # Many read it, few writes change it: the page is kept per query and language while the
    # registry's version stays (core.caching); each look-up is counted, hit or not.
    key, hit = page_lookup(request, selectors.public_check_version) if number else (None, None)
    if hit is not None:
        services.public_lookup_count(**hit.note)
        return hit.response
    result = selectors.public_check(number, owner=owner) if number else None
    if result is not None:
        services.public_lookup_count(**(note := services.public_check_note(result)))
    if result is not None and result.how == "code":
        if result.instrument is not None:
            return redirect("registry:public-instrument", code=result.instrument.public_code)
        return redirect("registry:public-certificate", code=result.record.public_code)
    response = render(request, "registry/certificate_check.html", {
        "number": number, "owner": owner, "result": result})
    return page_keep(request, key, response, note=note) if number else response
