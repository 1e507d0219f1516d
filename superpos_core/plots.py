"""Small PNG pictures of one instance's weights, for card images.

matplotlib is imported inside the functions (importing :mod:`superpos_core` stays
light) and figures are drawn on a private Agg canvas (``Figure`` +
``FigureCanvasAgg``), so no pyplot state or global backend is touched. PNGs carry
no ``Software`` tag and no timestamp: the same input gives the same bytes.
"""

from __future__ import annotations

import io

import torch

__all__ = [
    "gram_heatmap_png",
    "feature_geometry_png",
    "neuron_weights_png",
    "sweep_heatmap_png",
    "phase_diagram_png",
]

_SIZE_IN = 3.0
_DPI = 90


def _instance(W_instance) -> torch.Tensor:
    if hasattr(W_instance, "W") and isinstance(getattr(W_instance, "W"), torch.Tensor):
        raise ValueError("pass one instance's weights, e.g. model.W[i], not a Model")
    W = torch.as_tensor(W_instance).detach().to("cpu", torch.float64)
    if W.ndim == 3 and W.shape[0] == 1:
        W = W[0]
    if W.ndim != 2:
        raise ValueError(f"expected one instance's W of shape [features, hidden], got {tuple(W.shape)}")
    return W


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_SIZE_IN, _SIZE_IN), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None})
    return buf.getvalue()


def gram_heatmap_png(W_instance, title: str | None = None) -> bytes:
    """Heatmap of ``W W^T`` (``[F, F]``) for one instance ``[F, H]``: diverging colours
    centred at 0 on a symmetric range, so sign and size of overlaps read at a glance."""
    W = _instance(W_instance)
    G = (W @ W.T).numpy()
    n = G.shape[0]
    vmax = float(abs(G).max()) or 1.0
    fig = _figure()
    ax = fig.add_subplot()
    im = ax.imshow(G, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if n <= 20:
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("feature j", fontsize=8)
    ax.set_ylabel("feature i", fontsize=8)
    ax.set_title(title if title is not None else r"$W W^\top$", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def feature_geometry_png(W_instance, title: str | None = None) -> bytes:
    """Each feature's embedding ``W_i`` as an arrow from the origin of the 2-D hidden
    plane, labelled with its index, equal aspect. Needs ``n_hidden == 2``."""
    W = _instance(W_instance)
    if W.shape[1] != 2:
        raise ValueError(f"feature_geometry_png needs n_hidden == 2, got {W.shape[1]}")
    import math

    import matplotlib

    pts = W.numpy()
    r = float(max(1e-6, (pts**2).sum(1).max() ** 0.5))
    lim = 1.3 * r
    colors = matplotlib.colormaps["tab10"]
    fig = _figure()
    ax = fig.add_subplot()
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    # labels of (near-)zero arrows would pile up at the origin: spread them on a small ring
    short = [i for i, (x, y) in enumerate(pts) if (x * x + y * y) ** 0.5 < 0.25 * r]
    for i, (x, y) in enumerate(pts):
        c = colors(i % 10)
        ax.annotate(
            "",
            xy=(x, y),
            xytext=(0, 0),
            arrowprops=dict(arrowstyle="-|>", color=c, lw=1.5, shrinkA=0, shrinkB=0),
        )
        norm = (x * x + y * y) ** 0.5
        ux, uy = (x / norm, y / norm) if norm > 1e-9 else (0.0, 0.0)
        if i in short:
            a = math.pi / 4 + 2 * math.pi * short.index(i) / len(short)
            ax.text(0.2 * r * math.cos(a), 0.2 * r * math.sin(a), str(i), color=c, fontsize=9, ha="center",
                    va="center")
            continue
        ax.text(x + 0.12 * r * ux, y + 0.12 * r * uy, str(i), color=c, fontsize=9, ha="center", va="center")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.set_title(title if title is not None else "feature directions", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def neuron_weights_png(W_instance, title: str | None = None, kinds: bool = True) -> bytes:
    """The hidden-ReLU model's weights of one instance as neurons x features
    (``W^T``, diverging colours centred at 0), each neuron labelled with its kind
    from :func:`superpos_core.analysis.neuron_kinds` ("mono", "poly", "dead") unless
    ``kinds`` is False (a card asking what a neuron carries must not label it)."""
    from .analysis import neuron_kinds

    W = _instance(W_instance)
    M = W.T.numpy()  # [H, F]
    H, F = M.shape
    vmax = float(abs(M).max()) or 1.0
    short = {"monosemantic": "mono", "polysemantic": "poly", "dead": "dead"}
    fig = _figure()
    ax = fig.add_subplot()
    im = ax.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if F <= 20:
        ax.set_xticks(range(F))
    if H <= 20:
        ax.set_yticks(range(H), [f"{k} {short[kind]}" if kinds else str(k) for k, kind in enumerate(neuron_kinds(W))])
    ax.tick_params(labelsize=7)
    ax.set_xlabel("feature", fontsize=8)
    ax.set_ylabel("neuron", fontsize=8)
    ax.set_title(title if title is not None else "neuron input weights", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def _log_extent(values):
    """imshow extent along one axis for log-spaced cell centres (edges half a step out)."""
    import math

    logs = [math.log10(v) for v in values]
    step = (logs[-1] - logs[0]) / (len(logs) - 1) if len(logs) > 1 else 1.0
    return logs[0] - step / 2, logs[-1] + step / 2


def _sweep_axes(ax, sweep) -> None:
    import math

    for axis, values, name in ((ax.xaxis, sweep.col_values, sweep.col_name), (ax.yaxis, sweep.row_values, sweep.row_name)):
        lo, hi = sorted(_log_extent(values))
        ticks = [k for k in range(math.floor(lo), math.ceil(hi) + 1) if lo <= k <= hi]
        axis.set_ticks(ticks, [f"{10.0**k:g}" for k in ticks])
        axis.set_label_text(f"{name} (log scale)", fontsize=8)
    ax.tick_params(labelsize=7)


def _grid_image(ax, sweep, image, **kw):
    """Cell ``[r][c]`` of ``image`` drawn at (log col value, log row value)."""
    import math

    x0, x1 = _log_extent(sweep.col_values)
    y0, y1 = _log_extent(sweep.row_values)
    logs = [math.log10(v) for v in sweep.row_values]
    # imshow's first row goes at the top with origin="upper"; put small row values at the bottom
    origin = "upper" if len(logs) > 1 and logs[0] > logs[-1] else "lower"
    extent = (x0, x1, min(y0, y1), max(y0, y1))
    return ax.imshow(image, origin=origin, extent=extent, interpolation="nearest", aspect="auto", **kw)


def sweep_heatmap_png(sweep, values, title: str = "", label: str = "") -> bytes:
    """Any per-cell number of a log-spaced :class:`~superpos_core.sweep.Sweep`
    (``values[r][c]``, e.g. a mean number of represented features) as a heatmap
    over the sweep's two axes."""
    import numpy as np

    V = np.asarray(values, dtype=float)
    if V.shape != (len(sweep.row_values), len(sweep.col_values)):
        raise ValueError(f"values of shape {V.shape} do not match the sweep's grid")
    fig = _figure()
    ax = fig.add_subplot()
    im = _grid_image(ax, sweep, V, cmap="viridis")
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.set_label(label, fontsize=8)
    cb.ax.tick_params(labelsize=7)
    _sweep_axes(ax, sweep)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)


PHASE_COLORS = {"ignored": "#e8e8e8", "dedicated": "#4a7fc1", "superposed": "#d0503c", "other": "#404040"}
"""Colours of :func:`phase_diagram_png`, close to the paper's figure (white / blue / red)."""


def phase_diagram_png(sweep, title: str | None = None, marks=(), colors: bool = True, hidden=()) -> bytes:
    """The phase diagram of a :func:`superpos_core.sweep.phase_diagram` sweep: each
    cell coloured by the phase of its best seed (:func:`~superpos_core.sweep.phase_grid`
    ``"best"``), a dot where the seeds disagree, and a legend. ``marks`` are
    ``(row, col)`` cell indices circled and labelled A, B, ... (for "which phase at
    A?"); ``colors=False`` leaves the phases out (the axes and marks only); ``hidden``
    cells are drawn blank (a card asking for the phase of a marked cell hides it)."""
    import math

    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from .sweep import PHASES, phase_grid

    names = list(PHASES) + ["other"]
    best = phase_grid(sweep, "best")
    agreed = phase_grid(sweep, "all")
    hidden = {tuple(rc) for rc in hidden}
    image = [[len(names) if (r, c) in hidden else names.index(p) for c, p in enumerate(row)] for r, row in enumerate(best)]
    fig = _figure()
    ax = fig.add_subplot()
    cmap = ListedColormap([PHASE_COLORS[n] for n in names] + ["white"] if colors else ["white"] * (len(names) + 1))
    _grid_image(ax, sweep, image, cmap=cmap, vmin=-0.5, vmax=len(names) + 0.5)
    xs, ys = [], []
    for r, row in enumerate(agreed):
        for c, p in enumerate(row):
            if p is None and colors and (r, c) not in hidden:
                xs.append(math.log10(sweep.col_values[c]))
                ys.append(math.log10(sweep.row_values[r]))
    if xs:
        ax.plot(xs, ys, linestyle="none", marker=".", markersize=2.5, color="black")
    for k, (r, c) in enumerate(marks):
        x, y = math.log10(sweep.col_values[c]), math.log10(sweep.row_values[r])
        ax.plot([x], [y], marker="o", markersize=7, markerfacecolor="none", markeredgecolor="black", markeredgewidth=1.5)
        ax.annotate(chr(ord("A") + k), (x, y), xytext=(6, 0), textcoords="offset points", fontsize=8, weight="bold", va="center")
    _sweep_axes(ax, sweep)
    ax.set_xlabel("relative importance of feature 1", fontsize=8)
    ax.set_ylabel("feature probability p = 1 - S", fontsize=8)
    if colors:
        shown = [p for r, row in enumerate(best) for c, p in enumerate(row) if (r, c) not in hidden]
        handles = [Patch(facecolor=PHASE_COLORS[n], edgecolor="0.5", label=n) for n in names if n in shown]
        # below the axes, so it hides no cell and no mark
        ax.legend(handles=handles, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=len(handles), frameon=False)
    ax.set_title(title if title is not None else "2 features in 1 dimension", fontsize=9)
    fig.tight_layout()
    return _png(fig)
