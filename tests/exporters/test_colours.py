"""Heat colours for ``graph --color``: white at zero, log-scaled to a light red at the maximum."""

from __future__ import annotations

from tfl_inspect.exporters.colours import heat_colours


def test_heat_colours_scale_from_white_to_red() -> None:
    c = heat_colours({"a": 0.0, "b": 10.0, "c": 1e6})
    assert c["a"] == "#ffffff" and c["c"] == "#f05f50"
    assert c["b"] not in (c["a"], c["c"])
    assert heat_colours({"a": 0.0}) == {"a": "#ffffff"}
