"""API tokens of machine clients: issued to their user, shown once, revoked by their user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import ApiToken, User


@transaction.atomic
def api_token_issue(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor's own machine client; the key is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the client that will use this token.")]})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=actor, name=name[:100], prefix=key[:8],
                                    key_hash=ApiToken.hash_key(key))
    region = actor.organisation.region_code if actor.organisation else ""
    audit_record(actor=actor, action="api_token.issue", obj=token, region_code=region,
                 after={"name": token.name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise PermissionDenied(_("You can revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        region = actor.organisation.region_code if actor.organisation else ""
        audit_record(actor=actor, action="api_token.revoke", obj=token, region_code=region,
                     after={"prefix": token.prefix})
    return token
