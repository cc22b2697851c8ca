import datetime

import pytest

from jiliang.rules import RuleError, news

NOW = datetime.datetime(2026, 5, 20, 9, 0, tzinfo=datetime.UTC)


def test_the_kinds_are_the_four_columns():
    assert set(news.kinds()) == {"news", "notice", "policy", "event"}
    assert news.kinds()["notice"]["zh"] == "公告"


def test_a_clerk_submits_and_a_head_approves_or_returns():
    flow = news.workflow()
    assert flow.transition("submit", "draft").target == "submitted"
    assert flow.transition("submit", "draft").by == "clerk"
    assert flow.transition("approve", "submitted").by == "head"
    assert "publish_at" in flow.transition("approve", "submitted").requires
    assert flow.transition("return", "submitted").target == "draft"
    with pytest.raises(RuleError):
        flow.transition("approve", "draft")
    assert flow.available("approved") == []


def test_an_item_is_live_only_once_approved_and_its_time_has_come():
    later = NOW + datetime.timedelta(hours=1)
    assert news.is_live("approved", NOW, NOW)
    assert not news.is_live("approved", later, NOW)
    assert not news.is_live("submitted", NOW, NOW)
    assert not news.is_live("approved", None, NOW)
