"""The SAE picture learners look at: decoder directions against the model's features.

Drawn like :func:`superpos_core.plots.feature_geometry_png` (private Agg canvas, no
pyplot state, PNG without ``Software`` tag or timestamp: the same input gives the
same bytes), so the two pictures of one instance read alike.
"""

from __future__ import annotations

import torch

from .plots import _figure, _png

__all__ = ["sae_directions_png"]

_SIZE_IN = 3.6
_LATENT_LENGTH = 0.7  # decoder arrows at 0.7 x the longest feature: shorter, so both tips read


def _rows(t, what: str, name: str) -> torch.Tensor:
    if hasattr(t, name) and isinstance(getattr(t, name), torch.Tensor):
        raise ValueError(f"pass one instance's {what}, e.g. {name}[i], not the whole module")
    t = torch.as_tensor(t).detach().to("cpu", torch.float64)
    if t.ndim == 3 and t.shape[0] == 1:
        t = t[0]
    if t.ndim != 2 or t.shape[1] != 2:
        raise ValueError(
            f"sae_directions_png needs one instance's {what} of shape [rows, 2], got {tuple(t.shape)}"
        )
    return t


def sae_directions_png(W_instance, W_dec_instance, alive=None, title: str | None = None) -> bytes:
    """One instance in its 2-D hidden plane: each feature ``W[f]`` as a solid coloured
    arrow labelled ``f`` (as in ``feature_geometry_png``), each SAE latent's decoder
    direction ``W_dec[j]`` as a dashed dark arrow labelled ``Lj``. Decoder rows are unit
    vectors, so they are drawn at 0.7 x the longest feature's length; latents marked not
    ``alive`` (``[d_sae]`` bool, default all alive) are drawn dotted and light grey."""
    W = _rows(W_instance, "W", "W")
    D = _rows(W_dec_instance, "W_dec", "W_dec")
    n_lat = D.shape[0]
    alive = [True] * n_lat if alive is None else [bool(a) for a in torch.as_tensor(alive).flatten()]
    if len(alive) != n_lat:
        raise ValueError(f"alive has {len(alive)} entries for {n_lat} latents")
    import matplotlib

    pts = W.numpy()
    r = float(max(1e-6, (pts**2).sum(1).max() ** 0.5))
    if r < 1e-3:  # nothing represented: draw the latents on the unit scale
        r = 1.0
    lim = 1.3 * r
    colors = matplotlib.colormaps["tab10"]
    fig = _figure()
    fig.set_size_inches(_SIZE_IN, _SIZE_IN)  # a little larger than plots': more labels to read
    ax = fig.add_subplot()
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)

    def arrow(x, y, color, lw, ls, zorder):
        ax.annotate(
            "",
            xy=(x, y),
            xytext=(0, 0),
            arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, ls=ls, shrinkA=0, shrinkB=0),
            zorder=zorder,
        )

    placed = []  # label positions so far: a latent label moves aside until it is clear of them
    for f, (x, y) in enumerate(pts):
        c = colors(f % 10)
        arrow(x, y, c, 2.0, "solid", 2)
        norm = (x * x + y * y) ** 0.5
        ux, uy = (x / norm, y / norm) if norm > 1e-9 else (0.0, 0.0)
        placed.append((x + 0.13 * r * ux, y + 0.13 * r * uy))
        ax.text(*placed[-1], str(f), color=c, fontsize=9, ha="center", va="center")
    L = _LATENT_LENGTH * r
    for j, (x, y) in enumerate(D.numpy()):
        norm = (x * x + y * y) ** 0.5
        ux, uy = (x / norm, y / norm) if norm > 1e-12 else (0.0, 0.0)
        color, ls = ("0.15", (0, (3, 2))) if alive[j] else ("0.65", (0, (1, 2)))
        arrow(L * ux, L * uy, color, 1.2, ls, 3)
        # beside the tip, off the feature arrow it may lie on; further aside for duplicates
        for side in (0.11, -0.11, 0.24, -0.24, 0.37, -0.37, 0.5):
            lx, ly = (L + 0.04 * r) * ux - side * r * uy, (L + 0.04 * r) * uy + side * r * ux
            if all((lx - px) ** 2 + (ly - py) ** 2 >= (0.15 * r) ** 2 for px, py in placed):
                break
        placed.append((lx, ly))
        ax.text(lx, ly, f"L{j}", color=color, fontsize=7.5, ha="center", va="center")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.set_title(title if title is not None else "features (colour), SAE latents (dashed)", fontsize=9)
    fig.tight_layout()
    return _png(fig)
