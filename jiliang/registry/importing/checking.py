"""Every check of a row: in the reading thread without the database (``Checker.check_local``),
then against the organisations, the institution's register of standards and its people."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.catalog import type_approval
from jiliang.catalog.models import InstrumentKind
from jiliang.catalog.selectors import TermResolver, catalogue_version_code
from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, Region, Role
from jiliang.core.validation import IDENTIFIER_MESSAGES, rule_message
from jiliang.people.signing import BulkSignoff, signed
from jiliang.registry import hooks, recordcheck, services
from jiliang.registry.evidence import remote_allowances
from jiliang.registry.importing.reading import (
    MEDIUMS,
    NO,
    RECORD_KEYS,
    STATUSES,
    USES,
    YES,
    BadRowError,
    Good,
    read_date,
    read_record,
)
from jiliang.rules import RuleError, signoff
from jiliang.rules import evidence as evidence_rules
from jiliang.rules import verification as rules
from jiliang.rules.identifiers import uscc_validate

# Where the one record check's fields land among the import's columns.
IMPORT_FIELDS = {"standard": "standard_identifier", "reference_lots": "standard_identifier",
                 "verifier": "verifier_name", "checker": "checker_name",
                 "approver": "approver_name", "institution": "institution_credit_code"}


class Checker:
    """Checks rows against everything known without touching the tables being loaded.

    ``check_local`` needs no database (it runs in the reading thread);
    ``check_orgs`` looks up the organisations named by credit code.
    """

    def __init__(self, actor) -> None:
        self.actor = actor
        self.today = timezone.localdate()
        self.regions = dict(Region.objects.values_list("code", "level"))
        self.kinds = {k.code: k for k in InstrumentKind.objects.all()}
        self.resolver = TermResolver()
        self.catalogue_version = catalogue_version_code(self.today)  # catalogue (#14)
        self.orgs: dict[str, tuple[int, str, str] | None] = {}
        self.valid_codes: dict[str, str | None] = {}
        self.raw_codes: dict[str, str] = {}
        self.seen_records: dict[tuple, int] = {}
        self.seen_instruments: dict[tuple, int] = {}
        self.signoff = BulkSignoff()
        # Traceability (issue 12): each institution's standards, loaded once per import.
        self.registered = apps.is_installed("jiliang.traceability")
        self.registers: dict[int, object] = {}
        self.remote = remote_allowances()  # issue 18: kinds that may be verified remotely
        self.mode, self.own_org = self._mode(actor)
        self.own_code = self.own_org.credit_code if self.own_org else None
        self.scope = actor.scope if actor is not None else None

    @staticmethod
    def _mode(actor) -> tuple[str, Organisation | None]:
        if actor is None:
            return "system", None
        org = actor.organisation
        if actor.role == Role.NATIONAL_ADMIN or (actor.is_bureau and org is not None):
            return "bureau", org
        if actor.role == Role.ENTERPRISE_USER and org is not None:
            return "enterprise", org
        if actor.role in (Role.VERIFIER, Role.INSTITUTION_MANAGER) and services.is_legal_institution(org):
            return "institution", org
        raise PermissionDenied(_("Your role does not import into the registry."))

    # In the reading thread ----------------------------------------------------------------
    def _credit(self, text: str, key: str, errors: list) -> str:
        code = self.raw_codes.get(text)
        if code is None:
            code = self.raw_codes[text] = text.strip().upper()
        problem = self.valid_codes.get(code, False)
        if problem is False:
            try:
                uscc_validate(code)
                problem = None
            except RuleError as error:
                problem = rule_message(error, IDENTIFIER_MESSAGES)
            self.valid_codes[code] = problem
        if problem:
            errors.append((key, problem))
        return code

    def check_local(self, row: int, raw: dict[str, str]) -> Good:
        """Every check of a row that needs no database, in named steps; the row's errors
        together, or a Good."""
        for key, value in raw.items():
            if "\x00" in value:
                raise BadRowError([(key, _("This cell holds a NUL character."))])
        errors: list[tuple[str, str]] = []
        good = Good(row)
        self._owner_kind_use(raw, good, errors)
        self._place(raw, good, errors)
        self._particulars(raw, good, errors)
        if any(raw[k] for k in RECORD_KEYS):
            good.rec = self._check_record(raw, good, errors)
        elif self.mode == "institution":
            errors.append(("verified_on", _("An institution imports its verifications: fill in "
                                            "the verification columns.")))
        if errors:
            raise BadRowError(errors)
        good.key = (good.owner_code, good.kind.pk, good.serial)
        self._first_in_file(good)
        return good

    def _owner_kind_use(self, raw: dict, good: Good, errors: list) -> None:
        good.owner_code = self._credit(raw["owner_credit_code"], "owner_credit_code", errors)
        if self.mode == "enterprise" and good.owner_code != self.own_code:
            errors.append(("owner_credit_code", _("An enterprise imports only its own "
                                                  "instruments.")))
        kind = good.kind = self.kinds.get(raw["kind"].strip())
        if kind is None:
            errors.append(("kind", _("Not a kind of the catalogue (use the codes on the catalogue "
                                     "page, e.g. water_meter).")))
        text = raw["use"].strip()
        use = good.use = USES.get(text) or USES.get(text.lower())
        if use is None:
            errors.append(("use", _("Choose the use: trade settlement, safety protection, medical "
                                    "care or environmental monitoring.")))
        elif kind is not None and kind.uses and use not in kind.uses:
            errors.append(("use", _("A %(kind)s is under compulsory verification only when used "
                                    "for %(uses)s.") % {"kind": kind.name,
                                                        "uses": ", ".join(kind.use_labels())}))
        good.serial = raw["serial_number"].strip()
        if not good.serial or len(good.serial) > 64:
            errors.append(("serial_number", _("Give the serial number (at most 64 characters).")))

    def _place(self, raw: dict, good: Good, errors: list) -> None:
        region = good.region = raw["region_code"].strip()
        level = self.regions.get(region)
        if level is None:
            errors.append(("region_code", _("Not a division code of the GB/T 2260 table.")))
        elif level == 1:
            errors.append(("region_code", _("Give the city or county division, not the "
                                            "province.")))
        elif self.mode == "bureau" and not self.scope.covers_region(region):
            errors.append(("region_code", _("Outside your region.")))

    def _particulars(self, raw: dict, good: Good, errors: list) -> None:
        kind = good.kind
        size = raw["nominal_size"].strip()
        good.size = None
        if size:
            try:
                good.size = services.parse_size(size)
            except ValidationError as error:
                errors.append(("nominal_size", error.message_dict["nominal_size"][0]))
        elif kind is not None and kind.size_param:
            errors.append(("nominal_size", _("Give the nominal size (%(param)s): the mode and "
                                             "period depend on it.") % {"param": kind.size_param}))
        household = raw["household"].strip().lower()
        if household not in YES and household not in NO:
            errors.append(("household", _("Enter yes or no.")))
        good.household = household in YES
        medium = MEDIUMS.get(raw["medium"].strip())
        if medium is None:
            errors.append(("medium", _("Choose natural_gas or other_gas.")))
        elif kind is not None and not medium and self.resolver.needs_medium(kind.code):
            errors.append(("medium", _("Say whether the gas meter measures natural gas or another "
                                       "gas.")))
        good.medium = medium or ""
        status = STATUSES.get(raw["status"].strip().lower())
        if status is None:
            errors.append(("status", _("Choose in_use, stopped, scrapped or replaced.")))
        good.status = status or "in_use"
        good.first_use_on = read_date(raw["first_use_on"].strip(), "first_use_on", errors)
        if good.first_use_on and good.first_use_on > self.today:
            errors.append(("first_use_on", _("The date of first use cannot be in the future.")))
        approval_no = " ".join(raw["type_approval_no"].split()).upper()
        if approval_no and (problem := type_approval.check_number(approval_no)):  # catalogue (#14)
            errors.append(("type_approval_no", str(type_approval.NUMBER_MESSAGES[problem])))
        good.values = (raw["manufacturer"][:200], raw["model"][:100], raw["measuring_range"][:100],
                       raw["accuracy_class"][:20], approval_no[:40], raw["address"][:300])

    def _first_in_file(self, good: Good) -> None:
        """An instrument, or an institution's certificate number, once in the file."""
        if good.rec is None:
            earlier = self.seen_instruments.get(good.key)
            if earlier is not None:
                raise BadRowError([("serial_number", _("The same instrument is on row %(row)s "
                                                       "already.") % {"row": earlier})])
            self.seen_instruments[good.key] = good.row
            return
        cert_key = (good.inst_code, good.rec["certificate_no"])
        earlier = self.seen_records.get(cert_key)
        if earlier is not None:
            raise BadRowError([("certificate_no", _(
                "Certificate number %(no)s of this institution is on row %(row)s "
                "already.") % {"no": good.rec["certificate_no"], "row": earlier})])
        self.seen_records[cert_key] = good.row

    def _institution(self, raw: dict, good: Good, errors: list) -> None:
        code = raw["institution_credit_code"].strip()
        if not code and self.mode == "institution":
            good.inst_code = self.own_code
        elif not code:
            errors.append(("institution_credit_code", _("Name the verification institution.")))
        else:
            good.inst_code = self._credit(code, "institution_credit_code", errors)
            if self.mode == "institution" and good.inst_code != self.own_code:
                errors.append(("institution_credit_code", _(
                    "An institution imports only its own verifications.")))

    def _check_record(self, raw: dict, good: Good, errors: list) -> dict | None:
        """The row's verification read from its cells, and judged by the one record check
        (``rules.verification.check_record``) on its own fields; the standard and the sign-off
        are judged in ``check_orgs``, once the institution's register is loaded."""
        if self.mode == "enterprise":
            errors.append(("institution_credit_code", _(
                "Verifications are recorded by verification institutions; leave these columns "
                "empty.")))
            return None
        self._institution(raw, good, errors)
        unreadable: list[tuple[str, str]] = []
        rec = read_record(raw, unreadable)
        errors += unreadable
        kind = good.kind
        facts = rules.RecordFacts(
            today=self.today, verified_on=rec["verified_on"],
            verification_type=rec["verification_type"], conclusion=rec["conclusion"],
            failed_items=rec["failed_items"], certificate_no=rec["certificate_no"],
            valid_until=rec["valid_until"], regulation_code=rec["regulation_code"],
            regulations=frozenset(self.resolver.regulations.get(kind.code, ()))
            if kind is not None else None,
            edition=self.resolver.editions.get((kind.code, rec["regulation_code"]))
            if kind is not None else None,
            free_text_standard=not self.registered,
            standard_identifier=rec["standard_identifier"],
            standard_valid_until=rec["standard_valid_until"])
        read_badly = {key for key, _message in unreadable}
        found = rules.check_record(facts, evidence=self._evidence_check(rec, kind))
        errors += [e for e in recordcheck.row_errors(found, IMPORT_FIELDS)
                   if e[0] not in read_badly]
        return rec

    def _evidence_check(self, rec: dict, kind) -> rules.EvidenceCheck | None:
        """The evidence part of the one record check (issue 18), as the form's: a remote
        verification only for a kind (and regulation) on the list of allowances."""
        ev = rec["evidence"]
        if ev is None or kind is None:
            return None
        allowed = self.remote.get(kind.code, frozenset())
        return rules.EvidenceCheck(
            ev, verification_type=rec["verification_type"], passed=rec["conclusion"] == "pass",
            remote_allowed=ev.method != evidence_rules.REMOTE or "" in allowed
            or rec["regulation_code"] in allowed,
            kind=kind.name_zh, regulation=rec["regulation_code"])

    def decide(self, good: Good, first_verified_on: datetime.date) -> None:
        """The period rule and the dates of a row's verification."""
        rec = good.rec
        facts = rules.Facts(size=good.size, household=good.household,
                            accuracy_class=good.values[3], medium=good.medium,
                            adjusted=rec["adjusted"])
        found = self.resolver.resolve(good.kind.code, rec["regulation_code"], facts,
                                      good.region[:2])
        if found.rule is None:
            raise BadRowError([("regulation_code", _("No period rule of the catalogue covers "
                                                     "this instrument under this regulation."))])
        passed = rec["conclusion"] == "pass"
        try:
            good.outcome = rules.outcome(term=found.term, verified_on=rec["verified_on"],
                                         passed=passed, first_verified_on=first_verified_on,
                                         shortened_to=rec["valid_until"] if passed else None)
        except RuleError as error:
            raise BadRowError([("valid_until", rule_message(error, services.RULE_MESSAGES))]) from None
        good.rule, good.term = found.rule, found.term

    # In the merging thread ----------------------------------------------------------------
    def prefetch(self, goods: Iterable[Good]) -> None:
        wanted = set()
        for good in goods:
            for code in (good.owner_code, good.inst_code):
                if code and code not in self.orgs:
                    wanted.add(code)
        wanted = sorted(wanted)
        for start in range(0, len(wanted), 900):
            part = wanted[start:start + 900]
            for org in Organisation.objects.filter(credit_code__in=part).values(
                    "credit_code", "pk", "kind", "region_code"):
                self.orgs[org["credit_code"]] = (org["pk"], org["kind"], org["region_code"])
            for code in part:
                self.orgs.setdefault(code, None)

    def check_orgs(self, good: Good) -> None:
        errors = []
        owner = self.orgs.get(good.owner_code)
        if owner is None:
            errors.append(("owner_credit_code", _("No organisation with this credit code is on "
                                                  "file; register it first.")))
        elif owner[1] in BUREAU_KINDS:
            errors.append(("owner_credit_code", _("A bureau does not own instruments in this "
                                                  "registry.")))
        else:
            good.owner_id = owner[0]
        if good.rec is not None:
            errors += self._check_institution(good)
        if errors:
            raise BadRowError(errors)

    def _check_institution(self, good: Good) -> list[tuple[str, str]]:
        institution = self.orgs.get(good.inst_code)
        if institution is None:
            return [("institution_credit_code", _(
                "No organisation with this credit code is on file; register it first."))]
        if institution[1] != OrgKind.VERIFICATION_INSTITUTION:
            return [("institution_credit_code", _("Not a legal verification institution."))]
        good.rec["institution_id"] = institution[0]
        if good.kind is None or good.rec.get("verified_on") is None:
            return []
        return self._check_standard_and_signers(institution[0], good)

    def _check_standard_and_signers(self, institution_id: int,
                                    good: Good) -> list[tuple[str, str]]:
        """The one record check's register parts, per row: the standard (traceability, issue
        12: by its code or assessment certificate number among the institution's registered
        standards) and who signs (issue 13: people and authorised scope)."""
        rec, on, kind_code = good.rec, good.rec["verified_on"], good.kind.code
        missing, people, scopes = self.signoff.facts(institution_id=institution_id,
                                                     names=rec["names"])
        signers = rules.SignoffCheck(
            on=on, kind_code=kind_code, regulation_code=rec["regulation_code"],
            region_code=good.region, institution_id=institution_id, scopes=scopes,
            verifier=people[signoff.VERIFIER], checker=people[signoff.CHECKER],
            approver=people[signoff.APPROVER])
        reg = standard_id = standard = None
        if self.registered:
            reg = self.registers.get(institution_id)
            if reg is None:
                reg = self.registers[institution_id] = hooks.standards().Register.load(
                    owner_id=institution_id)
            standard_id = reg.find(rec["standard_identifier"])
            standard = rules.StandardCheck(
                facts=reg.facts(standard_id, on) if standard_id else None,
                institution_id=institution_id, kind_code=kind_code,
                instrument_range=good.values[2], on=on)
        errors = missing + recordcheck.row_errors(
            rules.check_record(standard=standard, signers=signers), IMPORT_FIELDS)
        if errors:
            return errors
        rec["sign"] = signed(people, scopes, kind_code=kind_code, region_code=good.region, on=on)
        if reg is not None:
            rec["standard_id"] = standard_id
            rec["standard_identifier"], rec["standard_valid_until"] = reg.identifier(
                standard_id, on)
        return []
