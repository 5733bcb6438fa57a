"""The one shape formatter and the styles its callers ask for."""

from __future__ import annotations

from tfl_inspect.fmt import format_dims, format_shape
from tfl_inspect.rules.context import dims


def test_styles() -> None:
    assert format_shape((1, -1, 3)) == "[1, ?, 3]"
    assert format_shape(None) == "unranked" and format_shape(()) == "[]"
    assert format_dims((1, -1, 3)) == "1x?x3" and format_dims(()) == "scalar" and format_dims(None) == "unranked"
    assert format_shape((-1, 32), unknown="-1") == dims((-1, 32)) == "[-1, 32]"
    assert format_shape((2, -1), sep=",", unknown="<b>?</b>") == "[2,<b>?</b>]"
