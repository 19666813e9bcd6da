"""Numbers (api/state.py): the `diverged` flag of a reply is true when any number in it is NaN or
infinite, whether the array holding it is small (checked with the others, once) or large."""
import numpy as np
import pytest

from app.api.state import Numbers


@pytest.mark.parametrize("size", [1, 7, Numbers.SMALL, Numbers.SMALL + 1])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_nonfinite_entry_anywhere_is_seen(size, bad):
    num = Numbers()
    for shape in [(3,), (2, 4), (size,)]:
        assert num.array(np.ones(shape)) is not None
    assert num.nonfinite is False
    broken = np.ones(size)
    broken[size // 2] = bad
    num.array(broken)
    num.array(np.zeros((5, 2)))                  # later arrays do not hide it
    assert num.nonfinite is True


def test_arrays_given_after_a_read_are_checked_at_the_next():
    num = Numbers()
    num.array(np.ones(4))
    assert num.nonfinite is False
    num.array(np.array([1.0, np.nan]))
    assert num.nonfinite is True
    assert num.array(None) is None and num.nonfinite is True


def test_numbers_and_rounding():
    num = Numbers()
    assert num.number(None) is None and num.number(2) == 2.0 and num.nonfinite is False
    assert np.array_equal(num.array(np.array([1.23456]), decimals=2), [1.23])
    assert num.number(float("inf")) is None and num.nonfinite is True
