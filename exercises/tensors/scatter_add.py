"""Adding into bins (Tensor-Puzzles' ``scatter_add``): out[k] sums the values whose link is k.

The value form runs ``scatter_add`` / ``index_add`` and the one-hot product form; the
misreadings (counting instead of summing, gathering ``v[link]``, summing the bin numbers) run
too and must differ. The code exercise is ``scatter_add`` as a puzzle; its classic mistake is
``out[link] = values``, where entries sent to one bin overwrite each other.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, value_variant

ID = "tensors.scatter_add"
Z = "torch.zeros(m, dtype=torch.long)"


def _draw(rng):
    m = rng.randint(3, 4)
    n = rng.choice([k for k in range(4, 7) if k != m])
    return {"v": ints(rng, n, 1, 9), "link": ints(rng, n, 0, m - 1), "m": m}


ONE_HOT = "(link[:, None] == torch.arange(m)).long()"
STRUCTURES = (
    Structure(f"{Z}.scatter_add(0, link, v)", _draw, (("counted instead of summing", "torch.bincount(link, minlength=m)"),
                                                      ("gathered v[link]", "v[link]"))),
    Structure(f"{Z}.index_add(0, link, v)", _draw, (("counted instead of summing", "torch.bincount(link, minlength=m)"),
                                                    ("gathered v[link]", "v[link]"))),
    Structure(f"v @ {ONE_HOT}", _draw, (("counted instead of summing", f"torch.ones_like(v) @ {ONE_HOT}"),
                                        ("summed the bin numbers", f"link @ {ONE_HOT}"))),
    Structure("torch.bincount(link, weights=v, minlength=m)", _draw,
              (("counted instead of summing", "torch.bincount(link, minlength=m)"), ("gathered v[link]", "v[link]"))),
    Structure("v[link]", _draw, (("summed into bins", f"{Z}.scatter_add(0, link, v)"),
                                 ("read link as the targets", f"{Z}.scatter_add(0, link, v)[link]"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a list.",
        precision=None,
        hints=(
            "out.scatter_add(0, link, v) adds v[i] into out[link[i]] for every i; entries sharing a bin add up.",
            "v[link] goes the other way: out[i] = v[link[i]] (a gather, one output per entry of link).",
        ),
        explain=lambda s, a: f"`{s.expr}`: follow each entry of v to the bin its link names.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(values, link, j):
    import torch

    return torch.zeros(j, dtype=values.dtype).scatter_add(0, link, values)


def counted(values, link, j):
    import torch

    return torch.bincount(link, minlength=j).to(values.dtype)


def overwrote(values, link, j):
    import torch

    out = torch.zeros(j, dtype=values.dtype)
    for i in range(values.shape[0]):  # out[link] = values: the last entry sent to a bin wins
        out[link[i]] = values[i]
    return out


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    j = rng.randint(1, 6)
    n = rng.randint(j + 2, 14) if case else 0
    return {"values": torch.randn(n, generator=g), "link": torch.randint(0, j, (n,), generator=g), "j": j}


CODE = CodeSpec(
    function="scatter_add",
    signature="def scatter_add(values: torch.Tensor, link: torch.Tensor, j: int) -> torch.Tensor:",
    doc=(
        "Sums into j bins: out[k] = the sum of values[i] over every i with link[i] == k (0 if none).\n"
        "A tensor puzzle: arange, where, broadcasting and @ only."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("counted", counted, "out[k] sums the VALUES sent to bin k; that counts them."),
        Mistake("overwrote", overwrote,
                "Entries sent to the same bin must add up; out[link] = values keeps only one of them."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Adding into bins",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Run scatter_add, index_add and one-hot products by hand; write scatter_add as a tensor puzzle.",
    code_spec=CODE,
)
