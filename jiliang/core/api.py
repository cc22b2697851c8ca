"""Regions (public reference data) and organisations (scoped)."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from jiliang.core import selectors, services
from jiliang.core.models import OrgKind, Role
from jiliang.core.params import ApiPage
from jiliang.core.web import CappedPaginator

PREFIX = "/"
router = Router()


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = Field(None, alias="parent_id")


class RegionFilter(Schema):
    parent: str | None = None
    level: int | None = Field(None, ge=1, le=3)
    q: str = ""


class Page(PageNumberPagination):
    """Pages of a list. As on the pages (``core.web.CappedPaginator``), ``count`` stops at
    COUNT_CAP + 1 and ``capped`` says so: a national list is never counted to the end."""

    class Input(Schema):
        page: ApiPage = 1
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        capped: bool

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        paginator = CappedPaginator(queryset, pagination.page_size)
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": paginator.count,
            "capped": paginator.capped,
        }


@router.get("/regions", response=list[RegionOut], auth=None, tags=["regions"])
@paginate(Page)
def region_list(request, filters: Query[RegionFilter]):
    """GB/T 2260 divisions; public. Filter by parent code, level (1-3) or name."""
    return selectors.region_list(parent=filters.parent, level=filters.level, q=filters.q)


@router.get("/regions/{code}", response=RegionOut, auth=None, tags=["regions"])
def region_detail(request, code: str):
    return selectors.region_detail(code)


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    region_code: str
    credit_code: str | None
    enterprise_roles: list[str]
    address: str
    is_active: bool


class OrganisationFilter(Schema):
    kind: OrgKind | None = None
    region: str = Field("", pattern=r"^\d{0,6}$", description="division-code prefix, e.g. 4401")
    q: str = ""


class OrganisationIn(Schema):
    kind: OrgKind
    name: str = Field(..., max_length=200)
    region_code: str
    credit_code: str | None = None
    enterprise_roles: list[str] = []
    address: str = Field("", max_length=300)
    contact: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)


class OrganisationPatch(Schema):
    name: str | None = Field(None, max_length=200)
    region_code: str | None = None
    credit_code: str | None = None
    enterprise_roles: list[str] | None = None
    address: str | None = Field(None, max_length=300)
    contact: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    is_active: bool | None = None


@router.get("/organisations", response=list[OrganisationOut], tags=["organisations"])
@paginate(Page)
def organisation_list(request, filters: Query[OrganisationFilter]):
    """Organisations in the caller's scope."""
    return selectors.organisation_list(
        request.user, kind=filters.kind or "", region=filters.region, q=filters.q
    )


@router.get("/organisations/{id:org_id}", response=OrganisationOut, tags=["organisations"])
def organisation_detail(request, org_id: int):
    return selectors.organisation_detail(request.user, org_id)


def _require_bureau(user) -> None:
    if user.role not in (Role.NATIONAL_ADMIN, Role.BUREAU_CLERK, Role.BUREAU_HEAD):
        raise PermissionDenied(_("Only bureaus register and change organisations."))


@router.post("/organisations", response={201: OrganisationOut}, tags=["organisations"])
def organisation_create(request, payload: OrganisationIn):
    _require_bureau(request.user)
    org = services.organisation_register(actor=request.user, **payload.dict())
    return 201, org


@router.patch("/organisations/{id:org_id}", response=OrganisationOut, tags=["organisations"])
def organisation_change(request, org_id: int, payload: OrganisationPatch):
    _require_bureau(request.user)
    org = selectors.organisation_detail(request.user, org_id)
    changes = payload.dict(exclude_unset=True)
    return services.organisation_update(actor=request.user, organisation=org, **changes)


class MeOut(Schema):
    username: str
    role: str
    organisation: OrganisationOut | None


@router.get("/me", response=MeOut, tags=["account"])
def me(request):
    """Who the token or session belongs to."""
    return request.user


# --- Accounts: grants, invitations, suspensions (role_grants.json decides who may) -----------

class UserOut(Schema):
    id: int
    username: str
    role: str
    organisation_id: int | None
    is_active: bool


class UserIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    role: Role
    full_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)


class InvitationIn(Schema):
    role: Role = Role.ENTERPRISE_USER
    full_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)


class InvitationOut(Schema):
    id: int
    role: str
    organisation_id: int
    expires_at: str
    key: str
    url: str


class RoleIn(Schema):
    role: Role


def _org_for_grant(request, org_id: int, action: str, role: str = ""):
    try:
        return selectors.organisation_detail(request.user, org_id)
    except Http404:
        services.grant_refused(actor=request.user, action=action, organisation_id=org_id,
                               role=role, reason="scope")
        raise


@router.post("/organisations/{id:org_id}/users", response={201: UserOut}, tags=["accounts"])
def user_create(request, org_id: int, payload: UserIn):
    """Grant a role by opening an account (only as role_grants.json allows the caller)."""
    org = _org_for_grant(request, org_id, "user.create", payload.role)
    user = services.user_create(actor=request.user, organisation=org, **payload.dict())
    return 201, user


@router.post("/organisations/{id:org_id}/invitations", response={201: InvitationOut},
             tags=["accounts"])
def invitation_issue(request, org_id: int, payload: InvitationIn):
    """Invite a person to open an account; the key is in this answer only."""
    org = _org_for_grant(request, org_id, "invitation.issue", payload.role)
    invitation, key = services.invitation_issue(actor=request.user, organisation=org,
                                                **payload.dict())
    url = request.build_absolute_uri(reverse("core:invitation-accept", args=[key]))
    return 201, {"id": invitation.pk, "role": invitation.role, "organisation_id": org.pk,
                 "expires_at": invitation.expires_at.isoformat(), "key": key, "url": url}


@router.put("/users/{id:user_id}/role", response=UserOut, tags=["accounts"])
def user_role_grant(request, user_id: int, payload: RoleIn):
    member = services.member_in_sight(actor=request.user, user_id=user_id, action="user.role_grant")
    return services.user_role_grant(actor=request.user, user=member, role=payload.role)


@router.delete("/users/{id:user_id}/role", response=UserOut, tags=["accounts"])
def user_role_revoke(request, user_id: int):
    member = services.member_in_sight(actor=request.user, user_id=user_id,
                                      action="user.role_revoke")
    return services.user_role_revoke(actor=request.user, user=member)


@router.post("/users/{id:user_id}/suspend", response=UserOut, tags=["accounts"])
def user_suspend(request, user_id: int):
    member = services.member_in_sight(actor=request.user, user_id=user_id,
                                      action="user.account_suspend")
    return services.user_suspend(actor=request.user, user=member)


@router.post("/users/{id:user_id}/reinstate", response=UserOut, tags=["accounts"])
def user_reinstate(request, user_id: int):
    member = services.member_in_sight(actor=request.user, user_id=user_id,
                                      action="user.account_reinstate")
    return services.user_reinstate(actor=request.user, user=member)
