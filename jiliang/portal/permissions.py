"""Who may do what in the public window's editorial work: one set of predicates for the views
and the services. ``None`` as the user is the system itself (the demo, tests setting up)."""

from __future__ import annotations

from django.utils import timezone

from jiliang.core.models import OrgKind, Role, User
from jiliang.portal.models import NATIONAL, NewsItem
from jiliang.rules import news as rules


def publishing_region(user: User) -> str:
    """The region a bureau publishes for: its division, or the national administration's."""
    org = user.organisation
    return NATIONAL if org.kind == OrgKind.NATIONAL else org.region_code


def is_editor(user: User | None) -> bool:
    """A bureau's staff draft items for their bureau."""
    if user is None:
        return True
    return bool(user.is_authenticated and user.is_bureau and user.organisation_id)


def sees(user: User | None, item: NewsItem) -> bool:
    """A bureau sees the drafts of its region; the national administration sees all."""
    if user is None:
        return True
    if not is_editor(user):
        return False
    if user.scope.everything:
        return True
    return item.region_code != NATIONAL and user.scope.covers_region(item.region_code)


def same_bureau(user: User | None, item: NewsItem) -> bool:
    return user is None or (is_editor(user) and publishing_region(user) == item.region_code)


def may_edit(user: User | None, item: NewsItem) -> bool:
    return item.state == "draft" and same_bureau(user, item)


def may_act(user: User | None, item: NewsItem, action: str) -> bool:
    """The workflow's ``by``: a clerk's step by any editor of the bureau, a head's by its head
    (or the national administrator for national items), never on the head's own draft."""
    flow = rules.workflow()
    transition = flow.transitions.get(action)
    if transition is None or item.state not in transition.sources or not same_bureau(user, item):
        return False
    if user is None or transition.by == "clerk":
        return True
    return (user.role in (Role.BUREAU_HEAD, Role.NATIONAL_ADMIN)
            and item.created_by_id != user.pk)


def is_live(item: NewsItem) -> bool:
    return rules.is_live(item.state, item.publish_at, timezone.now())


def may_correct(user: User | None, item: NewsItem) -> bool:
    return is_live(item) and same_bureau(user, item)


def may_feature(user: User | None, item: NewsItem) -> bool:
    """A bureau features another region's published item on its own pages."""
    if user is None or not is_editor(user) or not is_live(item):
        return False
    return publishing_region(user)[:2] != item.region_code[:2]


# --- complaints ----------------------------------------------------------------------------


def sees_complaint(user: User | None, complaint) -> bool:
    """A bureau sees its region's complaints; the national administration sees all."""
    if user is None:
        return True
    return bool(user.is_authenticated and user.is_bureau
                and user.scope.covers_region(complaint.region_code))


def handles(user: User | None, complaint) -> bool:
    """The handling bureau's own staff: they take, close, and read the contact details."""
    if user is None:
        return True
    return bool(user.is_authenticated and user.is_bureau
                and user.organisation_id == complaint.handling_org_id)


# --- World Metrology Day events ----------------------------------------------------------------


def may_act_on_event(user: User | None, event, action: str) -> bool:
    """The news workflow on an event: the organising bureau's staff submit; a head whose region
    covers the event's (its own bureau's or one above), or the national administrator,
    approves or returns it, never an event they entered themselves."""
    transition = rules.workflow().transitions.get(action)
    if transition is None or event.state not in transition.sources:
        return False
    if user is None:
        return True
    if not is_editor(user):
        return False
    if transition.by == "clerk":
        return user.organisation_id == event.organiser_id
    return (user.role in (Role.BUREAU_HEAD, Role.NATIONAL_ADMIN)
            and user.scope.covers_region(event.region_code) and event.created_by_id != user.pk)
