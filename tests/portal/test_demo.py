import io

from jiliang.portal import demo
from jiliang.portal.models import NewsItem
from tests.base import PersonaTestCase


class DemoTests(PersonaTestCase):
    def test_the_demo_news_load_once_and_show_on_the_public_pages(self):
        demo.load(io.StringIO())
        count = NewsItem.objects.count()
        demo.load(io.StringIO())
        assert NewsItem.objects.count() == count >= 7
        anonymous = self.client_as("anonymous")
        home = anonymous.get("/?province=44").content.decode()
        assert "世界计量日" in home and "北京市推进民用" in home  # featured by Guangdong
        listing = anonymous.get("/news/").content.decode()
        assert "关于公布2026年第二批" not in listing  # the draft is not public
