"""Minimum runtime from op versions (runtime_version.cc) against what the converter wrote."""

from __future__ import annotations

import tfl_inspect
from tests.conftest import sample, sample_models
from tfl_inspect.targets.runtime_version import compare, minimum_runtime, op_runtime


def test_table_entries() -> None:
    assert op_runtime("CONV_2D", 1) == "1.5.0"
    assert op_runtime("FULLY_CONNECTED", 14) == "2.21.0"
    assert op_runtime("CONV_2D", 999) is None


def test_compare_treats_missing_parts_as_zero() -> None:
    assert compare("2.4", "2.4.0") == 0 and compare("2.10.0", "2.9.0") == 1 and compare("1.5.0", "1.14.0") == -1


def test_computed_matches_the_converter_metadata_on_every_sample() -> None:
    agree = n = 0
    for path in sample_models():
        r = minimum_runtime(tfl_inspect.load(path))
        if r.metadata:
            n += 1
            agree += r.metadata.strip("\x00") == r.version
    print(f"\nminimum runtime: {agree}/{n} samples agree with min_runtime_version")
    assert n and agree == n


def test_names_the_op_that_needs_the_newest_runtime() -> None:
    r = minimum_runtime(tfl_inspect.load(sample("upsampling_static.tflite")))
    assert (r.opcode, r.op_version, r.version) == ("TILE", 1, "1.10.1")
