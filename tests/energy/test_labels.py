"""The energy rules name carriers by identifier; the screens by their GB/T 2589 names."""

from django.utils import translation

from jiliang.energy.validation import message
from jiliang.rules import RuleError


def test_a_rule_message_names_the_energy_not_its_identifier():
    error = RuleError("coefficient.unknown", "{energy} has no confirmed coefficient in {edition}",
                      energy="fresh_water", edition="GB/T 2589-2020")
    with translation.override("zh-hans"):
        assert message(error) == "新水 在 GB/T 2589-2020 中没有经确认的折标系数。"
    with translation.override("en"):
        assert message(error) == "fresh water has no confirmed coefficient in GB/T 2589-2020."
    assert error.params["energy"] == "fresh_water"  # the rule's own error is left as it was
