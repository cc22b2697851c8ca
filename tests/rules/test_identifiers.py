"""GB/T 2260 and GB 32100-2015, with the checked examples of shared/reference/identifiers.md."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import RuleError
from jiliang.rules.identifiers import (
    COUNTY,
    PREFECTURE,
    PROVINCE,
    USCC_CHARSET,
    organisation_code_warning,
    region_level,
    region_parent_code,
    region_prefix,
    uscc_check_character,
    uscc_validate,
)


@pytest.mark.parametrize(
    "code, level",
    [("110000", PROVINCE), ("110105", COUNTY), ("440300", PREFECTURE), ("429004", COUNTY),
     ("659001", COUNTY), ("110103", COUNTY)],
)
def test_it_knows_the_level_of_valid_codes(code, level):
    assert region_level(code) == level


@pytest.mark.parametrize(
    "code, rule",
    [("990000", "region.province"), ("110019", "region.structure"), ("11010", "region.format"),
     ("810100", "region.structure"), ("11010a", "region.format")],
)
def test_it_refuses_invalid_division_codes_naming_the_rule(code, rule):
    with pytest.raises(RuleError) as caught:
        region_level(code)
    assert caught.value.code == rule


def test_prefixes_cover_a_division_and_everything_under_it():
    assert region_prefix("440000") == "44"
    assert region_prefix("440100") == "4401"
    assert region_prefix("440106") == "440106"
    assert region_parent_code("440106") == "440100"
    assert region_parent_code("440100") == "440000"
    assert region_parent_code("440000") is None


def test_the_worked_example_gives_check_character_3():
    assert uscc_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L",
                                  "N2330100MA2H1K3C3U", "91350100m000100y43"])
def test_it_accepts_valid_credit_codes(code):
    assert uscc_validate(code) == code.upper()


@pytest.mark.parametrize(
    "code, rule",
    [("91350100M000100Y44", "uscc.check"), ("91350100M000100Y4", "uscc.length"),
     ("9135010OM000100Y43", "uscc.charset"), ("01350100M000100Y4C", "uscc.authority")],
)
def test_it_refuses_invalid_credit_codes_naming_the_rule(code, rule):
    with pytest.raises(RuleError) as caught:
        uscc_validate(code)
    assert caught.value.code == rule


def test_a_failed_organisation_code_check_is_only_a_warning():
    assert organisation_code_warning("91350100M000100Y43") is None
    assert organisation_code_warning("91350100M000100Y53") is not None


@given(st.text(alphabet=USCC_CHARSET[1:10] + "ANY", min_size=1, max_size=1),
       st.text(alphabet=USCC_CHARSET, min_size=16, max_size=16))
def test_a_computed_check_character_always_validates(first, rest):
    body = first + rest
    assert uscc_validate(body + uscc_check_character(body))


@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17), st.integers(0, 16),
       st.sampled_from(USCC_CHARSET))
def test_changing_one_character_changes_the_check(body, position, replacement):
    changed = body[:position] + replacement + body[position + 1:]
    if changed != body:
        assert uscc_check_character(changed) != uscc_check_character(body)
