"""Small PNG pictures of one instance's weights, for card images.

matplotlib is imported inside the functions (importing :mod:`superpos_core` stays
light) and figures are drawn on a private Agg canvas (``Figure`` +
``FigureCanvasAgg``), so no pyplot state or global backend is touched. PNGs carry
no ``Software`` tag and no timestamp: the same input gives the same bytes.
"""

from __future__ import annotations

import io

import torch

__all__ = ["gram_heatmap_png", "feature_geometry_png"]

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
    import matplotlib

    pts = W.numpy()
    r = float(max(1e-6, (pts**2).sum(1).max() ** 0.5))
    lim = 1.3 * r
    colors = matplotlib.colormaps["tab10"]
    fig = _figure()
    ax = fig.add_subplot()
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
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
        ax.text(x + 0.12 * r * ux, y + 0.12 * r * uy, str(i), color=c, fontsize=9, ha="center", va="center")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.set_title(title if title is not None else "feature directions", fontsize=9)
    fig.tight_layout()
    return _png(fig)
