from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules.chain import GENESIS, first_break, link_all

payloads = st.lists(st.dictionaries(st.sampled_from("abc"), st.integers()), min_size=1, max_size=20)


def _rows(items):
    links = list(link_all(items))
    return [(link.seq, link.prev_hash, link.hash, p) for link, p in zip(links, items, strict=True)]


@given(payloads)
def test_an_untouched_chain_verifies(items):
    assert first_break(_rows(items)) is None


@given(payloads, st.data())
def test_changing_any_payload_is_named_at_its_link(items, data):
    rows = _rows(items)
    i = data.draw(st.integers(0, len(rows) - 1))
    seq, prev, digest, payload = rows[i]
    rows[i] = (seq, prev, digest, {**payload, "tampered": True})
    broken = first_break(rows)
    assert broken is not None and broken.seq == seq


@given(payloads, st.data())
def test_removing_a_link_is_named(items, data):
    rows = _rows(items)
    if len(rows) < 2:
        return
    i = data.draw(st.integers(0, len(rows) - 2))
    del rows[i]
    broken = first_break(rows)
    assert broken is not None and broken.seq == i + 1


def test_the_first_link_follows_the_genesis_hash():
    rows = _rows([{"a": 1}])
    assert rows[0][1] == GENESIS
