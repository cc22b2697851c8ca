from jiliang.core.services import api_token_issue
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
                   allowed=lambda u, o=org: u.is_bureau and u.scope.covers_region(o.region_code)),
            Sample("jiliang_core_api_organisation_detail", {"org_id": org.pk}, **owned),
            Sample("jiliang_core_api_organisation_change", {"org_id": org.pk}, **owned),
        ]
    token, _key = api_token_issue(actor=p.acme, name="matrix")
    out.append(Sample("core:token-revoke", {"pk": token.pk}, orgs=(p.orgs["acme"].pk,),
                      allowed=lambda u: u.username == "acme"))
    out.append(Sample("jiliang_core_api_region_detail", {"code": "440106"},
                      allowed=lambda u: True))
    return out
