"""The fix form of einsum.tms_hidden: the TMS model's features -> hidden einsum with a classic bug.

The snippet shows ``W`` (stored either way round) and the batch of features, then the einsum on
the marked line with one of: the result's axes in the wrong order, the instance axis summed away,
or x's instance axis summed on its own so every instance reads every instance's features. Letters,
names, W's layout, the operand order and the batch axis vary, so no answer repeats much.
"""
from __future__ import annotations

import random
from typing import Any

from exercises.base import Variant
from exercises.checking import distinct_sizes
from exercises.fixes import Bug, fix_variant

FAMILY_ID = "einsum.tms_hidden"
_LETTERS = {"i": "in", "f": "fj", "h": "hdk", "b": "bs"}
_SPARE = "pqrtuvw"  # a letter for a mistaken extra axis


def fix(rng: random.Random, seed: int) -> Variant:
    i, f, h, b = (rng.choice(_LETTERS[k]) for k in "ifhb")
    hidden_first = rng.random() < 0.5  # W [instances, hidden, features], as the paper stores it
    batched = rng.random() < 0.75
    x_name, w_name = rng.choice(["x", "features", "feats"]), rng.choice(["W", "W_enc"])
    target = rng.choice(["hidden", "h_act", "z"])
    bx = b if batched else ""
    x_term, w_term = f"{bx}{i}{f}", f"{i}{h}{f}" if hidden_first else f"{i}{f}{h}"
    w_first = rng.random() < 0.4
    terms = (w_term, x_term) if w_first else (x_term, w_term)
    ops = f"{w_name}, {x_name}" if w_first else f"{x_name}, {w_name}"

    def call(left: tuple[str, str], out: str) -> str:
        return f"torch.einsum('{left[0]},{left[1]}->{out}', {ops})"

    spare = rng.choice(_SPARE)
    mixed = tuple(t.replace(i, spare) if t == x_term else t for t in terms)
    other_w = f"{i}{f}{h}" if hidden_first else f"{i}{h}{f}"  # W read in the other convention
    misread = tuple(other_w if t == w_term else t for t in terms)
    bugs = [
        Bug("the result's axes in the wrong order (hidden before instance)", call(terms, f"{bx}{h}{i}"), "axis_order"),
        Bug("W read transposed (its features and hidden axes swapped)", call(misread, f"{bx}{i}{h}"), "transposed"),
        Bug("the instance axis summed away instead of kept", call(terms, f"{bx}{h}"), "summed_wrong_axis"),
        Bug("the features' instance axis summed on its own: every instance reads every instance's features",
            call(mixed, f"{bx}{i}{h}"), "mixed_instances"),
    ]
    # The project's Model stores W as [n_instances, n_features, n_hidden]: that one is model.W, named
    # without a layout comment (knowing it is the point); the paper's layout is said to differ.
    w_line = (f"{w_name} = W_paper  # [n_instances, n_hidden, n_features]: the paper's layout, not this "
              f"project's model.W ([n_instances, n_features, n_hidden])" if hidden_first
              else f"{w_name} = model.W  # this project's Model")
    x_layout = "[batch, n_instances, n_features]" if batched else "[n_instances, n_features] (one example)"

    def inputs(r: random.Random) -> dict[str, Any]:
        import torch

        B, I, F, H = distinct_sizes(r, 4, 2, 9)
        g = torch.Generator().manual_seed(r.getrandbits(62))
        w_shape = (I, H, F) if hidden_first else (I, F, H)
        x_shape = (B, I, F) if batched else (I, F)
        return {w_name: torch.randn(w_shape, generator=g), x_name: torch.rand(x_shape, generator=g)}

    return fix_variant(
        FAMILY_ID, seed, rng,
        what=("A Toy Models of Superposition model holds several independent instances (one small model each). "
              f"The marked line maps `{x_name}` (the input features) to the hidden space with `{w_name}`: "
              f"for every instance n, `{target}[..., n, :]` is the hidden vector of `{x_name}[..., n, :]` "
              f"under instance n's own weights."),
        setup=["import torch", w_line, f"{x_name} = batch  # {x_layout}"],
        target=target,
        reference=call(terms, f"{bx}{i}{h}"),
        alternatives=(f"torch.einsum('{terms[1]},{terms[0]}->{bx}{i}{h}', {', '.join(reversed(ops.split(', ')))})",),
        bugs=bugs,
        inputs=inputs,
        explanation="Every instance is its own model: its axis is kept like a batch axis in the result, next to "
        "the batch, and matched between the two operands; only the features axis is summed.",
        hints=("Which axis is summed, which are kept, and in which order does the result hold them?",
               f"The result is {'[batch, n_instances, n_hidden]' if batched else '[n_instances, n_hidden]'}."),
        params={"w_layout": "ihf" if hidden_first else "ifh", "batched": batched},
    )
