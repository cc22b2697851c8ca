"""Separation of duties: who may hold and who may grant each role (no Django).

data/role_grants.json declares the roles (rank, second factor), which roles a member of
each kind of organisation may hold, and, for each role, the roles its holder may grant,
where and how. Changing who grants what is a change of that data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

DATA = Path(__file__).resolve().parent / "data" / "role_grants.json"
WHERE = ("anywhere", "region", "own")
HOW = ("account", "invitation")
# Where the grantee's organisation stands from the grantor: the grantor's own organisation,
# another one inside the grantor's region, or one outside it.
OWN, IN_REGION, OUTSIDE = "own", "region", "outside"


@dataclass(frozen=True)
class Grant:
    role: str
    where: str
    how: str
    first_only: bool = False

    def reaches(self, relation: str) -> bool:
        if self.where == "anywhere":
            return True
        if self.where == "region":
            return relation in (OWN, IN_REGION)
        return relation == OWN


@dataclass(frozen=True)
class Roles:
    rank: Mapping[str, int]
    second_factor: frozenset[str]
    labels: Mapping[str, Mapping[str, str]]
    holders: Mapping[str, tuple[str, ...]]
    grants: Mapping[str, tuple[Grant, ...]]

    def grant(self, grantor_role: str, role: str) -> Grant | None:
        """What the holder of ``grantor_role`` may do about ``role``, or None."""
        return next((g for g in self.grants.get(grantor_role, ()) if g.role == role), None)


@cache
def roles() -> Roles:
    return parse(json.loads(DATA.read_text(encoding="utf-8")))


def parse(data: Mapping) -> Roles:
    """Read and check the declaration: every grant names a known role and never one ranked
    above the grantor's own."""
    declared = data["roles"]
    rank = {name: int(spec["rank"]) for name, spec in declared.items()}
    holders = {kind: tuple(names) for kind, names in data["holders"].items()}
    for kind, names in holders.items():
        for name in names:
            if name not in rank:
                raise ValueError(f"holders.{kind}: unknown role {name}")
    grants: dict[str, tuple[Grant, ...]] = {}
    for grantor, entries in data["grants"].items():
        if grantor not in rank:
            raise ValueError(f"grants: unknown grantor role {grantor}")
        found = []
        for entry in entries:
            grant = Grant(role=entry["role"], where=entry["where"], how=entry["how"],
                          first_only=bool(entry.get("first_only", False)))
            if grant.role not in rank:
                raise ValueError(f"grants.{grantor}: unknown role {grant.role}")
            if grant.where not in WHERE or grant.how not in HOW:
                raise ValueError(f"grants.{grantor}.{grant.role}: bad where/how")
            if rank[grant.role] > rank[grantor]:
                raise ValueError(f"grants.{grantor}: {grant.role} is ranked above the grantor")
            found.append(grant)
        grants[grantor] = tuple(found)
    return Roles(
        rank=rank,
        second_factor=frozenset(n for n, spec in declared.items() if spec.get("second_factor")),
        labels={n: spec.get("label", {}) for n, spec in declared.items()},
        holders=holders,
        grants=grants,
    )


def check_grant(
    *,
    grantor_role: str,
    role: str,
    org_kind: str,
    relation: str,
    how: str,
    holders_of_role: int = 0,
    table: Roles | None = None,
) -> Grant:
    """The grant that allows the holder of ``grantor_role`` to give ``role`` to a member of an
    organisation of ``org_kind`` standing at ``relation`` from them, ``how``; or RuleError.

    ``holders_of_role``: how many active accounts of that role the organisation has now.
    Codes: role.unknown, role.kind (the organisation's kind cannot hold it), grant.none (the
    grantor's role grants it nowhere), grant.where (not in that organisation), grant.how
    (not that way), grant.first_only (the organisation already has an account holder).
    """
    table = table or roles()
    if role not in table.rank:
        raise RuleError("role.unknown", "there is no role {role}", role=role)
    if role not in table.holders.get(org_kind, ()):
        raise RuleError("role.kind", "a member of a {kind} cannot hold {role}",
                        kind=org_kind, role=role)
    grant = table.grant(grantor_role, role)
    if grant is None:
        raise RuleError("grant.none", "a {grantor} grants no {role}",
                        grantor=grantor_role or "-", role=role)
    if not grant.reaches(relation):
        raise RuleError("grant.where", "a {grantor} grants {role} only {where}",
                        grantor=grantor_role, role=role, where=grant.where)
    if grant.how != how:
        raise RuleError("grant.how", "{role} is given by {how}", role=role, how=grant.how)
    if grant.first_only and holders_of_role > 0:
        raise RuleError("grant.first_only", "the organisation already has a {role}", role=role)
    return grant


def grantable(
    *, grantor_role: str, org_kind: str, relation: str, table: Roles | None = None
) -> list[Grant]:
    """Every grant the holder of ``grantor_role`` may make in such an organisation (before the
    first-only condition, which depends on the organisation's accounts)."""
    table = table or roles()
    return [g for g in table.grants.get(grantor_role, ())
            if g.role in table.holders.get(org_kind, ()) and g.reaches(relation)]


def requires_second_factor(role: str) -> bool:
    return role in roles().second_factor
