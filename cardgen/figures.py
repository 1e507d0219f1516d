"""``cardgen figures``: the paper's key figures, reproduced from the project's own trained runs.

Every figure is drawn from the runs the trained cards read (``exercises.superposition``'s
``_trained``, ``_runs`` and ``_sae``: shipped prebuilt, or trained and cached on first use),
so a figure costs a few seconds. Each figure has a ``*_data`` function returning the numbers it
shows; ``tests/test_figures.py`` checks those against what the paper reports.

    cardgen figures -o figs/
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Callable

import click

GEOMETRY_DECAY = 0.7
GEOMETRY_PROBABILITIES = (1.0, 0.3, 0.1, 0.03, 0.01)
_COLORS = "tab10"


def _figure(cols: int, rows: int = 1, size: float = 2.2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size * cols, size * rows + 0.4), dpi=90)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _png(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90, metadata={"Software": None})


def _arrows(ax, W, title: str, colors=None, dashed=()) -> None:
    """Feature directions ``W`` [F, 2] as labelled arrows (the cards' geometry picture)."""
    import math

    import matplotlib
    import numpy as np

    W = np.asarray(W, dtype=float)
    cmap = matplotlib.colormaps[_COLORS]
    r = max(1e-6, float(np.linalg.norm(W, axis=1).max()))
    short = [i for i in range(len(W)) if np.linalg.norm(W[i]) < 0.25 * r]
    for i, (x, y) in enumerate(W):
        c = cmap((colors[i] if colors else i) % 10)
        ax.annotate("", xy=(x, y), xytext=(0, 0),
                    arrowprops=dict(arrowstyle="-|>", color=c, lw=1.4, shrinkA=0, shrinkB=0,
                                    linestyle="--" if i in dashed else "-"))
        if i in short:  # labels of (near-)zero arrows spread on a ring, not piled at the origin
            a = math.pi / 4 + 2 * math.pi * short.index(i) / len(short)
            ax.text(0.2 * r * math.cos(a), 0.2 * r * math.sin(a), str(i), color=c, fontsize=8, ha="center",
                    va="center")
        else:
            n = math.hypot(x, y)
            ax.text(x + 0.13 * r * x / n, y + 0.13 * r * y / n, str(i), color=c, fontsize=8, ha="center",
                    va="center")
    ax.set_xlim(-1.35 * r, 1.35 * r)
    ax.set_ylim(-1.35 * r, 1.35 * r)
    ax.set_aspect("equal")
    ax.axhline(0, color="0.88", lw=0.6, zorder=0)
    ax.axvline(0, color="0.88", lw=0.6, zorder=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)


def _represented(W) -> tuple[int, ...]:
    import numpy as np

    return tuple(int(i) for i in np.flatnonzero(np.linalg.norm(np.asarray(W, dtype=float), axis=1) > 0.5))


def _typical(Ws) -> tuple[int, tuple[int, ...]]:
    """The index of the first run showing the most common represented set, and that set."""
    sets = [_represented(w) for w in Ws]
    common = Counter(sets).most_common(1)[0][0]
    return sets.index(common), common


# ---------------------------------------------------------------- 1. geometry across sparsity


def geometry_data() -> dict[float, dict[str, Any]]:
    """Per feature probability (importance 0.7^i): each seed's represented features and
    antipodal pairs, and the run drawn."""
    import torch

    import superpos_core
    from exercises.superposition import _trained as T

    run = T.trained_run()
    out = {}
    for p in GEOMETRY_PROBABILITIES:
        s = T.grid().index({"feature_probability": p, "importance_decay": GEOMETRY_DECAY})
        Ws = [run["W"][k] for k in T.instances_of(s)]
        k, common = _typical(Ws)
        pairs = [len(superpos_core.antipodal_pairs(torch.tensor(w, dtype=torch.float64))) for w in Ws]
        out[p] = {"sets": [_represented(w) for w in Ws], "pairs": pairs, "typical": common, "W": Ws[k]}
    return out


def geometry_figure(path: Path) -> str:
    data = geometry_data()
    fig, axes = _figure(len(data))
    for ax, (p, d) in zip(axes[0], data.items()):
        _arrows(ax, d["W"], f"p = {p:g}: {len(d['typical'])} features")
    fig.suptitle(f"5 features in 2 dimensions, importance {GEOMETRY_DECAY:g}^i: denser → sparser", fontsize=9)
    _png(fig, path)
    counts = ", ".join(f"p={p:g}: {len(d['typical'])}" for p, d in data.items())
    return (f"Represented features (most common of {len(next(iter(data.values()))['sets'])} seeds): {counts}. "
            "The paper: dense features keep the 2 most important orthogonally; sparser ones form antipodal pairs, "
            "then a pentagon.")


# ---------------------------------------------------------------- 2. linear vs ReLU


def linear_vs_relu_data() -> dict[str, dict[float, tuple[int, ...]]]:
    """Per model and feature probability (importance 0.7^i in index order): the most common
    represented set over the seeds, and the runs drawn."""
    from exercises.superposition import _runs as R

    sw = R.sweeps("linear_vs_relu")
    out: dict[str, Any] = {}
    for kind in ("linear", "relu"):
        s = sw[kind]
        out[kind] = {}
        for r, p in enumerate(s.row_values):
            k, common = _typical(s.W[r][0])
            out[kind][p] = {"typical": common, "W": s.W[r][0][k]}
    return out


def linear_vs_relu_figure(path: Path) -> str:
    data = linear_vs_relu_data()
    ps = list(data["linear"])
    fig, axes = _figure(len(ps), 2)
    for row, kind in enumerate(("linear", "relu")):
        for ax, p in zip(axes[row], ps):
            d = data[kind][p]
            _arrows(ax, d["W"], f"{kind}, p = {p:g}: {len(d['typical'])}")
    fig.suptitle("Linear vs ReLU output, 5 features in 2 dimensions (importance 0.7^i)", fontsize=9)
    _png(fig, path)
    return ("Linear keeps " + ", ".join(f"{len(data['linear'][p]['typical'])}" for p in ps)
            + " features; ReLU keeps " + ", ".join(f"{len(data['relu'][p]['typical'])}" for p in ps)
            + f" (p = {', '.join(f'{p:g}' for p in ps)}). The paper: the linear model keeps the top n_hidden "
            "features at any sparsity; the ReLU model superposes more as features get sparser.")


# ---------------------------------------------------------------- 3. the phase diagram


def phase_data():
    """The 2-features-in-1-dimension sweep and each cell's phase (best seed by eval loss)."""
    from superpos_core.sweep import phase_grid

    from exercises.superposition import _runs as R

    sw = R.sweeps("phase_diagram")["phase"]
    return sw, phase_grid(sw, "best")


def phase_figure(path: Path) -> str:
    from superpos_core.plots import phase_diagram_png

    sw, grid = phase_data()
    path.write_bytes(phase_diagram_png(sw, title="2 features in 1 dimension (trained)"))
    cells = Counter(p for row in grid for p in row)
    return ("Cells by phase: " + ", ".join(f"{p} {n}" for p, n in cells.most_common())
            + ". The paper: dense features keep the more important one (ignored / dedicated either side of "
            "relative importance 1); sparse ones superpose antipodally, over a band around 1 that widens "
            "with sparsity.")


def phase_theory_data():
    """The trained diagram's sweep and the loss-optimal phase of each of its cells, from the
    exact expected loss (``_phase_theory``; shipped prebuilt)."""
    from exercises.superposition import _phase_theory as PT

    sw = phase_data()[0]
    theory = PT.theory()
    assert len(theory) == len(sw.row_values) and len(theory[0]) == len(sw.col_values)
    return sw, theory


def phase_theory_figure(path: Path) -> str:
    from dataclasses import replace

    from superpos_core.plots import phase_diagram_png

    sw, theory = phase_theory_data()
    _, trained = phase_data()
    as_sweep = replace(sw, n_seeds=1, W=[[[cell["W"]] for cell in row] for row in theory],
                       b_final=[[[[0.0, 0.0]] for _ in row] for row in theory],
                       loss=[[[min(cell["losses"].values())] for cell in row] for row in theory],
                       eval_loss=[[[min(cell["losses"].values())] for cell in row] for row in theory])
    path.write_bytes(phase_diagram_png(as_sweep, title="2 features in 1 dim. (exact loss)"))
    same = sum(t["phase"] == g for trow, grow in zip(theory, trained) for t, g in zip(trow, grow))
    cells = sum(len(row) for row in theory)
    return (f"The loss-optimal phase of each cell, from the exact expected loss (no sampling, no training "
            f"budget): the trained diagram's best runs agree in {same} of {cells} cells. Superposition wins "
            "over the whole importance range once p ≲ 0.14: a lone feature's output is exact once the ReLU and "
            "a negative bias cut the other's interference, so sharing only costs when both are present "
            "(probability p²), while dropping feature 1 costs r·Var(x₁) ≈ r·p/3 on every input.")


# ---------------------------------------------------------------- 3b. 3 features in 2 dimensions

#: the extra feature shares its direction when its superposition sum(j != n) (W^_n . W_j)^2 is at
#: least this (an antipodal partner of norm 1 gives 1, a triangle 0.5, its own dimension 0)
SHARED = 0.25


def extra_feature_phase(W) -> tuple[str, float]:
    """The paper's reading of the last feature n of one trained ``W`` ``[F, H]``: "ignored"
    (``||W_n|| <= 0.5``), "dedicated" (represented, superposition below :data:`SHARED`) or
    "superposed", with its superposition ``sum_{j != n} (W^_n . W_j)^2``."""
    import numpy as np

    W = np.asarray(W, dtype=float)
    norm = float(np.linalg.norm(W[-1]))
    shared = float(sum((W[-1] @ W[j] / max(norm, 1e-12)) ** 2 for j in range(len(W) - 1)))
    if norm <= 0.5:
        return "ignored", shared
    return ("superposed" if shared >= SHARED else "dedicated"), shared


def phase_3in2_data():
    """The 3-features-in-2-dimensions sweep (features 0, 1 of importance 1; the extra feature 2 of
    relative importance per column) and, per cell, the extra feature's phase and superposition in
    the seed with the lowest eval loss (as the paper keeps the best of its runs)."""
    from exercises.superposition import _runs as R

    sw = R.sweeps("phase_3in2")["phase"]
    grid = []
    for r, row in enumerate(sw.W):
        line = []
        for c, cell in enumerate(row):
            k = min(range(len(cell)), key=lambda s: (sw.eval_loss[r][c][s], s))
            line.append(extra_feature_phase(cell[k]))
        grid.append(line)
    return sw, grid


def phase_3in2_figure(path: Path) -> str:
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from superpos_core.plots import PHASE_COLORS, _grid_image, _sweep_axes

    sw, grid = phase_3in2_data()
    names = ["ignored", "dedicated", "superposed"]
    fig, axes = _figure(1, size=3.2)
    ax = axes[0][0]
    _grid_image(ax, sw, [[names.index(p) for p, _ in row] for row in grid],
                cmap=ListedColormap([PHASE_COLORS[n] for n in names]), vmin=-0.5, vmax=2.5)
    _sweep_axes(ax, sw)
    ax.set_xlabel("relative importance of feature 2", fontsize=8)
    ax.set_ylabel("feature probability p = 1 - S", fontsize=8)
    ax.legend(handles=[Patch(facecolor=PHASE_COLORS[n], edgecolor="0.5", label=n) for n in names], fontsize=6,
              loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    ax.set_title("3 features in 2 dim.: feature 2 (trained)", fontsize=9)
    _png(fig, path)
    dense = grid[0]
    sparse = [row for row, p in zip(grid, sw.row_values) if p < 0.15]
    less = [c for c, r in enumerate(sw.col_values) if r < 1]
    sup = [row[c] for row in sparse for c in less]
    more = [row[c] for row in sparse for c in range(len(less), len(sw.col_values))]
    shared = [x for row in grid for p, x in row if p == "superposed"]
    return (f"At p = 1 the extra feature is ignored below relative importance 1 "
            f"({sum(p == 'ignored' for p, _ in dense[:len(less)])} of {len(less)} cells) and gets its own dimension above "
            f"({sum(p == 'dedicated' for p, _ in dense[len(less):])} of {len(dense) - len(less)}); with p < 0.15 a less "
            f"important extra feature is superposed in {sum(p == 'superposed' for p, _ in sup)} of {len(sup)} cells, "
            f"antipodal to one of the others (superposition {min(shared, default=0):.2f}–{max(shared, default=0):.2f}; "
            f"a triangle would give 0.5), while a more important one mostly keeps its own dimension "
            f"({sum(p == 'dedicated' for p, _ in more)} of {len(more)}) and features 0 and 1 share the other. The paper: the same three phases as with 2 features in 1 dimension, superposition "
            "spreading as features get sparser.")


# ---------------------------------------------------------------- 4. correlated features


def correlated_data() -> dict[str, dict[str, Any]]:
    """For the sparsest correlated and the densest anticorrelated setting: each seed's cosine
    between the features of pair (0, 1) and of pair (2, 3), and the run drawn."""
    from exercises.superposition import _runs as R
    from exercises.superposition.correlated import cosines

    sw = R.sweeps("correlated")
    out = {}
    for kind, r in (("correlated", len(sw["correlated"].row_values) - 1), ("anticorrelated", 0)):
        Ws = sw[kind].W[r][0]
        cos = [cosines(w) for w in Ws]
        out[kind] = {"p": sw[kind].row_values[r], "mates": [(float(c[0, 1]), float(c[2, 3])) for c in cos],
                     "W": Ws[0]}
    return out


def correlated_figure(path: Path) -> str:
    data = correlated_data()
    fig, axes = _figure(2)
    for ax, (kind, d) in zip(axes[0], data.items()):
        _arrows(ax, d["W"], f"{kind}, p = {d['p']:g}", colors=[0, 0, 1, 1])
    fig.suptitle("Pairs (0, 1) blue, (2, 3) orange", fontsize=9)
    _png(fig, path)
    mean = {k: sum(a + b for a, b in d["mates"]) / (2 * len(d["mates"])) for k, d in data.items()}
    return (f"Mean cosine within a pair: correlated {mean['correlated']:.2f}, anticorrelated "
            f"{mean['anticorrelated']:.2f}. The paper: correlated features are put orthogonal, anticorrelated "
            "ones antipodal.")


# ---------------------------------------------------------------- 6. feature dimensionality

#: the fractions where the paper finds features sticking: 1 (a dimension to itself), 3/4
#: (tetrahedron), 2/3 (triangle), 1/2 (antipodal pair), 2/5 (pentagon), 3/8 (square antiprism),
#: 1/3
FRACTIONS = (1.0, 3 / 4, 2 / 3, 1 / 2, 2 / 5, 3 / 8, 1 / 3)
FRACTION_LABELS = ("1", "3/4", "2/3", "1/2", "2/5", "3/8", "1/3")


def dimensionality_data() -> list[dict[str, Any]]:
    """Per feature probability p of the dimensionality run (100 features in 10 dimensions,
    equal importance) and seed: ``1/(1-S) = 1/p``, dimensions per feature
    ``m / ||W||_F^2`` and each represented feature's dimensionality ``D_i``."""
    import torch

    import superpos_core
    from exercises.superposition import _runs as R

    sw = R.sweeps("dimensionality")["relu"]
    out = []
    for r, p in enumerate(sw.row_values):
        for s in range(sw.n_seeds):
            W = torch.tensor(sw.W[r][0][s], dtype=torch.float64)
            rep = superpos_core.represented(W)
            out.append({"p": p, "x": 1 / p, "seed": s, "per_feature": float(superpos_core.dimensions_per_feature(W)),
                        "D": [float(d) for d, k in zip(superpos_core.feature_dimensionality(W), rep) if k]})
    return out


def nearest_fraction(d: float) -> tuple[int, float]:
    """The index of the fraction of :data:`FRACTIONS` nearest to ``d``, and the distance."""
    k = min(range(len(FRACTIONS)), key=lambda i: abs(FRACTIONS[i] - d))
    return k, abs(FRACTIONS[k] - d)


def dimensionality_figure(path: Path) -> str:
    import numpy as np

    data = dimensionality_data()
    fig, axes = _figure(1, size=4.2)
    ax = axes[0][0]
    for k, (f, label) in enumerate(zip(FRACTIONS, FRACTION_LABELS)):
        ax.axhline(f, color="0.75", lw=0.6, ls="--", zorder=0)
        # two columns of labels, so 2/5, 3/8 and 1/3 (0.025 apart) do not overlap
        ax.text(1.02 + 0.09 * (k % 2), f, label, transform=ax.get_yaxis_transform(), fontsize=7, va="center",
                color="0.4")
    rng = np.random.default_rng(0)  # a little horizontal jitter so equal points stay visible
    xs = [d["x"] * np.exp(rng.uniform(-0.04, 0.04)) for d in data for _ in d["D"]]
    ax.scatter(xs, [v for d in data for v in d["D"]], s=3, alpha=0.35, color="tab:blue", lw=0,
               label="a feature's dimensionality D_i")
    seeds = sorted({d["seed"] for d in data})
    for s in seeds:
        pts = sorted((d["x"], d["per_feature"]) for d in data if d["seed"] == s)
        ax.plot(*zip(*pts), color="black", lw=1, marker="o", ms=2.5, label="dimensions per feature m/‖W‖²"
                if s == seeds[0] else None)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("1 / (1 − S)  (1 / feature probability)", fontsize=8)
    ax.set_ylabel("dimensions per feature", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="lower left", frameon=False)
    ax.set_title("100 features in 10 dimensions, equal importance", fontsize=9)
    _png(fig, path)
    stuck, loose = [], []  # loose: settings from which on (sparser) no feature sticks
    for d in sorted(data, key=lambda d: -d["p"]):
        if d["D"] and all(nearest_fraction(v)[1] >= STICKY_TOLERANCE for v in d["D"]):
            loose = loose or [d["p"]]
        elif d["D"]:
            loose = []
        near = Counter(FRACTION_LABELS[k] for k, dist in map(nearest_fraction, d["D"]) if dist < STICKY_TOLERANCE)
        if near:
            label, n = near.most_common(1)[0]
            stuck.append(f"p = {d['p']:g}: {n} of {len(d['D'])} at {label}")
    return ("Represented features (norm > 0.5) within " + f"{STICKY_TOLERANCE:g} of a fraction, most common one per "
            "sparsity: " + "; ".join(stuck) + ". Dimensions per feature: "
            + ", ".join(f"{d['per_feature']:.2f}" for d in data) + " (p = "
            + ", ".join(f"{d['p']:g}" for d in data) + "). The paper: features cluster at 1, 3/4, 2/3, 1/2, 2/5, "
            "3/8 (tegum products of small regular polytopes), and dimensions per feature sticks at 1/2 over a range "
            "of sparsity." + (f" At p ≤ {loose[0]:g} this smaller, shorter run's features sit at no clean fraction."
                              if loose else ""))


STICKY_TOLERANCE = 0.02


# ---------------------------------------------------------------- 5. SAE latents vs true features


def sae_data() -> list[dict[str, Any]]:
    """Per recovery setting (SAE seed 0, the first evaluation batch): the model's represented
    and the SAE's recovered features."""
    from exercises.superposition import _sae as S

    m = S.measured()["base"][0]
    out = []
    for i, row in enumerate(S.layout()["base"]):
        if row["l1_coeff"] != S.L1 or tuple(row["setting"]) not in S.RECOVERY:
            continue
        out.append({"setting": tuple(row["setting"]), "instance": i, "represented": list(m[i]["represented"]),
                    "recovered": list(m[i]["recovered"]), "dead": list(m[i]["dead_latents"])})
    return out


def sae_figure(path: Path) -> str:
    import numpy as np

    from exercises.superposition import _sae as S

    data = sae_data()[:4]
    fig, axes = _figure(len(data))
    for ax, d in zip(axes[0], data):
        W = np.asarray(S.W_of(d["setting"]), dtype=float)
        D = np.asarray(S.W_dec_of("base", 0, d["instance"]), dtype=float)
        live = [j for j in range(len(D)) if j not in d["dead"]]
        scale = 0.8 * float(np.linalg.norm(W, axis=1).max())
        rows = np.concatenate([W, scale * D[live]])
        _arrows(ax, rows, f"p = {d['setting'][0]:g}, {d['setting'][1]:g}^i",
                colors=list(range(len(W))) + [7] * len(live), dashed=range(len(W), len(rows)))
    fig.suptitle("SAE decoder directions (dashed grey) on the model's features", fontsize=9)
    _png(fig, path)
    every = sae_data()
    full = sum(set(d["represented"]) <= set(d["recovered"]) for d in every)
    return (f"The SAE recovers every represented feature in {full} of {len(every)} sparse settings. Sparse "
            "inputs are one feature's direction at a time, so one latent per feature is the cheapest code.")


FIGURES: dict[str, tuple[str, Callable[[Path], str]]] = {
    "geometry.png": ("5→2 geometry across sparsity", geometry_figure),
    "linear_vs_relu.png": ("Linear vs ReLU output", linear_vs_relu_figure),
    "phase_diagram.png": ("The 2-features-in-1-dimension phase diagram", phase_figure),
    "phase_diagram_theory.png": ("The same phase diagram from the exact expected loss", phase_theory_figure),
    "phase_diagram_3in2.png": ("The 3-features-in-2-dimensions phase diagram", phase_3in2_figure),
    "dimensionality.png": ("Feature dimensionality against sparsity", dimensionality_figure),
    "correlated.png": ("Correlated and anticorrelated pairs", correlated_figure),
    "sae_latents.png": ("SAE latents vs true features", sae_figure),
}


def write_figures(out: Path, progress: bool = True) -> Path:
    """Every figure into ``out`` and an ``index.md`` naming each with what it shows."""
    from rich.progress import Progress

    out.mkdir(parents=True, exist_ok=True)
    lines = ["# Toy Models of Superposition: the paper's figures from cardgen's own runs", ""]
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("figures", total=len(FIGURES))
        for name, (title, draw) in FIGURES.items():
            bar.update(task, description=title)
            caption = draw(out / name)
            lines += [f"## {title}", "", f"![{title}]({name})", "", caption, ""]
            bar.advance(task)
    index = out / "index.md"
    index.write_text("\n".join(lines))
    return index


@click.command("figures")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path), default=Path("figs"),
              show_default=True, help="Folder for the PNGs and index.md.")
def figures(output: Path) -> None:
    """Reproduce the paper's key figures from the project's trained runs (PNGs + index.md)."""
    index = write_figures(output)
    click.echo(f"wrote {len(FIGURES)} figures and {index}")
