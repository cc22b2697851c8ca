"""Who may sign a verification: the people and the institution, on the verification date.

One check, shared by the form, the API and the bulk import (计量法实施细则 arts. 25–31;
计量检定人员管理办法 (质检总局令第105号); 注册计量师职业资格制度规定 (国市监计量〔2019〕197号)):

- every record names three people of the institution: the verifier (检定员), the checker
  (核验员) and the approver (批准人);
- on the verification date each holds a valid qualification (a verifier certificate or a
  registration as registered metrologist) whose items cover the instrument's kind or its
  regulation;
- the verifier and the checker are different people;
- the approver is on the institution's list of authorised signatories that day;
- the institution's metrology authorisation (计量授权) in force that day covers the kind and
  the area; none on file means refused (fail closed).

Plain data in, a list of problems out (every problem found, not the first); the apps turn
each problem's ``code`` into a message in the user's language.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jiliang.rules.identifiers import region_prefix

VERIFIER, CHECKER, APPROVER = "verifier", "checker", "approver"
ROLES = (VERIFIER, CHECKER, APPROVER)
AUTHORISATION_FIELD = "institution"

# Qualifications that allow signing a verification; the others (exam results, assessor
# status) are kept on the person but qualify nobody to verify.
SIGNING_KINDS = frozenset({"verifier_certificate", "registration"})
# A qualification in one of these states covers nothing, whatever its dates.
DEAD_STATES = frozenset({"lapsed", "revoked", "suspended", "converted"})


@dataclass(frozen=True)
class Qualification:
    kind: str
    items: frozenset[str]
    valid_from: datetime.date
    valid_until: datetime.date | None
    status: str = "valid"
    ended_on: datetime.date | None = None  # revoked, suspended or converted from this day

    def in_force_on(self, day: datetime.date) -> bool:
        if day < self.valid_from:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        if self.status in DEAD_STATES:
            # Converted or revoked: in force only before the day it ended (when known).
            return self.ended_on is not None and day < self.ended_on
        return True


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    organisation_id: int
    qualifications: tuple[Qualification, ...] = ()
    # Periods on the institution's list of authorised signatories (from, until or None).
    signatory: tuple[tuple[datetime.date, datetime.date | None], ...] = ()

    def signatory_on(self, day: datetime.date) -> bool:
        return any(start <= day and (end is None or day <= end) for start, end in self.signatory)


@dataclass(frozen=True)
class Scope:
    """One authorised scope as it stood for a stretch of time (effective-dated)."""

    kinds: frozenset[str]
    region_prefix: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    number: str = ""

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    params: dict = field(default_factory=dict)


def covers_item(items: Iterable[str], kind_code: str, regulation_code: str) -> bool:
    """An item is a kind code, a regulation code with its edition (JJG 539-2016), or a
    regulation code without it (JJG 539, any edition)."""
    regulation = " ".join((regulation_code or "").split())
    for item in items:
        item = " ".join(item.split())
        if not item:
            continue
        if item in (kind_code, regulation):
            return True
        if regulation and regulation.startswith(item + "-"):
            return True
    return False


def qualification_problem(person: Person, role: str, *, on: datetime.date, kind_code: str,
                          regulation_code: str) -> Problem | None:
    """None when the person holds a qualification in force on ``on`` covering the item;
    otherwise why not: none at all, only for other items, or lapsed for this item."""
    signing = [q for q in person.qualifications if q.kind in SIGNING_KINDS]
    covering = [q for q in signing if covers_item(q.items, kind_code, regulation_code)]
    if any(q.in_force_on(on) for q in covering):
        return None
    params = {"name": person.name, "date": on.isoformat(), "kind": kind_code,
              "regulation": regulation_code}
    if covering:
        ends = [q.valid_until for q in covering if q.valid_until is not None and q.valid_until < on]
        if ends:
            params["until"] = max(ends).isoformat()
        return Problem(role, "qualification.lapsed", params)
    if any(q.in_force_on(on) for q in signing):
        return Problem(role, "qualification.other_item", params)
    return Problem(role, "qualification.none", params)


def check_people(*, on: datetime.date, kind_code: str, regulation_code: str,
                 institution_id: int, verifier: Person | None, checker: Person | None,
                 approver: Person | None) -> list[Problem]:
    problems: list[Problem] = []
    people = {VERIFIER: verifier, CHECKER: checker, APPROVER: approver}
    for role, person in people.items():
        if person is None:
            problems.append(Problem(role, "person.missing"))
            continue
        if person.organisation_id != institution_id:
            problems.append(Problem(role, "person.other_institution", {"name": person.name}))
            continue
        problem = qualification_problem(person, role, on=on, kind_code=kind_code,
                                        regulation_code=regulation_code)
        if problem is not None:
            problems.append(problem)
    if verifier is not None and checker is not None and verifier.id == checker.id:
        problems.append(Problem(CHECKER, "checker.is_verifier", {"name": checker.name}))
    if approver is not None and approver.organisation_id == institution_id \
            and not approver.signatory_on(on):
        problems.append(Problem(APPROVER, "approver.not_signatory",
                                {"name": approver.name, "date": on.isoformat()}))
    return problems


def check_scope(scopes: Sequence[Scope], *, kind_code: str, region_code: str,
                on: datetime.date) -> list[Problem]:
    """Fail closed: no authorisation on file, none in force that day, or none covering the
    kind, or the area, is a problem."""
    params = {"date": on.isoformat(), "kind": kind_code, "region": region_code}
    if not scopes:
        return [Problem(AUTHORISATION_FIELD, "authorisation.none", params)]
    in_force = [s for s in scopes if s.in_force_on(on)]
    if not in_force:
        return [Problem(AUTHORISATION_FIELD, "authorisation.dates", params)]
    for_kind = [s for s in in_force if kind_code in s.kinds]
    if not for_kind:
        return [Problem(AUTHORISATION_FIELD, "authorisation.kind", params)]
    if not any(s.region_prefix and region_code.startswith(s.region_prefix) for s in for_kind):
        return [Problem(AUTHORISATION_FIELD, "authorisation.area", params)]
    return []


def scope_in_force(scopes: Sequence[Scope], *, kind_code: str, region_code: str,
                   on: datetime.date) -> Scope | None:
    """The scope that covers the work (its number goes on the certificate), or None."""
    for s in scopes:
        if s.in_force_on(on) and kind_code in s.kinds and s.region_prefix \
                and region_code.startswith(s.region_prefix):
            return s
    return None


def check_signoff(*, on: datetime.date, kind_code: str, regulation_code: str, region_code: str,
                  institution_id: int, scopes: Sequence[Scope], verifier: Person | None,
                  checker: Person | None, approver: Person | None) -> list[Problem]:
    """Everything wrong with who signs this record, and with the institution's authority."""
    return [
        *check_scope(scopes, kind_code=kind_code, region_code=region_code, on=on),
        *check_people(on=on, kind_code=kind_code, regulation_code=regulation_code,
                      institution_id=institution_id, verifier=verifier, checker=checker,
                      approver=approver),
    ]


# --- continuing education and conversion ------------------------------------------------------


def cpd_shortfall(hours: float | int | None, required: float | int | None) -> float | None:
    """Hours missing against the annual requirement; None when the requirement is not known."""
    if required is None:
        return None
    return max(0.0, float(required) - float(hours or 0))


def conversion_items(certificate: Qualification, *, on: datetime.date) -> frozenset[str]:
    """The items a verifier certificate carries into a registration (三.8): the certificate
    must be in force on the day of conversion; its items carry over unchanged."""
    if certificate.kind != "verifier_certificate":
        raise ValueError("only a verifier certificate is converted")
    if not certificate.in_force_on(on):
        raise ValueError("the certificate is not in force")
    return certificate.items


def scopes_from_versions(versions: Iterable[tuple[datetime.date, frozenset[str], str]], *,
                         issued_on: datetime.date, valid_until: datetime.date | None,
                         ended_on: datetime.date | None, number: str = "") -> list[Scope]:
    """An authorisation's effective-dated scope: each version holds from its date until the
    day before the next, inside the licence's own validity (and before it ended)."""
    ordered = sorted(versions, key=lambda v: v[0])
    last_day = valid_until
    if ended_on is not None:
        before_end = ended_on - datetime.timedelta(days=1)
        last_day = before_end if last_day is None else min(last_day, before_end)
    out: list[Scope] = []
    for i, (start, kinds, region) in enumerate(ordered):
        start = max(start, issued_on)
        until = last_day
        if i + 1 < len(ordered):
            nxt = ordered[i + 1][0] - datetime.timedelta(days=1)
            until = nxt if until is None else min(until, nxt)
        if until is not None and until < start:
            continue
        prefix = region_prefix(region) if region else ""
        out.append(Scope(kinds=frozenset(kinds), region_prefix=prefix, valid_from=start,
                         valid_until=until, number=number))
    return out



def data() -> dict:
    """jiliang/rules/data/people.json: the continuing-education requirement and the
    conversion rule, each with its sources."""
    path = Path(__file__).resolve().parent / "data" / "people.json"
    return json.loads(path.read_text(encoding="utf-8"))
