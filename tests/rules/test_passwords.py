from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules.passwords import candidates, run_cover, weakness


def test_leetspeak_and_affixes_are_read_back_to_the_common_word():
    assert "password" in candidates("P@ssw0rd123!")
    assert "dragon" in candidates("!!Dr4g0n2024")


def test_keyboard_runs_repeats_and_dates_are_named():
    assert weakness("qwertyuiop") == "sequence"
    assert weakness("1qaz2wsx3edc") == "sequence"
    assert weakness("abcdef123456") == "sequence"
    assert weakness("aaaaaaaaaaaa") == "repeated"
    assert weakness("20240101") == "date"


def test_ordinary_passphrases_pass():
    for good in ("jiliang-demo", "correct horse battery", "Tr0ub4dor&3x", "matrix-pass-1"):
        assert weakness(good) is None


@given(st.text(min_size=1, max_size=40))
def test_the_cover_of_runs_never_exceeds_the_length(text):
    assert 0 <= run_cover(text.lower()) <= len(text)
