"""Setting up news through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jiliang.portal import services


def published(clerk, head, *, title="计量新闻", body="正文", kind="news", at=None, **extra):
    """An item drafted by ``clerk``, submitted, and approved by ``head`` for ``at`` (now)."""
    item = services.news_create(actor=clerk, kind=kind, title_zh=title, body_zh=body, **extra)
    services.news_act(actor=clerk, item=item, action="submit")
    return services.news_act(actor=head, item=item, action="approve",
                             publish_at=at or timezone.now())


def later(**kwargs) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**kwargs)
