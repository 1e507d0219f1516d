"""The fix form of superposition.forward: the TMS decoder line ``ReLU(Wᵀ h + b)`` with a classic bug.

The snippet computes the hidden vector on one line and the output on the marked one, in one of
three conventions: the notebook's batched instances (``W`` [instances, features, hidden], einsum),
the paper's single model (``W`` [hidden, features], matmul) or rows as features (``W`` [features,
hidden], matmul). The marked line forgets the ReLU, forgets the bias, adds the bias after the
ReLU or (with instances) sums the instance axis of the hidden vector on its own.
"""
from __future__ import annotations

import random
from typing import Any

from exercises.base import Variant
from exercises.checking import distinct_sizes
from exercises.fixes import Bug, fix_variant

FAMILY_ID = "superposition.forward"
_STYLES = ("instances", "paper", "rows")


def fix(rng: random.Random, seed: int) -> Variant:
    style = rng.choice(_STYLES)
    x, b, h = rng.choice(["x", "features"]), rng.choice(["b_final", "b"]), rng.choice(["hidden", "h"])
    w = "W"
    target = rng.choice(["out", "x_hat", "recon"])
    relu = rng.choice(["torch.relu({})", "F.relu({})"])
    if style == "instances":
        hidden_line = f"{h} = torch.einsum('bif,ifh->bih', {x}, {w})  # [batch, instances, hidden]"
        back = f"torch.einsum('bih,ifh->bif', {h}, {w})"
        flipped = f"torch.einsum('bih,ihf->bif', {h}, {w})"
        mixed = f"torch.einsum('bjh,ifh->bif', {h}, {w})"
        layouts = (f"{w} = model.W  # [instances, features, hidden]", f"{b} = model.b_final  # [instances, features]",
                   f"{x} = batch  # [batch, instances, features]")
    elif style == "paper":
        hidden_line = f"{h} = {x} @ {w}.T  # [batch, hidden]"
        back, flipped, mixed = f"{h} @ {w}", f"{h} @ {w}.T", None
        layouts = (f"{w} = W_paper  # [hidden, features]: the paper's single model, not this project's model.W "
                   f"([instances, features, hidden])", f"{b} = b_paper  # [features]",
                   f"{x} = batch  # [batch, features]")
    else:
        hidden_line = f"{h} = {x} @ {w}  # [batch, hidden]"
        back, flipped, mixed = f"{h} @ {w}.T", f"{h} @ {w}", None
        layouts = (f"{w} = W_rows  # [features, hidden]: one model, features as rows; this project's model.W "
                   f"has an instance axis first ([instances, features, hidden])", f"{b} = b_rows  # [features]",
                   f"{x} = batch  # [batch, features]")
    bugs = [
        Bug("the ReLU left out", f"{back} + {b}", "missing_relu"),
        Bug("the bias b_final left out", relu.format(back), "missing_bias"),
        Bug("the bias added after the ReLU instead of inside it", f"{relu.format(back)} + {b}", "bias_after_relu"),
        Bug("W used the wrong way round (the layouts mixed up)", relu.format(f"{flipped} + {b}"), "transposed"),
    ]
    if mixed:
        bugs.append(Bug("the hidden vector's instance axis summed on its own (instances mixed)",
                        relu.format(f"{mixed} + {b}"), "mixed_instances"))

    def inputs(r: random.Random) -> dict[str, Any]:
        """Fewer hidden dimensions than features, as in the paper, sparse features in [0, 1), and
        pre-activations of both signs (so the ReLU and where b_final goes both matter)."""
        import torch

        B, I, H, F = distinct_sizes(r, 4, 2, 9)
        H, F = min(H, F), max(H, F)
        g = torch.Generator().manual_seed(r.getrandbits(62))
        if style == "instances":
            shapes = {w: (I, F, H), b: (I, F), x: (B, I, F)}
        elif style == "paper":
            shapes = {w: (H, F), b: (F,), x: (B, F)}
        else:
            shapes = {w: (F, H), b: (F,), x: (B, F)}
        for _ in range(20):
            out = {k: torch.randn(s, generator=g) for k, s in shapes.items()}
            out[x] = torch.rand(shapes[x], generator=g) * (torch.rand(shapes[x], generator=g) < 0.6)
            wf = out[w] if style != "paper" else out[w].T  # [(I,) F, H]
            hid = torch.einsum("...f,...fh->...h", out[x], wf)
            pre = torch.einsum("...h,...fh->...f", hid, wf) + out[b]
            if (pre < -0.1).any() and (pre > 0.1).any():
                break
        return out

    reference = relu.format(f"{back} + {b}")
    alternatives = [f"({back} + {b}).relu()", f"torch.clamp({back} + {b}, min=0)"]
    return fix_variant(
        FAMILY_ID, seed, rng,
        what=("The Toy Models of Superposition model maps features to a smaller hidden space with W and back "
              f"with W's transpose: `{target}` = ReLU(Wᵀ W x + b_final); the line before the marked one "
              f"computes the hidden vector `{h}`."),
        setup=["import torch", "import torch.nn.functional as F", *layouts, hidden_line],
        target=target,
        reference=reference,
        bugs=bugs,
        inputs=inputs,
        alternatives=alternatives,
        explanation="The output adds b_final to the hidden vector mapped back with W's transpose and then clips "
        "negatives with the ReLU" + ("; each instance uses only its own hidden vector." if mixed else "."),
        hints=("Go through ReLU(Wᵀ W x + b_final) from the inside out and compare with the marked line.",
               "What happens to an entry whose pre-activation is negative? Where does b_final enter?"),
        params={"style": style},
    )
