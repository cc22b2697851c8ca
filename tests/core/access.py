from jiliang.core import permissions
from jiliang.core.models import Role
from jiliang.core.services import api_token_issue, invitation_issue, user_create
from tests.access import Marker, Sample


def samples(world):
    p = world.personas
    out = []
    for key in ("acme", "bj_enterprise", "gd_institute", "bj_institute"):
        org = p.orgs[key]
        owned = {"region_code": org.region_code, "orgs": (org.pk,)}
        world.markers.append(Marker(org.name, org.region_code, (org.pk,)))
        out += [
            Sample("core:organisation-detail", {"pk": org.pk}, **owned),
            Sample("core:organisation-edit", {"pk": org.pk}, region_code=org.region_code,
                   allowed=lambda u, o=org: u.is_bureau and u.scope.covers_region(o.region_code)),
            Sample("core:user-create", {"pk": org.pk}, region_code=org.region_code,
                   allowed=lambda u, o=org: bool(permissions.grants_in(u, o, how="account"))),
            Sample("core:invitation-create", {"pk": org.pk}, region_code=org.region_code,
                   allowed=lambda u, o=org: bool(permissions.grants_in(u, o, how="invitation"))),
            Sample("jiliang_core_api_organisation_detail", {"org_id": org.pk}, **owned),
            Sample("jiliang_core_api_organisation_change", {"org_id": org.pk}, **owned),
            Sample("jiliang_core_api_user_create", {"org_id": org.pk}, **owned),
            Sample("jiliang_core_api_invitation_issue", {"org_id": org.pk}, **owned),
        ]
    token, _key = api_token_issue(actor=p.acme, name="matrix")
    out.append(Sample("core:token-revoke", {"pk": token.pk}, orgs=(p.orgs["acme"].pk,),
                      allowed=lambda u: u.username == "acme"))
    out.append(Sample("jiliang_core_api_region_detail", {"code": "440106"},
                      allowed=lambda u: True))
    # An account of a Beijing institution, for the member actions (POST only).
    bj_institute = p.orgs["bj_institute"]
    member = user_create(actor=None, username="bj_member_matrix", password="matrix-pass-1",
                         organisation=bj_institute, role=Role.VERIFIER)
    owned = {"region_code": bj_institute.region_code, "orgs": (bj_institute.pk,)}
    for name in ("core:member-suspend", "core:member-reinstate", "core:member-revoke",
                 "core:member-role"):
        out.append(Sample(name, {"pk": member.pk}, **owned))
    for name in ("jiliang_core_api_user_role_grant", "jiliang_core_api_user_role_revoke",
                 "jiliang_core_api_user_suspend", "jiliang_core_api_user_reinstate"):
        out.append(Sample(name, {"user_id": member.pk}, **owned))
    _invitation, key = invitation_issue(actor=p.bj_clerk, organisation=p.orgs["bj_enterprise"])
    out.append(Sample("core:invitation-accept", {"key": key}, allowed=lambda u: True))
    return out
