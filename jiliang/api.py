"""The API under /api/v1/: each app contributes ``router`` from its ``api`` module.

Machine clients authenticate with ``Authorization: Bearer <token>``; the
browser with its session (and CSRF token). Errors come back as
``{"detail": "...", "errors": [{"field": ..., "message": ...}]}`` in the
language of ``Accept-Language``, with a 4xx status.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from jiliang.core.params import BadParameter, json_loads
from jiliang.core.validation import errors_as_list

TOKEN_STAMP_EVERY = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from jiliang.core.models import ApiToken

        found = (
            ApiToken.objects.select_related("user__organisation")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        # Stamped at most once a minute: a busy client does not write its token's row (and wait
        # for the WAL) on every call.
        if found.last_used_at is None or now - found.last_used_at >= TOKEN_STAMP_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


AUTH = [TokenAuth(), SessionAuth()]


class ObjectParser(Parser):
    """Every JSON body of this API is an object: a list or a bare value is refused (else a
    schema whose fields are all optional would take ``[1, 2]`` as "change nothing")."""

    def parse_body(self, request):
        data = json_loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return data


# What django-ninja answers when parse_body fails, whatever the reason.
_UNPARSABLE = "Cannot parse request body"

# The error answer every operation may give, and when (the handlers below and the body-size
# middleware give them the same way for every operation): documented on each operation, so the
# schema lists every status code the API answers (tests/test_api_schema.py checks it).
ERROR_SCHEMA = {
    "type": "object", "title": "Error", "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"},
                                             "message": {"type": "string"}}}}},
}
ERRORS_ALWAYS = {
    "400": "A parameter or value refused by the rules (each named in `errors`).",
    "404": "Not found, or outside what the caller may see.",
    "413": "The request body is larger than this operation takes.",
    "422": "The request does not fit the schema (each field named in `errors`).",
}
ERRORS_SIGNED_IN = {
    "401": "Sign in or send a valid API token.",
    "403": "The caller's role does not allow this.",
}


class JiliangAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                # ninja keys its responses by int; one key a status (JSON has no int keys, and
                # a duplicated key stops Swagger UI's parser).
                responses = operation["responses"] = {
                    str(k): v for k, v in operation.get("responses", {}).items()}
                errors = dict(ERRORS_ALWAYS)
                if operation.get("security"):
                    errors.update(ERRORS_SIGNED_IN)
                for status, description in errors.items():
                    responses.setdefault(status, {
                        "description": description,
                        "content": {"application/json": {"schema": ref}}})
        return schema


api = JiliangAPI(
    title="Jiliang API",
    version="1",
    description=(
        "Legal-metrology management: regions, organisations and the records of each domain. "
        "Authenticate with `Authorization: Bearer <token>` (tokens are issued on the "
        "API tokens page) or with the browser session."
    ),
    urls_namespace="api",
    auth=AUTH,
    parser=ObjectParser(),
)


# pydantic's error types, in words the user reads in their own language.
def _schema_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_too_long",):
        return _("At most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind in ("string_too_short",):
        return _("At least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind.startswith("int_") or kind.startswith("decimal_") or kind.startswith("float_"):
        return _("Enter a number.")
    if kind.startswith("date"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return _("The request body is not a valid JSON object.")
    if kind == "enum" or kind == "literal_error":
        return _("Choose one of: %(options)s.") % {"options": ctx.get("expected", "")}
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return _("Give a list of values.")
    if kind in ("string_type", "string_unicode"):
        return _("Give a text.")
    if kind.startswith("bool"):
        return _("Give true or false.")
    if kind in ("too_long", "too_short"):
        return _("Give between %(min)s and %(max)s values.") % {
            "min": ctx.get("min_length", 0), "max": ctx.get("max_length", "…")}
    if kind.startswith(("greater_than", "less_than")):
        return _("This number is out of range.")
    if kind == "value_error":
        return str(ctx.get("error") or _("This value is not valid."))
    # pydantic's own sentence is English: the user gets the general one in their language
    return _("This value is not valid.")


@api.exception_handler(NinjaValidationError)
def _schema_error(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append({"field": ".".join(loc), "message": _schema_message(error)})
    detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                       for e in errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def _service_error(request, exc: DjangoValidationError):
    errors = errors_as_list(exc)
    detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                       for e in errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(BadParameter)
def _bad_parameter(request, exc: BadParameter):
    return api.create_response(
        request, {"detail": exc.message, "errors": [{"field": exc.name, "message": exc.message}]},
        status=400)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc: PermissionDenied):
    return api.create_response(
        request, {"detail": str(exc) or _("You may not do this."), "errors": []}, status=403
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "errors": []}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return api.create_response(
        request, {"detail": _("Sign in or send a valid API token."), "errors": []}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    detail = exc.message
    if str(detail).startswith(_UNPARSABLE):
        detail = _("The request body is not a valid JSON object.")
    return api.create_response(request, {"detail": detail, "errors": []},
                               status=exc.status_code)


def _mount_routers() -> None:
    for app in settings.JILIANG_APPS:
        name = f"{app}.api"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        label = app.rsplit(".", 1)[-1]
        api.add_router(getattr(module, "PREFIX", f"/{label}/"), module.router, tags=[label])


_mount_routers()
