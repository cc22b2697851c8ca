"""Evidence on a verification record: seals or the mark, the legally relevant software and its
checksum, the event counter or audit-trail reading, the values found and left; and where and how
the verification was done (laboratory, on site, remote).

Pure functions over plain data (``data/verification_evidence.json``). ``evidence_errors`` returns
every reason a record's evidence may not stand, each with the field it concerns;
``evidence_findings`` compares what a verification found with what the one before it left: a
counter that moved, a checksum or a software version that changed, seals that are not those left,
with no verification in between, is a finding (OIML D 31:2019, WELMEC 7.2: the event counter and
the audit trail record every change of a legally relevant parameter).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

DATA = Path(__file__).resolve().parent / "data" / "verification_evidence.json"
LABORATORY, ON_SITE, REMOTE = "laboratory", "on_site", "remote"
FIRST = "first"
CHECKSUM = re.compile(r"^[0-9A-Za-z+/=:_-]{4,128}$")
SEAL = re.compile(r"^[^\x00-\x1f]{1,40}$")
MAX_SEALS = 20

COUNTER_MOVED = "counter_moved"
CHECKSUM_CHANGED = "checksum_changed"
VERSION_CHANGED = "version_changed"
SEALS_CHANGED = "seals_changed"
FINDING_KINDS = (COUNTER_MOVED, CHECKSUM_CHANGED, VERSION_CHANGED, SEALS_CHANGED)


@cache
def data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def method_codes() -> tuple[str, ...]:
    return tuple(m["code"] for m in data()["methods"])


@cache
def seal_form_codes() -> tuple[str, ...]:
    return tuple(m["code"] for m in data()["seal_forms"])


def software_controlled(kind_code: str) -> bool | None:
    """True where the data says the kind is software-controlled; None where it is not known."""
    found = data()["software_controlled"].get(kind_code)
    return None if found is None else found["value"]


@dataclass(frozen=True)
class Reading:
    """What was read on the instrument at one moment (found or left)."""

    seals: tuple[str, ...] = ()
    software_version: str = ""
    checksum: str = ""
    counter: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.seals or self.software_version or self.checksum
                    or self.counter is not None)


@dataclass(frozen=True)
class Evidence:
    method: str = LABORATORY
    remote_data: str = ""
    remote_standard: str = ""
    mark: str = ""
    seal_form: str = ""
    audit_trail: str = ""
    found: Reading = field(default_factory=Reading)
    left: Reading = field(default_factory=Reading)


def evidence_errors(ev: Evidence, *, verification_type: str, passed: bool,
                    remote_allowed: bool, kind: str = "", regulation: str = ""
                    ) -> list[tuple[str, RuleError]]:
    """(field, error) for every reason the evidence may not stand; empty when it may. ``kind``
    and ``regulation`` name the instrument's kind and the regulation in the remote refusal."""
    out = _method_errors(ev, remote_allowed=remote_allowed, kind=kind, regulation=regulation)
    if verification_type == FIRST and not ev.found.empty:
        out.append(("counter_found", RuleError(
            "evidence.found_on_first", "a first verification has no values found before it")))
    for name, reading in (("found", ev.found), ("left", ev.left)):
        out += _reading_errors(name, reading)
    if (ev.found.counter is not None and ev.left.counter is not None
            and ev.left.counter < ev.found.counter):
        out.append(("counter_left", RuleError(
            "evidence.counter_down", "the counter left ({left}) is below the counter found "
            "({found}): an event counter does not go back", left=ev.left.counter,
            found=ev.found.counter)))
    if passed and ev.method != REMOTE and not (ev.left.seals or ev.mark):
        out.append(("seals_left", RuleError(
            "evidence.unsealed", "a pass leaves the instrument sealed: give the seals or the mark")))
    return out


def _method_errors(ev: Evidence, *, remote_allowed: bool, kind: str,
                   regulation: str) -> list[tuple[str, RuleError]]:
    """Where and how: a known method and form of mark; a remote one allowed and documented."""
    out: list[tuple[str, RuleError]] = []
    if ev.method not in method_codes():
        out.append(("method", RuleError("evidence.method", "choose laboratory, on site or remote")))
    if ev.seal_form and ev.seal_form not in seal_form_codes():
        out.append(("seal_form", RuleError("evidence.seal_form", "unknown form of mark")))
    if ev.method != REMOTE:
        if ev.remote_data or ev.remote_standard:
            out.append(("remote_data", RuleError(
                "evidence.not_remote", "remote data belongs to a remote verification")))
        return out
    if not remote_allowed:
        out.append(("method", RuleError(
            "evidence.remote_not_allowed",
            "remote verification is not allowed for {kind} under {regulation}",
            kind=kind or "—", regulation=regulation or "—")))
    if not ev.remote_data:
        out.append(("remote_data", RuleError(
            "evidence.remote_data", "a remote verification names the remote data it rests on")))
    if not ev.remote_standard:
        out.append(("remote_standard", RuleError(
            "evidence.remote_standard",
            "a remote verification names the standard used at the other end")))
    return out


def _reading_errors(name: str, reading: Reading) -> list[tuple[str, RuleError]]:
    """The seals, checksum, software version and counter read (found or left)."""
    out: list[tuple[str, RuleError]] = []
    if len(reading.seals) > MAX_SEALS:
        out.append((f"seals_{name}", RuleError("evidence.seals_many", "at most {n} seals",
                                               n=MAX_SEALS)))
    if any(not SEAL.match(s) for s in reading.seals):
        out.append((f"seals_{name}", RuleError(
            "evidence.seal", "a seal number has 1 to 40 characters")))
    if reading.checksum and not CHECKSUM.match(reading.checksum):
        out.append((f"checksum_{name}", RuleError(
            "evidence.checksum", "a checksum is 4 to 128 letters, digits or + / = : _ -")))
    if len(reading.software_version) > 60:
        out.append((f"software_version_{name}", RuleError(
            "evidence.version", "a software version has at most 60 characters")))
    if reading.counter is not None and reading.counter < 0:
        out.append((f"counter_{name}", RuleError("evidence.counter",
                                                 "a counter is a whole number, 0 or more")))
    return out


@dataclass(frozen=True)
class Finding:
    kind: str
    before: object
    after: object


def evidence_findings(previous_left: Reading | None, found: Reading) -> list[Finding]:
    """What changed between the values the previous verification left and those this one found
    (no verification in between): each is a finding. Values not read on either side are not
    compared."""
    if previous_left is None:
        return []
    out = []
    if previous_left.counter is not None and found.counter is not None \
            and found.counter != previous_left.counter:
        out.append(Finding(COUNTER_MOVED, previous_left.counter, found.counter))
    if previous_left.checksum and found.checksum and \
            found.checksum.lower() != previous_left.checksum.lower():
        out.append(Finding(CHECKSUM_CHANGED, previous_left.checksum, found.checksum))
    if previous_left.software_version and found.software_version and \
            found.software_version != previous_left.software_version:
        out.append(Finding(VERSION_CHANGED, previous_left.software_version,
                           found.software_version))
    if previous_left.seals and found.seals and set(found.seals) != set(previous_left.seals):
        out.append(Finding(SEALS_CHANGED, list(previous_left.seals), list(found.seals)))
    return out
