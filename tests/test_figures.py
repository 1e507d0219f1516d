"""``cardgen figures``: each figure's numbers against what the paper reports (issue 20).

The figures are drawn from the trained runs the cards read (prebuilt, so this is quick)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from cardgen import figures as F

pytestmark = pytest.mark.slow  # reads (or, with stale prebuilt runs, trains) the cached runs


def test_geometry_goes_from_two_orthogonal_features_to_a_pentagon():
    data = F.geometry_data()
    ps = list(data)
    assert data[1.0]["typical"] == (0, 1), "dense: the 2 most important features only"
    assert len(data[min(ps)]["typical"]) == 5, "very sparse: all 5 (the pentagon)"
    counts = [len(data[p]["typical"]) for p in sorted(ps, reverse=True)]
    assert counts == sorted(counts), f"more features as sparsity grows: {counts}"
    assert data[1.0]["pairs"] == [0] * len(data[1.0]["pairs"]), "dense: no antipodal pairs"
    assert any(sum(n >= 1 for n in data[p]["pairs"]) > len(data[p]["pairs"]) // 2 for p in ps), \
        "in between: antipodal pairs"


def test_linear_keeps_the_top_features_relu_superposes_when_sparse():
    data = F.linear_vs_relu_data()
    assert all(d["typical"] == (0, 1) for d in data["linear"].values()), "linear: top 2 at every sparsity"
    ps = sorted(data["relu"])
    assert data["relu"][max(ps)]["typical"] == (0, 1), "ReLU, dense: like the linear model"
    assert len(data["relu"][min(ps)]["typical"]) > 2, "ReLU, sparse: more features than dimensions"


def test_phase_diagram_has_the_papers_three_regions():
    sw, grid = F.phase_data()
    dense = sw.row_values.index(max(sw.row_values))
    sparse = sw.row_values.index(min(sw.row_values))
    low, high = sw.col_values.index(min(sw.col_values)), sw.col_values.index(max(sw.col_values))
    assert grid[dense][low] == "ignored" and grid[dense][high] == "dedicated"
    assert "superposed" not in grid[dense], "dense features never superpose"
    mid = min(range(len(sw.col_values)), key=lambda c: abs(sw.col_values[c] - 1))
    assert grid[sparse][mid] == "superposed", "sparse, importance near 1: superposed"
    band = [sum(p == "superposed" for p in row) for row in grid]
    assert band[sparse] >= band[dense] and band[sparse] >= 2, f"the band widens with sparsity: {band}"


def test_correlated_pairs_orthogonal_anticorrelated_antipodal():
    data = F.correlated_data()
    cor = [c for pair in data["correlated"]["mates"] for c in pair]
    anti = [c for pair in data["anticorrelated"]["mates"] for c in pair]
    assert sum(abs(c) < 0.2 for c in cor) >= 0.9 * len(cor), cor
    assert sum(c < -0.9 for c in anti) >= 0.9 * len(anti), anti


def test_sae_recovers_the_features_of_sparse_models():
    data = F.sae_data()
    full = [set(d["represented"]) <= set(d["recovered"]) for d in data]
    assert len(data) >= 8 and sum(full) >= 0.75 * len(data), data


def test_cardgen_figures_writes_every_png_and_an_index(tmp_path):
    out = tmp_path / "figs"
    proc = subprocess.run([sys.executable, "-m", "cardgen", "figures", "-o", str(out)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    index = (out / "index.md").read_text()
    for name in F.FIGURES:
        png = (out / name).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5000, name
        assert f"]({name})" in index
