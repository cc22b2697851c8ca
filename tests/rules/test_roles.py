"""Separation of duties as data: the declaration in rules/data/role_grants.json."""

import pytest

from jiliang.rules import RuleError
from jiliang.rules import roles as r


def test_nobody_grants_a_role_ranked_above_their_own():
    table = r.roles()
    for grantor, grants in table.grants.items():
        for grant in grants:
            assert table.rank[grant.role] <= table.rank[grantor], (grantor, grant.role)


def test_a_clerk_grants_no_bureau_role_and_never_a_heads():
    table = r.roles()
    granted = {g.role for g in table.grants["bureau_clerk"]}
    assert not granted & {"bureau_head", "bureau_clerk", "national_admin"}


def test_only_heads_and_the_national_administrator_grant_bureau_roles():
    table = r.roles()
    for grantor, grants in table.grants.items():
        if any(g.role in ("bureau_head", "bureau_clerk") for g in grants):
            assert grantor in ("bureau_head", "national_admin")


def test_a_head_grants_bureau_roles_only_within_the_region():
    with pytest.raises(RuleError) as caught:
        r.check_grant(grantor_role="bureau_head", role="bureau_clerk",
                      org_kind="provincial_bureau", relation=r.OUTSIDE, how="account")
    assert caught.value.code == "grant.where"
    assert r.check_grant(grantor_role="bureau_head", role="bureau_clerk",
                         org_kind="city_bureau", relation=r.IN_REGION, how="account")


def test_an_institution_manager_grants_verifiers_of_their_own_institution_only():
    assert r.check_grant(grantor_role="institution_manager", role="verifier",
                         org_kind="verification_institution", relation=r.OWN, how="account")
    with pytest.raises(RuleError) as caught:
        r.check_grant(grantor_role="institution_manager", role="verifier",
                      org_kind="verification_institution", relation=r.IN_REGION, how="account")
    assert caught.value.code == "grant.where"


def test_enterprise_accounts_come_by_invitation_and_a_bureau_invites_only_the_first():
    with pytest.raises(RuleError) as caught:
        r.check_grant(grantor_role="bureau_clerk", role="enterprise_user", org_kind="enterprise",
                      relation=r.IN_REGION, how="account")
    assert caught.value.code == "grant.how"
    assert r.check_grant(grantor_role="bureau_clerk", role="enterprise_user",
                         org_kind="enterprise", relation=r.IN_REGION, how="invitation")
    with pytest.raises(RuleError) as caught:
        r.check_grant(grantor_role="bureau_clerk", role="enterprise_user", org_kind="enterprise",
                      relation=r.IN_REGION, how="invitation", holders_of_role=1)
    assert caught.value.code == "grant.first_only"
    # The enterprise's own account holder invites the next ones.
    assert r.check_grant(grantor_role="enterprise_user", role="enterprise_user",
                         org_kind="enterprise", relation=r.OWN, how="invitation",
                         holders_of_role=3)


def test_a_role_the_kind_cannot_hold_is_refused_first():
    with pytest.raises(RuleError) as caught:
        r.check_grant(grantor_role="national_admin", role="verifier", org_kind="enterprise",
                      relation=r.IN_REGION, how="account")
    assert caught.value.code == "role.kind"


def test_a_declaration_that_lets_a_clerk_make_a_head_is_refused():
    data = {
        "roles": {"bureau_head": {"rank": 3}, "bureau_clerk": {"rank": 2}},
        "holders": {"provincial_bureau": ["bureau_head", "bureau_clerk"]},
        "grants": {"bureau_clerk": [{"role": "bureau_head", "where": "region",
                                     "how": "account"}]},
    }
    with pytest.raises(ValueError, match="ranked above"):
        r.parse(data)


def test_heads_and_national_administrators_need_a_second_factor():
    assert r.requires_second_factor("bureau_head")
    assert r.requires_second_factor("national_admin")
    assert not r.requires_second_factor("bureau_clerk")
    assert not r.requires_second_factor("enterprise_user")
