"""The monitoring demo: a filling station's dispenser whose event counter jumped raises an alert."""

import io

from jiliang.core.demo import credit_code
from jiliang.monitoring import demo
from jiliang.monitoring.models import Alert
from tests.base import PersonaTestCase
from tests.registry.helpers import enterprise, file


class DemoTests(PersonaTestCase):
    def test_the_demo_station_raises_a_counter_jump_and_loads_once(self):
        station = enterprise("深圳市福田区中石化加油站有限公司", "440304", demo.STATION)
        assert station.credit_code == credit_code(demo.STATION)
        for n in range(3):
            file(self.p.gd_clerk, owner=station, kind="fuel_dispenser", region="440304",
                 serial=f"DEMO-FD-{n}")
        out = io.StringIO()
        demo.load(out)
        rules = set(Alert.objects.values_list("rule", flat=True))
        assert "counter_jump" in rules and "a case opened" in out.getvalue()
        # The Guangdong bureau opened a case from the counter jump (the enforcement app).
        from jiliang.enforcement.models import Case

        jump = Alert.objects.get(rule="counter_jump")
        case = Case.objects.get(finding_kind="tamper_alert", finding_id=jump.pk)
        assert case.instrument_id == jump.instrument_id
        count = Alert.objects.count()
        demo.load(out)
        assert Alert.objects.count() == count and "already on file" in out.getvalue()
        assert Case.objects.filter(finding_kind="tamper_alert").count() == 1
