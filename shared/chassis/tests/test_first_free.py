"""The search for the next free number: pure, checked against a plain scan."""

from hypothesis import given
from hypothesis import strategies as st
from kompeten_chassis.mongo import first_free


@given(taken=st.integers(0, 5000), after=st.data())
def test_finds_the_first_free_number_from_any_taken_start(taken, after):
    start = after.draw(st.integers(0, taken))  # 0 or a taken number, as the contract says
    probes = []

    def is_taken(n):
        probes.append(n)
        return n <= taken

    assert first_free(is_taken, start) == taken + 1
    assert len(probes) <= 2 * max(1, (taken + 1 - start)).bit_length() + 2


def test_an_empty_sequence_starts_at_one():
    assert first_free(lambda n: False) == 1
