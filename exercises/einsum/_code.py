"""Pieces for the einsum families' "implement this function" specs (used by the grader).

:class:`EinsumInputs` makes test cases whose axes all have distinct sizes (so a transposed
or wrongly summed result differs from the reference in shape or values), with one axis of
size 1 in each of the first cases. :class:`EinsumFn` is a known-wrong implementation written
as one einsum. Both are picklable dataclasses, so the grader may ship them to a subprocess.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from exercises.checking import distinct_sizes


@dataclass(frozen=True)
class EinsumFn:
    """``torch.einsum(expr, *args)`` called with the named arguments ``args``."""

    expr: str
    args: tuple[str, ...]

    def __call__(self, *positional: Any, **named: Any) -> Any:
        import torch

        ops = list(positional) + [named[a] for a in self.args[len(positional):]]
        return torch.einsum(self.expr, *ops)


@dataclass(frozen=True)
class EinsumInputs:
    """``make_inputs(rng, case)``: float tensors named ``args`` with axes ``labels``.

    ``labels`` gives each argument's axis letters (``("bik", "bkj")``); ``same_size`` maps
    a letter to another it must equal (a square matrix); ``never_one`` lists letters never
    given size 1 (where a size-1 axis would hide a mistake, e.g. the 1/sqrt(d) scale).
    Case ``n`` for ``n`` below the number of letters makes the ``n``-th letter size 1.
    """

    args: tuple[str, ...]
    labels: tuple[str, ...]
    same_size: tuple[tuple[str, str], ...] = ()
    never_one: str = ""

    def __call__(self, rng: random.Random, case: int) -> dict[str, Any]:
        import torch

        alias = dict(self.same_size)
        letters = [c for c in dict.fromkeys("".join(self.labels)) if c not in alias]
        sizes = dict(zip(letters, distinct_sizes(rng, len(letters), 2, 9 if case % 2 else 12)))
        can_be_one = [c for c in letters if c not in self.never_one]
        if case < len(can_be_one):
            sizes[can_be_one[case]] = 1
        for c, target in alias.items():
            sizes[c] = sizes[target]
        g = torch.Generator().manual_seed(rng.getrandbits(63))
        return {
            a: torch.randn(tuple(sizes[c] for c in lab), generator=g)
            for a, lab in zip(self.args, self.labels)
        }
