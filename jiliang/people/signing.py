"""The sign-off check as the registry asks it: the institution's authorised scope and the three
people, read from the database and judged by ``jiliang.rules.signoff.check_signoff``.

The registry's form and API call ``signoff_or_raise`` (through ``verification_record``); its
bulk import calls ``BulkSignoff.check`` once a row, with the institution's people and
authorisations read once per import.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from jiliang.licensing.selectors import authorisation_scopes
from jiliang.people.models import Person
from jiliang.people.selectors import InstitutionSigners, problem_message, signer_facts
from jiliang.rules import signoff

FIELDS = {signoff.VERIFIER: "verifier", signoff.CHECKER: "checker", signoff.APPROVER: "approver"}


@dataclass(frozen=True)
class SignOff:
    """What a record stores of a sign-off that passed."""

    verifier_id: int
    checker_id: int
    approver_id: int
    verifier_name: str
    checker_name: str
    approver_name: str
    authorisation_no: str


def _id(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, Person):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def errors_by_field(problems: list[signoff.Problem], *,
                    institution_field: str = "instrument") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in problems:
        field = FIELDS.get(problem.field, institution_field)
        out.setdefault(field, []).append(problem_message(problem))
    return out


def signoff_or_raise(*, institution_id: int, kind_code: str, regulation_code: str,
                     region_code: str, on: datetime.date, verifier, checker,
                     approver) -> SignOff:
    """The sign-off of one record, or a ValidationError naming each field and rule."""
    ids = {role: _id(v) for role, v in ((signoff.VERIFIER, verifier),
                                         (signoff.CHECKER, checker),
                                         (signoff.APPROVER, approver))}
    facts = signer_facts(ids.values())
    people = {role: facts.get(i) if i else None for role, i in ids.items()}
    scopes = authorisation_scopes(institution_id)
    problems = signoff.check_signoff(
        on=on, kind_code=kind_code, regulation_code=regulation_code, region_code=region_code,
        institution_id=institution_id, scopes=scopes, verifier=people[signoff.VERIFIER],
        checker=people[signoff.CHECKER], approver=people[signoff.APPROVER])
    if problems:
        raise ValidationError(errors_by_field(problems))
    scope = signoff.scope_in_force(scopes, kind_code=kind_code, region_code=region_code, on=on)
    v, c, a = people[signoff.VERIFIER], people[signoff.CHECKER], people[signoff.APPROVER]
    return SignOff(v.id, c.id, a.id, v.name, c.name, a.name, scope.number if scope else "")


class BulkSignoff:
    """The same check for the bulk import: per institution, its people and its authorisations
    read once; the people of a row are named in the file by their names."""

    def __init__(self) -> None:
        self.signers: dict[int, InstitutionSigners] = {}
        self.scopes: dict[int, list[signoff.Scope]] = {}

    def check(self, *, institution_id: int, kind_code: str, regulation_code: str,
              region_code: str, on: datetime.date, names: dict[str, str],
              institution_field: str) -> tuple[list[tuple[str, str]], SignOff | None]:
        """``names`` maps verifier / checker / approver to the names in the row. Returns the
        row's errors as (column, message) and, when there are none, the sign-off."""
        signers = self.signers.get(institution_id)
        if signers is None:
            signers = self.signers[institution_id] = InstitutionSigners(institution_id)
            self.scopes[institution_id] = authorisation_scopes(institution_id)
        errors: list[tuple[str, str]] = []
        people: dict[str, signoff.Person | None] = {}
        for role in signoff.ROLES:
            found = signers.find(names.get(role, ""))
            if found is False:
                errors.append((names_column(role), problem_message(signoff.Problem(
                    role, "person.missing"))))
                found = None
            people[role] = found
        problems = signoff.check_signoff(
            on=on, kind_code=kind_code, regulation_code=regulation_code, region_code=region_code,
            institution_id=institution_id, scopes=self.scopes[institution_id],
            verifier=people[signoff.VERIFIER], checker=people[signoff.CHECKER],
            approver=people[signoff.APPROVER])
        for problem in problems:
            column = names_column(problem.field) if problem.field in FIELDS else institution_field
            errors.append((column, problem_message(problem)))
        if errors:
            return errors, None
        scope = signoff.scope_in_force(self.scopes[institution_id], kind_code=kind_code,
                                       region_code=region_code, on=on)
        v, c, a = people[signoff.VERIFIER], people[signoff.CHECKER], people[signoff.APPROVER]
        return [], SignOff(v.id, c.id, a.id, v.name, c.name, a.name,
                           scope.number if scope else "")


def names_column(role: str) -> str:
    """The import's column of each role."""
    return {signoff.VERIFIER: "verifier_name", signoff.CHECKER: "checker_name",
            signoff.APPROVER: "approver_name"}[role]
