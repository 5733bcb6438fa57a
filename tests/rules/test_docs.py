"""docs/rules.md: its per-rule part is generated from the rule specs and must not go stale."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tfl_inspect.rules import RULES
from tfl_inspect.rules.docs import BEGIN, END, examples, main, render

DOC = ROOT / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "docs/rules.md is stale: run python -m tfl_inspect.rules.docs"
    assert main(["--check", str(DOC)]) == 0


def test_generated_text_comes_from_the_specs_and_examples_are_kept() -> None:
    text = DOC.read_text(encoding="utf-8")
    for r in RULES:
        section = text.split(f"\n### {r.id}\n", 1)[1].split("\n### ", 1)[0]
        assert section.startswith(f"**{r.title}** — {r.severity.value} by default.")
        assert r.doc in section and r.spec.explanation_for() in section and r.spec.fix_for() in section
    # Editing generated text is undone; editing an example is kept.
    qnt003 = next(r for r in RULES if r.id == "QNT003")
    tampered = text.replace(qnt003.doc, "hand-edited text").replace(
        "<!-- example GRF003 -->\n", "<!-- example GRF003 -->\nA note kept by the generator.\n"
    )
    out = render(tampered)
    assert qnt003.doc in out and "hand-edited text" not in out
    assert examples(out)["GRF003"].startswith("A note kept by the generator.")


def test_a_missing_rule_section_is_added(tmp_path) -> None:
    text = DOC.read_text(encoding="utf-8")
    without = re.sub(r"\n### OPS003\n.*?(?=\n### )", "", text, flags=re.DOTALL)
    assert "### OPS003" not in without
    path = tmp_path / "rules.md"
    path.write_text(without, encoding="utf-8")
    assert main(["--check", str(path)]) == 1  # stale
    assert main([str(path)]) == 0
    regenerated = path.read_text(encoding="utf-8")
    assert "\n### OPS003\n" in regenerated and regenerated.count(BEGIN) == 1 and regenerated.count(END) == 1


def test_a_document_without_markers_is_refused(tmp_path) -> None:
    path = tmp_path / "rules.md"
    path.write_text("# Lint rules\n", encoding="utf-8")
    assert main(["--check", str(path)]) == 2
