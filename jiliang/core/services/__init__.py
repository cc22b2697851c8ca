"""Every write to regions, organisations, users and tokens: one transaction, validated, audited.

One module per entity or process (``organisations``, ``accounts`` (grants, members,
invitations), ``tokens``, ``holiday_years``, ``second_factor``), imported through this package:
``from jiliang.core import services``.
"""

from jiliang.core.services.accounts import (
    INVITATION_FIELDS,
    USER_FIELDS,
    grant_refused,
    invitation_accept,
    invitation_find,
    invitation_issue,
    invitation_withdraw,
    member_in_sight,
    user_create,
    user_reinstate,
    user_role_grant,
    user_role_revoke,
    user_suspend,
)
from jiliang.core.services.holiday_years import holiday_year_clean, holiday_year_enter
from jiliang.core.services.organisations import (
    ORG_FIELDS,
    credit_code_clean,
    credit_code_warning,
    organisation_register,
    organisation_update,
    region_get,
)
from jiliang.core.services.second_factor import (
    RECOVERY_CODES,
    recovery_codes_issue,
    second_factor_confirm,
    second_factor_seed,
    second_factor_start,
    second_factor_turn_off,
)
from jiliang.core.services.tokens import api_token_issue, api_token_revoke

__all__ = [
    "INVITATION_FIELDS",
    "ORG_FIELDS",
    "RECOVERY_CODES",
    "USER_FIELDS",
    "api_token_issue",
    "api_token_revoke",
    "credit_code_clean",
    "credit_code_warning",
    "grant_refused",
    "holiday_year_clean",
    "holiday_year_enter",
    "invitation_accept",
    "invitation_find",
    "invitation_issue",
    "invitation_withdraw",
    "member_in_sight",
    "organisation_register",
    "organisation_update",
    "recovery_codes_issue",
    "region_get",
    "second_factor_confirm",
    "second_factor_seed",
    "second_factor_start",
    "second_factor_turn_off",
    "user_create",
    "user_reinstate",
    "user_role_grant",
    "user_role_revoke",
    "user_suspend",
]
