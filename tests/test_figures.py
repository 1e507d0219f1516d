"""``cardgen figures``: each figure's numbers against what the paper reports (issue 20).

The figures are drawn from the trained runs the cards read (prebuilt, so this is quick)."""
from __future__ import annotations

import math
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


def test_three_features_in_two_dimensions_has_the_papers_phases():
    """The paper's second small phase diagram (n = 3, m = 2; the extra feature's phase): dense, it is
    ignored below relative importance 1 and gets its own dimension above; as features get sparser
    the ignored region shrinks to nothing and a less important extra feature is superposed --
    antipodal to one of the others in 2 dimensions (superposition about 1)."""
    sw, grid = F.phase_3in2_data()
    assert sw.row_values[0] == 1.0 and sw.row_values == sorted(sw.row_values, reverse=True)
    less = [c for c, r in enumerate(sw.col_values) if r < 1]
    more = [c for c, r in enumerate(sw.col_values) if r > 1]
    assert [grid[0][c][0] for c in less] == ["ignored"] * len(less)
    assert [grid[0][c][0] for c in more] == ["dedicated"] * len(more)
    ignored = [sum(p == "ignored" for p, _ in row) for row in grid]
    assert ignored == sorted(ignored, reverse=True) and ignored[-1] == 0, f"the ignored region shrinks: {ignored}"
    sparse = [r for r, p in enumerate(sw.row_values) if p < 0.15]
    sup = [grid[r][c][0] for r in sparse for c in less]
    assert sup.count("superposed") >= 0.7 * len(sup), sup
    assert all(x >= 0.9 for row in grid for p, x in row if p == "superposed"), "superposed: an antipodal partner"
    assert sum(grid[r][c][0] == "dedicated" for r in range(len(grid)) for c in more) >= 0.75 * len(grid) * len(more)


def test_the_exact_expected_loss_puts_the_phases_where_the_paper_does():
    """The loss-optimal phase (no sampling, no training budget): dense features keep the more
    important one; superposition first appears around r = 1 and, once p is small, wins at every
    importance of the grid (0.1 to 10)."""
    sw, theory = F.phase_theory_data()
    phase = [[cell["phase"] for cell in row] for row in theory]
    dense = sw.row_values.index(max(sw.row_values))
    assert phase[dense] == ["ignored" if r < 1 else "dedicated" for r in sw.col_values]
    band = [sum(p == "superposed" for p in row) for row in phase]
    assert band == sorted(band), f"the band widens with sparsity: {band}"
    first = next(r for r, n in enumerate(band) if n)
    near_one = sorted(range(len(sw.col_values)), key=lambda c: abs(math.log(sw.col_values[c])))[:2]
    assert all(phase[first][c] == "superposed" for c in near_one), "superposition starts around r = 1"
    assert all(n == len(sw.col_values) for p, n in zip(sw.row_values, band) if p < 0.14), band
    for row in theory:  # a superposed optimum is antipodal with both norms near 1
        for cell in row:
            if cell["phase"] == "superposed":
                (a,), (c,) = cell["W"]
                assert a > 0.5 and c < -0.5


def test_the_trained_phase_diagram_is_the_loss_optimal_one():
    """Why the trained diagram is "superposed" almost everywhere below p ~ 0.5: that is the
    optimum of the expected loss. Its best runs land on the optimal phase in every cell whose
    optimum beats the runner-up by 5% or more."""
    sw, theory = F.phase_theory_data()
    _, trained = F.phase_data()
    clear = [(r, c) for r, row in enumerate(theory) for c, cell in enumerate(row) if cell["margin"] >= 0.05]
    assert len(clear) >= 0.9 * len(sw.row_values) * len(sw.col_values)
    wrong = [(r, c, trained[r][c], theory[r][c]["phase"]) for r, c in clear if trained[r][c] != theory[r][c]["phase"]]
    assert not wrong, wrong


def test_features_stick_at_the_papers_fractions():
    """Feature dimensionality against sparsity (100 features in 10 dimensions, equal importance):
    dense, one dimension per feature; sparser, "dimensions per feature" sticks at 1/2 with every
    represented feature in an antipodal pair (D_i = 1/2); sparser still, the features move to the
    next fractions below 1/2 (2/5 pentagons, 3/8 square antiprisms, 1/3)."""
    data = sorted(F.dimensionality_data(), key=lambda d: -d["p"])
    assert abs(data[0]["per_feature"] - 1) < 0.05, data[0]["per_feature"]
    dims = [d["per_feature"] for d in data]
    assert all(b <= a + 0.02 for a, b in zip(dims, dims[1:])), f"fewer dimensions per feature when sparser: {dims}"

    def share(d, fractions) -> float:
        near = [F.FRACTIONS[k] for k, dist in map(F.nearest_fraction, d["D"]) if dist < F.STICKY_TOLERANCE]
        return sum(f in fractions for f in near) / len(d["D"]) if d["D"] else 0.0

    half = [d for d in data if len(d["D"]) >= 10 and share(d, (1 / 2,)) >= 0.9]
    assert len(half) >= 2, [(d["p"], share(d, (1 / 2,))) for d in data]
    assert any(abs(d["per_feature"] - 0.5) < 0.02 for d in half), [d["per_feature"] for d in half]
    lower = [d for d in data if d["p"] < min(h["p"] for h in half) and len(d["D"]) >= 10
             and share(d, (2 / 5, 3 / 8, 1 / 3)) >= 0.6]
    assert lower, [(d["p"], share(d, (2 / 5, 3 / 8, 1 / 3))) for d in data]


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
