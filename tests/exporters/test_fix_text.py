"""The fix report as text: names from the model are escaped, long lists are cut (JSON keeps all)."""

from __future__ import annotations

import io
from pathlib import Path

from tests.conftest import sample
from tests.modeledit import pack, unpack
from tfl_inspect.exporters.blocks import Table
from tfl_inspect.exporters.fix_text import blocks, print_text
from tfl_inspect.rewrite import fix
from tfl_inspect.rewrite.report import FixReport, RemovedOp


def test_untrusted_names_are_escaped(tmp_path: Path) -> None:
    m = unpack(sample("multi_io.tflite"))
    m.signatureDefs[0].inputs[0].name = b"evil\x1b[31m\nname"
    src = tmp_path / "evil.tflite"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "o.tflite", rename_io=True)
    assert any(r.new == "evil\x1b[31m\nname" for r in report.renamed)
    out = io.StringIO()
    print_text(report, out)
    text = out.getvalue()
    assert "\x1b" not in text and "evil\\x1b[31m\\x0aname" in text


def test_long_lists_are_cut_in_text() -> None:
    r = FixReport("m.tflite", "o.tflite", ["fold-shapes"])
    r.ops_removed = [RemovedOp(i, "SHAPE", "fold-shapes") for i in range(100)]
    tables = [b for b in blocks(r) if isinstance(b, Table)]
    assert len(tables[0].rows) == 40
    out = io.StringIO()
    print_text(r, out)
    assert "60 more ops" in out.getvalue()
