from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules.text import hidden_character


def test_control_format_and_separator_characters_are_found_with_their_position():
    assert hidden_character("广州艾克米\x07") == (6, "U+0007")
    assert hidden_character("invoice\u202egpj.exe") == (8, "U+202E")
    assert hidden_character("a\u200bb") == (2, "U+200B")
    assert hidden_character("line\u2028break") == (5, "U+2028")


def test_ordinary_names_pass():
    for name in ("广州艾克米衡器有限公司", "O'Brien & Sons (Pty) Ltd.", "北京市 海淀区", "José"):
        assert hidden_character(name) is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs"))))
def test_text_without_such_characters_always_passes(text):
    assert hidden_character(text) is None
