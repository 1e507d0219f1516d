"""The task form of the einops families: the family's problem sentence, the inputs' shapes with
their axes in words, and a worked example; any expression computing the einops call is right (see
:mod:`exercises.task_form`). Besides the einops call, the answer shows the same operation in plain
torch, derived from the pattern and verified by running it."""
from __future__ import annotations

import random
import string

from typing import Any, Callable

from exercises.base import Variant
from exercises.patterns import STAR, ELL, parse, shape_of
from exercises.task_form import TaskInput, int_tensor, randn, task_variant

#: Each axis role of :data:`exercises.einops._common.NAMES` in words.
ROLE_WORDS = {
    "batch": "example", "channel": "channel", "height": "row", "width": "column", "seq": "position",
    "model": "feature", "heads": "head", "head_dim": "head feature", "feature": "feature",
    "out": "output feature", "inp": "input feature", "rep": "copy", "time": "time step",
    "block_h": "block row", "block_w": "block column", "items": "item", "q_pos": "query position",
    "k_pos": "key position", "group": "group", "frame": "frame",
}
_OPERATION_ROLES = {"block_h", "block_w"}
_REDUCTION_WORDS = {"mean": "average", "sum": "sum", "max": "maximum", "min": "minimum", "prod": "product"}


def _words(p: Any, layout: str) -> str:
    parts = []
    for item in parse("rearrange", f"{layout} -> {layout}").inputs[0]:
        if item.grouped:
            # a number or a block in a group is the operation's (a pooling window, a pixel block),
            # not what the input holds: an image's rows are rows
            inner = [ROLE_WORDS.get(p.roles.get(m, ""), "") for m in item.members
                     if not m.isdigit() and p.roles.get(m) not in _OPERATION_ROLES]
            if not all(inner):
                return ""
            parts.append(("(" + " · ".join(inner) + ")" if len(inner) > 1 else inner[0]) if inner else "1")
        elif item.is_ellipsis:
            return ""
        else:
            m = item.members[0]
            w = m if m.isdigit() else ROLE_WORDS.get(p.roles.get(m, ""), "")
            if not w:
                return ""
            parts.append(w)
    return " × ".join(parts)


def _resized(p: Any, rng: random.Random, low: int, high: int) -> dict[str, int]:
    """New sizes for the axes the call does not fix (the keyword lengths stay), all distinct."""
    fixed = {n: p.sizes[n] for n in p.lengths}
    free = [n for n in p.sizes if n not in fixed]
    pool = [v for v in range(low, max(high, low + len(free) + len(fixed)) + 1) if v not in fixed.values()]
    chosen = rng.sample(pool, len(free)) if high > low else rng.sample(pool[: len(free)], len(free))
    return {**dict(zip(free, chosen)), **fixed}


def _copies(p: Any) -> str:
    """How a repeat lays out its copies, in words: the whole run after itself (a new axis first in
    its group) or each entry in place."""
    if p.op != "repeat":
        return ""
    pat = parse(p.op, p.pattern)
    old = {m for it in pat.inputs[0] for m in it.members}
    for it in pat.output:
        if it.grouped and len(it.members) > 1:
            new_first = it.members[0] not in old
            return ("the whole run copied after itself (with 2 copies, [0, 1, 2] becomes [0, 1, 2, 0, 1, 2])"
                    if new_first else "each entry copied in place (with 2 copies, [0, 1, 2] becomes [0, 0, 1, 1, 2, 2])")
    return ""


def torch_solution(p: Any) -> str | None:
    """The call as reshape / reduce / permute / expand / reshape in plain torch, or None where the
    pattern has no simple translation (``...``, numbers on the right of a rearrange, einsum...)."""
    if p.op not in ("rearrange", "reduce", "repeat") or len(p.operands) != 1:
        return None
    pat = parse(p.op, p.pattern)
    lhs, rhs = pat.inputs[0], pat.output
    if any(m in (ELL, STAR) for side in (lhs, rhs) for it in side for m in it.members):
        return None
    x = p.operands[0].name
    size: dict[str, str] = {}
    elems: list[str] = []
    split = False
    digits = iter(f"_{c}" for c in string.ascii_lowercase)
    for i, item in enumerate(lhs):
        members = list(item.members)
        if not item.grouped and not members[0].isdigit():
            size[members[0]] = f"{x}.shape[{i}]"
            elems.append(members[0])
            continue
        split = True
        known, unknown = 1, []
        labels = []
        for m in members:
            if m.isdigit():
                label = next(digits)
                size[label] = m
                known *= int(m)
                labels.append(label)
            elif m in p.lengths:
                size[m] = str(p.sizes[m])
                known *= p.sizes[m]
                labels.append(m)
            else:
                unknown.append(m)
                labels.append(m)
        if len(unknown) > 1:
            return None
        for m in unknown:
            size[m] = f"{x}.shape[{i}] // {known}" if known > 1 else f"{x}.shape[{i}]"
        elems += labels
    expr = x
    if split:
        expr += f".reshape({', '.join(size[e] for e in elems)})"
    rhs_elems = [m for it in rhs for m in it.members]
    if any(m.isdigit() and m != "1" for m in rhs_elems) and p.op != "repeat":
        return None
    reduced = [e for e in elems if e not in rhs_elems]
    if reduced:
        if p.op != "reduce":
            return None
        method = {"mean": "mean", "sum": "sum", "max": "amax", "min": "amin"}.get(p.reduction or "")
        if method is None:
            return None
        dims = tuple(elems.index(e) for e in reduced)
        expr += f".{method}(dim={dims[0] if len(dims) == 1 else dims})"
        elems = [e for e in elems if e not in reduced]
    kept = [m for m in rhs_elems if m in elems]
    perm = [elems.index(m) for m in kept]
    if perm != list(range(len(perm))):
        expr += f".permute({', '.join(map(str, perm))})"
    new = [m for m in rhs_elems if m not in elems]
    if new and p.op != "repeat":
        if any(m != "1" for m in new):
            return None
    elif new:  # repeat: a new axis of length 1 where each copy goes, then expanded
        index = ", ".join(":" if m in elems else "None" for m in rhs_elems)
        expr += f"[{index}]"
        for m in new:
            size[m] = m if m.isdigit() else str(p.sizes[m])
        expr += f".expand({', '.join('-1' if m in elems else size[m] for m in rhs_elems)})"
    if any(it.grouped and len(it.members) != 1 for it in rhs) or new:
        out = []
        for it in rhs:
            if it.grouped and not it.members:
                out.append("1")
            else:
                out.append(" * ".join(size[m] if m in size else m for m in it.members))
        if not all(out):
            return None
        expr += f".reshape({', '.join(out)})"
    return expr


def _einsum_solution(p: Any) -> str | None:
    if p.op != "einsum":
        return None
    pat = parse("einsum", p.pattern)
    letters = dict(zip(pat.names, string.ascii_lowercase))

    def side(s) -> str | None:
        out = ""
        for it in s:
            if it.grouped or len(it.members) != 1:
                return None
            m = it.members[0]
            out += "..." if m == ELL else letters.get(m, "")
        return out

    sides = [side(s) for s in pat.inputs] + [side(pat.output)]
    if any(s is None for s in sides):
        return None
    return f'torch.einsum("{",".join(sides[:-1])}->{sides[-1]}", {", ".join(o.name for o in p.operands)})'


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def einops_task(fid: str, seed: int, rng: random.Random, p: Any, task: str, call: Callable[[Any, str], str],
                unique_slips: Callable[[Any], list]) -> Variant:
    """The task variant of the einops Problem ``p``; ``call(p, pattern)`` (the call as an expression) and
    ``unique_slips`` are exercises.einops._common's, passed in so the two modules do not import each other."""
    layouts = {o.name: o.layout for o in p.operands}
    inputs = [TaskInput(name, _words(p, layout)) for name, layout in layouts.items()]
    example_sizes = _resized(p, rng, 2, 2)

    def tensors(sizes: dict[str, int], make) -> dict:
        return {name: make(shape_of(layout, sizes)) for name, layout in layouts.items()}

    def example(r: random.Random) -> dict:
        return tensors(example_sizes, lambda s: int_tensor(r, s, 0, 9))

    def trial(r: random.Random) -> dict:
        sizes = example_sizes
        for _ in range(20):
            sizes = _resized(p, r, 2, 7)
            if sizes != example_sizes:
                break
        return tensors(sizes, lambda s: randn(r, s))

    fmt = {f"t{i}": o.name for i, o in enumerate(p.operands)}
    fmt["red"] = _REDUCTION_WORDS.get(p.reduction or "", "")
    fmt["copies"] = _copies(p)
    for n in p.lengths:
        fmt[p.roles.get(n, n)] = p.sizes[n]
    solutions = [call(p, p.pattern)] + [s for s in (torch_solution(p), *p.task_solutions, _einsum_solution(p)) if s]
    mistakes = [(s.what, call(p, s.pattern)) for s in unique_slips(p.mistakes) if s.pattern]
    fixed = [ROLE_WORDS.get(p.roles.get(n, ""), n) for n in p.lengths]
    free = "every axis" + (f" but the {' and '.join(w + ' count' for w in fixed)}" if fixed else "")
    return task_variant(
        family=fid, seed=seed, rng=rng, story=_capital(task.format(**fmt)), inputs=inputs, example=example, trial=trial,
        solutions=solutions, mistakes=mistakes, free=free,
        hints=("Which axes of the input survive into the result, which are split, merged, copied or reduced?",
               "Match each axis of the result to the input's axes by its size in the example."),
        params={"op": p.op, "pattern": p.pattern, "reduction": p.reduction,
                "lengths": {n: p.sizes[n] for n in p.lengths}},
    )
