"""The sign-off check as the registry asks it: the institution's authorised scope and the three
people, read from the database and judged by ``jiliang.rules.signoff.check_signoff``.

The registry's form and API gather a record's facts with ``signers_for`` (through
``verification_record``); its bulk import with ``BulkSignoff.facts`` once a row, the
institution's people and authorisations read once per import. Both are judged by
``jiliang.rules.verification.check_record``.
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


def signers_for(*, institution_id: int, verifier, checker,
                approver) -> tuple[dict[str, signoff.Person | None], list[signoff.Scope]]:
    """The facts of one record's sign-off: the three people named (by id or Person) and the
    institution's authorised scopes, for ``rules.verification.check_record`` to judge."""
    ids = {role: _id(v) for role, v in ((signoff.VERIFIER, verifier),
                                         (signoff.CHECKER, checker),
                                         (signoff.APPROVER, approver))}
    facts = signer_facts(ids.values())
    people = {role: facts.get(i) if i else None for role, i in ids.items()}
    return people, authorisation_scopes(institution_id)


def signed(people: dict[str, signoff.Person | None], scopes: list[signoff.Scope], *,
           kind_code: str, region_code: str, on: datetime.date) -> SignOff:
    """What the record keeps of a sign-off the check passed."""
    scope = signoff.scope_in_force(scopes, kind_code=kind_code, region_code=region_code, on=on)
    v, c, a = people[signoff.VERIFIER], people[signoff.CHECKER], people[signoff.APPROVER]
    return SignOff(v.id, c.id, a.id, v.name, c.name, a.name, scope.number if scope else "")


def signoff_or_raise(*, institution_id: int, kind_code: str, regulation_code: str,
                     region_code: str, on: datetime.date, verifier, checker,
                     approver) -> SignOff:
    """The sign-off of one record, or a ValidationError naming each field and rule."""
    people, scopes = signers_for(institution_id=institution_id, verifier=verifier,
                                 checker=checker, approver=approver)
    problems = signoff.check_signoff(
        on=on, kind_code=kind_code, regulation_code=regulation_code, region_code=region_code,
        institution_id=institution_id, scopes=scopes, verifier=people[signoff.VERIFIER],
        checker=people[signoff.CHECKER], approver=people[signoff.APPROVER])
    if problems:
        raise ValidationError(errors_by_field(problems))
    return signed(people, scopes, kind_code=kind_code, region_code=region_code, on=on)


class BulkSignoff:
    """The facts for the bulk import: per institution, its people and its authorisations read
    once; the people of a row are named in the file by their names."""

    def __init__(self) -> None:
        self.signers: dict[int, InstitutionSigners] = {}
        self.scopes: dict[int, list[signoff.Scope]] = {}

    def facts(self, *, institution_id: int, names: dict[str, str]) -> tuple[
            list[tuple[str, str]], dict[str, signoff.Person | None], list[signoff.Scope]]:
        """``names`` maps verifier / checker / approver to the names in the row. Returns the
        names not found among the institution's people, as (column, message), the people found
        and the institution's scopes."""
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
        return errors, people, self.scopes[institution_id]


def names_column(role: str) -> str:
    """The import's column of each role."""
    return {signoff.VERIFIER: "verifier_name", signoff.CHECKER: "checker_name",
            signoff.APPROVER: "approver_name"}[role]
