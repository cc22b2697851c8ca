"""Every read of regions, organisations and the ledger, narrowed to the caller's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from jiliang.audit.models import LedgerEntry
from jiliang.core.models import BUREAU_KINDS, ApiToken, Invitation, Organisation, Region, User


def region_list(*, parent: str | None = None, level: int | None = None, q: str = "") -> QuerySet:
    """Regions are public reference data: no scope."""
    qs = Region.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs


def region_detail(code: str) -> Region:
    region = Region.objects.select_related("parent__parent").filter(code=code).first()
    if region is None:
        raise Http404
    return region


def organisation_list(
    user: User,
    *,
    kind: str = "",
    region: str = "",
    q: str = "",
) -> QuerySet:
    qs = user.scope.filter(Organisation.objects.select_related("region"), orgs=("pk",))
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region_code__startswith=region)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code__startswith=q.upper()))
    return qs.order_by("region_code", "name", "pk")


def organisations_nameable(user: User, kinds=()) -> QuerySet:
    """The organisations a look-up field of ``kinds`` may name: in the user's scope, of those
    kinds, with a credit code — but for bureaus, which carry none, where the field asks for a
    bureau kind (they are named by name or division code, ``bureau_code_match``)."""
    bureaus = [k for k in kinds if k in BUREAU_KINDS]
    no_code = Q(credit_code__isnull=True) | Q(credit_code="")
    qs = organisation_list(user)
    qs = qs.exclude(no_code, ~Q(kind__in=bureaus)) if bureaus else qs.exclude(no_code)
    return qs.filter(kind__in=kinds) if kinds else qs


def bureau_code_match(kinds, typed: str, *, prefix: bool) -> Q:
    """A bureau named by its division code (typed whole, or its start for a look-up), where
    the field asks for a bureau kind; nothing otherwise."""
    bureaus = [k for k in kinds if k in BUREAU_KINDS]
    if not (bureaus and typed.isascii() and typed.isdigit()):
        return Q(pk__in=[])
    return Q(kind__in=bureaus, **{"region_code__startswith" if prefix else "region_code": typed})


def organisation_detail(user: User, pk: int) -> Organisation:
    org = organisation_list(user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def organisation_members(user: User, organisation: Organisation) -> QuerySet:
    return User.objects.filter(organisation=organisation).order_by("username")


def member_detail(user: User, pk: int) -> User:
    """An account of an organisation the caller sees (404 otherwise)."""
    member = (User.objects.select_related("organisation")
              .filter(pk=pk, organisation__in=organisation_list(user).values("pk")).first())
    if member is None:
        raise Http404
    return member


def invitation_list(user: User, organisation: Organisation) -> QuerySet:
    """The invitations to an organisation the caller sees, newest first."""
    return Invitation.objects.filter(organisation=organisation).select_related(
        "invited_by", "accepted_by").order_by("-created_at")


def ledger_list(user: User, *, action: str = "", object_type: str = "", actor: str = "",
                since=None, until=None, q: str = "") -> QuerySet:
    """The ledger entries of the caller's region (bureaus) or of the caller's organisation;
    filtered by action (its code's start), object type, actor's name, dates and ``q`` (the
    object's id or the action code)."""
    scope = user.scope
    qs = LedgerEntry.objects.all()
    if scope.everything:
        pass
    elif scope.region_prefix is not None:
        qs = qs.filter(chain_key=scope.region_prefix[:2],
                       region_code__startswith=scope.region_prefix)
    elif scope.organisation_id is not None:
        qs = qs.filter(organisation_id=scope.organisation_id)
    else:
        qs = qs.none()
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_name__contains=actor)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    if q:
        qs = qs.filter(Q(object_id=q) | Q(action__startswith=q))
    return qs.order_by("-at", "-id")


def ledger_recent(user: User, *, limit: int = 8) -> list:
    """The latest changes for the desk, repeated lines folded: among the latest entries, one
    line per actor, action and kind of object (the newest), with how many times it happened."""
    out: dict[tuple, object] = {}
    for entry in ledger_list(user)[: limit * 10]:
        key = (entry.actor_name, entry.action, entry.object_type)
        if key in out:
            out[key].repeat += 1
            continue
        if len(out) == limit:
            continue
        entry.repeat = 1
        out[key] = entry
    return list(out.values())


def api_token_list(user: User) -> QuerySet:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
