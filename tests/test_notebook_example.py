"""examples/cardgen_in_a_notebook.ipynb, which uses every magic, runs top to bottom (nbclient)."""
from __future__ import annotations

import pytest

from tests._notebook_helpers import ROOT, KERNEL_NAME, kernel_env, kernel_spec_manager

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")


def test_example_notebook_runs_top_to_bottom(tmp_path):
    from jupyter_client import KernelManager

    from cardgen.notebook.drill import NO_INPUT

    nb = nbformat.read(ROOT / "examples" / "cardgen_in_a_notebook.ipynb", as_version=4)
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_spec_manager(tmp_path))
    client = nbclient.NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=kernel_env(tmp_path / "home"))  # raises CellExecutionError on any error
    outputs = {c.source.splitlines()[0]: c.outputs for c in nb.cells if c.cell_type == "code"}

    def html(first_line: str) -> str:
        return "".join(o.get("data", {}).get("text/html", "") for o in outputs[first_line])

    def text(first_line: str) -> str:
        return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs[first_line])

    assert '<details class="cardgen-answer">' in html("%cardgen show einsum.matmul --form write --seed 7")
    assert "CORRECT" in html("import cardgen")
    assert "the stub is in the next cell" in text("%cardgen exercise einsum.batched_matmul")
    assert 'data-status="pass"' in html("%%cardgen grade einsum.batched_matmul")
    assert "torch.Size([2, 3, 5])" in text("import torch")  # the graded cell's function, called
    drill = "%cardgen drill --limit 5 --topic einsum"  # nbclient has no input box: one card, then why
    assert html(drill).count('class="cardgen-card"') == 1 and NO_INPUT.split(";")[0] in text(drill)
