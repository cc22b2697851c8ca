"""Helpers every app's views share: access decorators, paging, xlsx responses, service errors,
stored uploads served back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from jiliang.core.params import query_page
from jiliang.core.tabular import workbook_response

PAGE_SIZE = 50
COUNT_CAP = 10_000  # rows a list counts before it says "10,000+"
# The content types of the uploads core.uploads.check_upload lets in, by the kind it found.
UPLOAD_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


def public(view: Callable) -> Callable:
    """Mark a view as open to the public; the access-matrix test expects a 200 for anonymous."""
    view.jiliang_public = True
    return view


def roles_required(*roles: str, bureau: bool = False) -> Callable:
    """Signed in, and holding one of ``roles`` (or any bureau role when ``bureau``)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            allowed = (bureau and user.is_bureau) or (user.role in roles)
            if not allowed:
                raise PermissionDenied(_("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def secret_page(response: HttpResponse) -> HttpResponse:
    """A page that shows a secret (a new API token, an invitation link, recovery codes): never
    stored by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``cap`` + 1 rows: a national list of 10^8 instruments
    costs a bounded ``COUNT`` over ``LIMIT cap + 1``, not a scan. The pages past the cap are not
    offered; the page says "cap+" and the filters narrow the list."""

    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        head = self.object_list[: self.cap + 1]
        return head.count() if hasattr(head, "query") else len(head)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_text(self) -> str:
        return f"{self.cap:,}+" if self.capped else f"{self.count:,}"


def page_of(request, queryset, *, size: int = PAGE_SIZE, cap: int = COUNT_CAP):
    """One page of an index-backed list; its count is capped (``CappedPaginator``)."""
    return CappedPaginator(queryset, size, cap=cap).get_page(query_page(request))


def lazy_page_of(request, queryset, *, size: int = PAGE_SIZE, cap: int = COUNT_CAP):
    """``page_of`` that sends its count and rows only when the template first reads the page:
    a list whose rows come from the cache (``core.caching.fragment_key``) sends neither."""
    return SimpleLazyObject(lambda: page_of(request, queryset, size=size, cap=cap))


def apply_errors(form, error: ValidationError, *,
                 names: Mapping[str, str] | None = None) -> None:
    """Put a service's ValidationError onto the form, field by field.

    An error of a field the form does not show (absent or hidden, like the version of a row)
    goes to the top of the form, prefixed with the field's name from ``names`` when given."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            name = None if shown else (names or {}).get(field)
            if name:
                errors = [f"{name}：{e}" for e in errors]
            form.add_error(field if shown else None, errors)
    else:
        form.add_error(None, error.messages)


@contextmanager
def errors_onto(form, *, permission_field: str | None = None,
                names: Mapping[str, str] | None = None,
                refusals: bool = True) -> Iterator[None]:
    """Call a service for a valid form: a ValidationError it raises lands on the form's fields,
    a PermissionDenied on the form (or on ``permission_field``), and the view goes on past the
    block to show the form again. What follows the call in the block runs only on success::

        with errors_onto(form):
            thing = services.thing_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect(thing)
        return render(request, "thing_form.html", {"form": form})

    ``refusals=False`` lets a PermissionDenied through: a 403 rather than an error on the form.
    """
    try:
        yield
    except ValidationError as error:
        apply_errors(form, error, names=names)
    except PermissionDenied as error:
        if not refusals:
            raise
        form.add_error(permission_field, str(error))


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = ""
) -> HttpResponse:
    """Stream rows into an xlsx workbook (write-only mode: memory stays flat), every cell typed
    by ``core.tabular.xlsx_cell``: text as text (no formula from data), numbers, dates."""
    return workbook_response(filename, [(title, headers, rows)])


def upload_response(stored, kind: str, *, filename: str, inline: bool = False) -> HttpResponse:
    """A stored upload (its app caps its size) served back: the type is the one the upload was
    checked to be, never sniffed; a file missing from storage is a 404."""
    try:
        with stored.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=UPLOAD_TYPES.get(kind,
                                                                   "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(as_attachment=not inline,
                                                                 filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
