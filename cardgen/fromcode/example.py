"""The worked example of a from-code write card, checked to admit one answer.

A write card never lists the result's axes: it shows what the call does by a tiny run — each
operand from its own ``arange`` (so swapped operands give other numbers), every axis first of
size 2 (so no size can be matched to an axis: the values say where each entry went), then, if
values alone do not decide, of distinct sizes (so a transposed result has another shape) — or,
where no run stays small enough to read (sizes the code fixes), by the result's shape alone.

Before a card is shown, every plausible other answer is tried on what the card shows: each
rearrangement of the result's axes, groups included (transposes, a group's members in another
order, members moved between groups, swapped operands — which, with the operands' axes
stated, is a transpose again), and for einsum every other set of kept axes (a card whose
values show the result does not say which axes are summed). An alternative that computes
something else on random inputs but matches the card is a second answer: the example is drawn
again with other sizes and values, and where no draw tells them apart the card's :attr:`Example.decisive` is False and
its check (:class:`~cardgen.fromcode.checks.ShownCheck`) accepts every answer that matches
what the card shows.
"""
from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from typing import Any

from cardgen.fromcode.patterns import Draw, Item, Structure, draw_inputs, item_dims, shape_of
from cardgen.fromcode.scan import Call
from exercises.checking import format_shape as shape_text
from exercises.patterns import ELL, and_list, run as run_pattern

#: The largest result (entries) a worked example prints in full; a bigger one is shown by its
#: shape and its entries at the origin and one step along each axis (which tell the axes apart).
EXAMPLE_MAX = 32
#: The largest operand (entries) an example runs on (an operand is written as an ``arange``).
INPUT_MAX = 4096
#: Other groupings of the result are tried while fewer than this many rearrangements are (every
#: order of up to 6 members in the code's own grouping always is).
MAX_ALTERNATIVES = 2000
_TRIES = 5


@dataclass(frozen=True)
class Example:
    """What a write card shows of the result, and whether that fixes one answer.

    ``inputs`` are ``(name, start, shape)``: the operand is ``arange(start, start + n)``
    reshaped; empty when the card states the result's shape only (``shape``)."""

    inputs: tuple[tuple[str, int, tuple[int, ...]], ...]
    lengths: tuple[tuple[str, int], ...]
    values: Any  # the result as nested lists (value mode; at ``probes`` only, if any), else None
    shape: tuple[int, ...]
    decisive: bool
    alternatives_tried: int
    ambiguous_with: str | None = None  # a non-equivalent answer that matches what the card shows
    probes: tuple[tuple[int, ...], ...] = ()  # a big result: the indices whose values are shown
    ps: tuple[tuple[int, ...], ...] = ()  # unpack: the example's piece shapes (``values`` holds each piece)

    @property
    def by_values(self) -> bool:
        return bool(self.inputs)


def _small_sizes(call: Call, st: Structure, d: Draw, rng: random.Random) -> tuple[dict[str, int], tuple[int, ...]]:
    """The draw's sizes mapped to small distinct ones (sizes the code fixes stay), the smallest
    going where they keep the biggest tensor smallest (of a few shuffles)."""
    fixed = {v for k, v in call.lengths if v is not None}
    fixed |= {int(m) for side in st.sides for it in side for m in it.members if m.isdigit()}
    values = list(dict.fromkeys([*d.sizes.values(), *d.ell]))
    free = [v for v in values if v not in fixed]
    pool = [v for v in range(2, 2 + len(free) + len(fixed) + 2) if v not in fixed][: len(free)]
    best, best_max = None, None
    for _ in range(12):
        rng.shuffle(pool)
        small = dict(zip(free, pool))
        sizes = {n: small.get(v, v) for n, v in d.sizes.items()}
        ell = tuple(small.get(v, v) for v in d.ell)
        biggest = max(math.prod(shape_of(side, sizes, ell)) for side in st.sides)
        if best_max is None or biggest < best_max:
            best, best_max = (sizes, ell), biggest
    return best


#: The largest length the code fixes that the other axes of an all-equal example take on.
EQUAL_MAX = 5


def _twos(call: Call, st: Structure, d: Draw) -> tuple[dict[str, int], tuple[int, ...]]:
    """Every axis the code does not fix of one size, so no size can be matched to an axis: 2,
    or the length the code fixes (``repeat(x, 'n -> b n', b=4)``: with ``n`` of size 2 the
    result's shape (4, 2) would place the new axis; with ``n`` of 4 only the values do)."""
    fixed = {k: v for k, v in call.lengths if v is not None}
    size = _common_size(call)
    if st.output and any(it.grouped and it.members == (ELL,) for it in st.output):
        # `(...)` as long as every other axis, over two axes: `b (...)` is neither `(...) b` by
        # its size nor `b ...` by its rank (the second axis is 1)
        return {n: fixed.get(n, size) for n in d.sizes}, (size, 1)
    return {n: fixed.get(n, size) for n in d.sizes}, (size,) * len(d.ell)


def _common_size(call: Call) -> int:
    """The one length of an all-equal example: the code's, where it fixes one small length."""
    common = {v for _, v in call.lengths if v is not None}
    return common.pop() if len(common) == 1 and 2 <= next(iter(common)) <= EQUAL_MAX else 2


def _inputs(call: Call, st: Structure, d: Draw, sizes: dict[str, int], ell: tuple[int, ...],
            rng: random.Random, offset: bool) -> list[tuple[str, int, tuple[int, ...]]]:
    out: dict[str, tuple[str, int, tuple[int, ...]]] = {}
    start = 0
    for name, side in zip(d.names, st.inputs):
        if name in out:
            continue
        shape = shape_of(side, sizes, ell)
        if offset and start == 0:
            start = rng.randint(1, 3)
        out[name] = (name, start, shape)
        start += math.prod(shape)
    return list(out.values())


def _tensors(call: Call, d: Draw, inputs, random_values: bool = False, seed: int = 0) -> list:
    import torch

    g = torch.Generator().manual_seed(seed)
    by_name = {}
    for name, start, shape in inputs:
        n = math.prod(shape)
        t = torch.randn(shape, generator=g, dtype=torch.float64) if random_values else \
            torch.arange(float(start), float(start + n), dtype=torch.float64).reshape(shape)
        by_name[name] = t
    ts = [by_name[n] for n in d.names]
    if call.library == "numpy":
        ts = [t.numpy() for t in ts]
    return ts


def _run(call: Call, pattern: str, tensors: list, d: Draw, lengths: dict[str, int]):
    import torch

    out = run_pattern(call.op, pattern, tensors, library=call.library, reduction=d.reduction, lengths=lengths)
    return torch.as_tensor(out)


def alternatives(call: Call, st: Structure, rng: random.Random) -> list[tuple[str, tuple[Item, ...]]]:
    """Other answers a learner could give for the card, with their result sides: the result's
    members rearranged, group structure kept or not (the inputs' axes are stated on the card,
    so they stay)."""
    members = [m for it in st.output for m in it.members]
    structure = [(len(it.members), it.grouped) for it in st.output]
    if len(members) <= 6:
        perms = itertools.permutations(members)
    else:
        perms = [tuple(members)] + [tuple(rng.sample(members, len(members))) for _ in range(MAX_ALTERNATIVES)]
    shapes = _structures(structure, len(members))
    lhs = ("," if st.letters else ", ").join(_side(st, s) for s in st.inputs)
    arrow = "->" if st.letters else " -> "
    answer = _side(st, st.output)
    outs: dict[str, tuple[Item, ...]] = {}
    perms = list(perms)
    for shape in shapes:  # the code's own grouping first, for every order; then other groupings
        for perm in perms:
            items, i = [], 0
            for k, grouped in shape:
                items.append(Item(tuple(perm[i:i + k]), grouped))
                i += k
            side = _side(st, items)
            if side != answer:
                outs.setdefault(f"{lhs}{arrow}{side}", tuple(items))
        if len(outs) >= MAX_ALTERNATIVES:
            break
    return list(outs.items())


def _structures(structure: list[tuple[int, bool]], n: int) -> list[list[tuple[int, bool]]]:
    """The result's group structure, and (for einops) each other way of grouping its members
    into the same number of axes."""
    out = [structure]
    if any(g for _, g in structure) and len(structure) > 1:
        for cut in itertools.combinations(range(1, n), len(structure) - 1):
            bounds = (0, *cut, n)
            alt = [(b - a, b - a > 1) for a, b in zip(bounds, bounds[1:])]
            if alt != structure:
                out.append(alt)
    return out


def _side(st: Structure, items) -> str:
    return ("" if st.letters else " ").join(it.text() for it in items)


_CACHE: dict[str, Example | None] = {}


def build(call: Call, st: Structure, d: Draw, key: str) -> Example | None:
    """The example of a write card for ``call`` (None for ops that show no result: pack,
    unpack). Values where a run stays small, else the result's shape on the card's operands
    ``d``; tried against every alternative, redrawn until only the answer matches (see the
    module docstring). The value example depends on ``key`` only, so it is computed once."""
    if st.output is None or call.op == "unpack":
        return None
    alts = _alternatives(call, st)
    if call.op != "einmix":
        if key not in _CACHE:
            _CACHE[key] = _by_values(call, st, alts, key)
        ex = _CACHE[key]
        if ex is not None and ex.decisive:
            return ex
    else:  # random weights: the shape is all a card can show
        ex = None
    shaped = _by_shape(call, st, d, alts)
    return shaped if shaped.decisive or ex is None else ex


_ALTS: dict[str, list] = {}


def _alternatives(call: Call, st: Structure) -> list[tuple[str, tuple[Item, ...]]]:
    key = f"{call.op}/{call.library}/{call.pattern}"
    if key not in _ALTS:
        _ALTS[key] = alternatives(call, st, random.Random(key))
    return _ALTS[key]


def _by_values(call: Call, st: Structure, alts, key: str) -> Example | None:
    rng = random.Random(f"fromcode-example/{key}")
    best: Example | None = None
    for attempt in range(_TRIES):
        try:
            draw = draw_inputs(call, st, rng)
        except Exception:  # no draw: the card states the shape
            return best
        if attempt < 2:  # equal sizes first: then only the values tell the axes apart
            sizes, ell = _twos(call, st, draw)
        else:
            sizes, ell = _small_sizes(call, st, draw, rng)
        if len(ell) < 2 and any(it.grouped and ELL in it.members for side in st.sides for it in side):
            # `(...)` over one axis reads as `...` (`b (...)` = `b ...`): show it over two
            ell = (*ell, 1) if ell else (2, 1)
        inputs = _inputs(call, st, draw, sizes, ell, rng, offset=attempt % 2 == 1)
        if any(math.prod(s) > INPUT_MAX for _, _, s in inputs):
            continue
        lengths = {k: sizes[k] for k in draw.lengths}
        try:
            out = _run(call, call.pattern, _tensors(call, draw, inputs), draw, lengths)
        except Exception:  # sizes the code rejects: another draw, or the shape
            continue
        probes = unit_probes(st, sizes, ell) if out.numel() > EXAMPLE_MAX else ()
        if probes and len(probes[0]) != out.ndim:
            continue  # the result's axes are not as its pattern reads: show nothing rather than a wrong view
        clash = _ambiguous(call, draw, inputs, sizes, ell, lengths, alts, out, probes)
        ex = Example(tuple(inputs), tuple(lengths.items()), shown_values(out, probes), tuple(out.shape),
                     clash is None, len(alts), clash, probes)
        if clash is None:
            return ex
        best = best or ex
    return best


def unit_probes(st: Structure, sizes: dict[str, int], ell: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Where a big result's values are shown: the origin, and one step along each member of each
    axis — for a merged axis ``(hs ws b)``, the steps of ``b``, ``ws`` and ``hs`` (1, 2, 4) — so
    each member's place shows."""
    axes: list[list[int]] = []  # per result axis, its members' sizes
    for it in st.output:
        if it.is_ellipsis:
            axes += [[n] for n in ell]
            continue
        members = [math.prod(ell) if m == ELL else int(m) if m.isdigit() else sizes[m] for m in it.members]
        axes.append(members)
    zero = (0,) * len(axes)
    out = [zero]
    for a, members in enumerate(axes):
        for j in range(len(members)):
            step = math.prod(members[j + 1:])
            if members[j] > 1 and step < math.prod(members):
                p = zero[:a] + (step,) + zero[a + 1:]
                if p not in out:
                    out.append(p)
    return tuple(out)


def shown_values(out, probes) -> Any:
    """What the card prints of the result: all of it, or its values at ``probes``."""
    return [out[p].item() for p in probes] if probes else out.tolist()


def same_as_shown(got, shape, values, probes) -> bool:
    import torch

    if tuple(got.shape) != tuple(shape):
        return False
    if probes:
        return torch.allclose(torch.tensor([got[p].item() for p in probes], dtype=torch.float64),
                              torch.tensor(values, dtype=torch.float64))
    return torch.allclose(got.to(torch.float64), torch.tensor(values, dtype=torch.float64))


_AMBIGUOUS: dict[tuple, str | None] = {}


def _ambiguous(call: Call, d: Draw, inputs, sizes, ell, lengths, alts, out, probes=()) -> str | None:
    """An alternative that matches what the card shows of ``out`` but is not the answer (the
    same example of the same call is judged once)."""
    key = (call.op, call.library, call.pattern, d.reduction, tuple(sorted(lengths.items())), tuple(inputs),
           tuple(d.names), probes)
    if key not in _AMBIGUOUS:
        _AMBIGUOUS[key] = _first_clash(call, d, inputs, sizes, ell, lengths, alts, out, probes)
    return _AMBIGUOUS[key]


def _first_clash(call: Call, d: Draw, inputs, sizes, ell, lengths, alts, out, probes) -> str | None:

    ex, memo = None, {}
    for alt, items in alts:
        if tuple(x for it in items for x in item_dims(it, sizes, ell)) != tuple(out.shape):
            continue
        ex = ex or _tensors(call, d, inputs)
        if _fits_but_differs(call, alt, ex, d, inputs, lengths, out, probes, memo):
            return alt
    return _other_sums_clash(call, d, inputs, lengths, out, probes) if call.op == "einsum" else None


def _fits_but_differs(call: Call, alt: str, ex, d: Draw, inputs, lengths, out, probes, memo: dict) -> bool:
    """``alt`` shows what the card shows on the example ``ex`` yet computes another result on random
    inputs: a second answer the card admits. ``memo`` keeps the random inputs and the reference's result."""
    import torch

    try:
        got = _run(call, alt, ex, d, lengths)
    except Exception:  # an alternative the library refuses is no answer
        return False
    if not same_as_shown(got, out.shape, shown_values(out, probes), probes):
        return False
    if "ref" not in memo:
        memo["rand"] = _tensors(call, d, inputs, random_values=True, seed=1)
        memo["ref"] = _run(call, call.pattern, memo["rand"], d, lengths)
    ref, other = memo["ref"], _run(call, alt, memo["rand"], d, lengths)
    return tuple(other.shape) != tuple(ref.shape) or not torch.allclose(other.to(ref.dtype), ref)


#: At most this many other sets of kept axes are tried on an einsum example.
MAX_KEPT_SETS = 400


def _other_sums_clash(call: Call, d: Draw, inputs, lengths, out, probes) -> str | None:
    """einsum: an answer that keeps another set of the inputs' axes (sums others) and matches
    what the card shows — the card does not say which axes are summed, its values do. Any order
    of one set has the same entries, so a set is run once and its orders are tried only when its
    entries are the card's."""
    import torch

    st = d.structure
    pool = list(dict.fromkeys(m for side in st.inputs for it in side for m in it.members))
    kept = [m for it in st.output for m in it.members]
    lhs = ("," if st.letters else ", ").join(_side(st, s) for s in st.inputs)
    arrow = "->" if st.letters else " -> "
    combos = [c for c in itertools.combinations(pool, len(kept)) if set(c) != set(kept)]
    if len(combos) > MAX_KEPT_SETS:
        combos = random.Random(call.pattern).sample(combos, MAX_KEPT_SETS)
    ex = _tensors(call, d, inputs)
    shown = torch.tensor(shown_values(out, probes), dtype=torch.float64).reshape(-1)
    memo: dict = {}
    for combo in combos:
        try:
            got = _run(call, lhs + arrow + _side(st, [Item((m,)) for m in combo]), ex, d, lengths)
        except Exception:
            continue
        if sorted(got.shape) != sorted(out.shape):
            continue
        if not probes and not torch.allclose(got.to(torch.float64).reshape(-1).sort().values, shown.sort().values):
            continue
        orders = itertools.permutations(combo) if len(combo) <= 6 else [combo]
        for order in orders:
            alt = lhs + arrow + _side(st, [Item((m,)) for m in order])
            if _fits_but_differs(call, alt, ex, d, inputs, lengths, out, probes, memo):
                return alt
    return None


def _by_shape(call: Call, st: Structure, d: Draw, alts) -> Example:
    """The card states the result's shape: decisive unless a non-equivalent rearrangement has
    the same shape (a group's members in another order)."""
    clash = None
    for alt, items in alts:
        if tuple(x for it in items for x in item_dims(it, d.sizes, d.ell)) != d.out_shape:
            continue
        if _equivalent(call, st, d, alt):
            continue
        clash = alt
        break
    if clash is None and call.op == "einsum":
        clash = _other_sums_by_shape(call, st, d)
    return Example((), tuple(d.lengths.items()), None, d.out_shape, clash is None, len(alts), clash)


def _other_sums_by_shape(call: Call, st: Structure, d: Draw) -> str | None:
    """einsum stated by its result's shape: an answer keeping another set of the inputs' axes
    whose result has that shape (the card does not say which axes are summed: their sizes do)."""
    pool = list(dict.fromkeys(m for side in st.inputs for it in side for m in it.members))
    kept = [m for it in st.output for m in it.members]
    dims = {m: item_dims(Item((m,)), d.sizes, d.ell) for m in pool}
    want = sorted(d.out_shape)
    lhs = ("," if st.letters else ", ").join(_side(st, s) for s in st.inputs)
    arrow = "->" if st.letters else " -> "
    for combo in itertools.combinations(pool, len(kept)):
        if set(combo) == set(kept) or sorted(x for m in combo for x in dims[m]) != want:
            continue
        for order in (itertools.permutations(combo) if len(combo) <= 6 else [combo]):
            if tuple(x for m in order for x in dims[m]) != tuple(d.out_shape):
                continue
            alt = lhs + arrow + _side(st, [Item((m,)) for m in order])
            if not _equivalent(call, st, d, alt):
                return alt
    return None


def _equivalent(call: Call, st: Structure, d: Draw, alt: str) -> bool:
    import torch

    sizes, ell = _small_sizes(call, st, d, random.Random(0))
    inputs = _inputs(call, st, d, sizes, ell, random.Random(0), offset=False)
    lengths = {k: sizes[k] for k in d.lengths}
    rand = _tensors(call, d, inputs, random_values=True, seed=2)
    try:
        a, b = _run(call, call.pattern, rand, d, lengths), _run(call, alt, rand, d, lengths)
    except Exception:
        return False
    return tuple(a.shape) == tuple(b.shape) and torch.allclose(a, b.to(a.dtype))


# ----------------------------------------------------------------------------- pack / unpack


def star_placements(pattern: str) -> list[str]:
    """A pack pattern's other answers of the same rank: its names in order, ``*`` moved
    (``b * d`` -> ``* b d``, ``b d *``)."""
    toks = pattern.split()
    names = [t for t in toks if t != "*"]
    return [" ".join(names[:i] + ["*"] + names[i:]) for i in range(len(names) + 1)
            if " ".join(names[:i] + ["*"] + names[i:]) != " ".join(toks)]


def _packed_run(call: Call, pattern: str, tensors: list, ps) -> list:
    """pack: [result]; unpack: the pieces."""
    import torch

    out = run_pattern(call.op, pattern, tensors, library="einops", packed_shapes=ps)
    return [torch.as_tensor(p) for p in (out if call.op == "unpack" else [out])]


def _same(a: list, b: list, values: bool) -> bool:
    import torch

    return len(a) == len(b) and all(tuple(x.shape) == tuple(y.shape) and (not values or torch.allclose(
        x.to(torch.float64), y.to(torch.float64))) for x, y in zip(a, b))


def stacked(call: Call, st: Structure, d: Draw) -> Draw | None:
    """``d`` with nothing at ``*`` in every piece (stacking): the one way the shapes of a pack or
    unpack leave ``*`` several places (with every axis as long as the number of pieces); None
    for a single piece (its ``*`` is always the one axis of length 1)."""
    import dataclasses

    n = len(d.stars)
    if n < 2 or any(m.isdigit() for it in st.inputs[0] for m in it.members):
        return None
    stars = [()] * n
    side = st.inputs[0]  # a pack pattern: plain names and one `*`
    if any(len(it.members) != 1 or it.grouped or it.members == (ELL,) for it in side):
        return None
    kept = tuple(d.sizes[it.members[0]] for it in side if it.members != ("*",))
    shapes = [kept] * n if call.op == "pack" else \
        [tuple(n if it.members == ("*",) else d.sizes[it.members[0]] for it in side)]
    out = run_pattern(call.op, call.pattern, [_zeros(s) for s in shapes], library="einops", packed_shapes=stars)
    new = dataclasses.replace(d, stars=stars, shapes=shapes)
    if call.op == "unpack":
        new.piece_shapes = [tuple(p.shape) for p in out]
        new.out_shape = new.piece_shapes[0]
    else:
        new.out_shape = tuple(out.shape)
    return new


def _zeros(shape):
    import torch

    return torch.zeros(shape)


#: The most entries a pack/unpack example prints (its result, or all pieces together).
PACKED_MAX = 64


def build_packed(call: Call, st: Structure, d: Draw) -> Example | None:
    """The worked example of a stacking pack or unpack write card (``d`` from :func:`stacked`),
    or None where the shapes decide.

    Where ``*`` goes shows in the shapes for almost every call: the joined axis's size is no
    kept axis's, and inputs of different ranks fit one placement only. Where equal pieces are
    stacked (``pack([a, b], 'b * d')`` of two (b, d) tensors, ``unpack`` into ``()`` pieces),
    kept axes as long as the stacked one (as many as there are pieces) leave several placements
    with the result's shape; then the card shows the run — each operand its own ``arange`` —
    whose values decide (checked here: every other placement that fits the values computes the
    same on the card's drawn shapes). The smallest such example is used."""
    import itertools

    import torch

    others = star_placements(call.pattern)
    side = st.inputs[0]
    n = len(d.stars)
    if not others or n < 2:
        return None
    kept = sum(1 for it in side if it.members != ("*",))
    g = torch.Generator().manual_seed(3)
    rand = [torch.randn(s, generator=g, dtype=torch.float64) for s in d.shapes]
    rand_ps = tuple(d.stars)
    try:
        truth = _packed_run(call, call.pattern, rand, rand_ps)
    except Exception:
        return None
    choices = sorted(set(itertools.product(*[(2, n)] * kept)), key=lambda c: (math.prod(c), c))
    for sizes in choices:
        ps = tuple(d.stars) if call.op == "unpack" else ()
        if call.op == "pack":
            names = list(dict.fromkeys(d.names))
            inputs = [(name, i * math.prod(sizes), tuple(sizes)) for i, name in enumerate(names)]
            operands = [torch.arange(float(start), float(start + math.prod(sh))).reshape(sh)
                        for _, start, sh in (inputs[names.index(name)] for name in d.names)]
        else:
            it_sizes = iter(sizes)
            shape = tuple(n if it.members == ("*",) else next(it_sizes) for it in side)
            inputs = [(d.names[0], 0, shape)]
            operands = [torch.arange(float(math.prod(shape))).reshape(shape)]
        try:
            answer = _packed_run(call, call.pattern, operands, ps)
        except Exception:
            return None
        if sum(x.numel() for x in answer) > PACKED_MAX:
            return None
        if _decided_by_values(call, others, operands, ps, answer, rand, rand_ps, truth):
            values = [x.tolist() for x in answer]
            return Example(tuple(inputs), (), values if call.op == "unpack" else values[0],
                           tuple(answer[0].shape), True, len(others), None, ps=ps)
    return None


def _decided_by_values(call: Call, others, operands, ps, answer, rand, rand_ps, truth) -> bool:
    """Some other placement of ``*`` gives the answer's shapes (so sizes do not decide) and none
    that computes something else gives its values (so the values do)."""
    shape_alike = False
    for alt in others:
        try:
            got = _packed_run(call, alt, operands, ps)
        except Exception:  # einops refuses it: no answer
            continue
        if not _same(got, answer, values=False):
            continue
        try:
            differs = not _same(_packed_run(call, alt, rand, rand_ps), truth, values=True)
        except Exception:
            differs = True
        if not differs:
            continue  # an equivalent spelling
        if _same(got, answer, values=True):
            return False  # the values cannot tell them apart either
        shape_alike = True
    return shape_alike


# ----------------------------------------------------------------------------- text


def text(call: Call, ex: Example, result: str, shown: dict[str, str] | None = None) -> str:
    """``with `x` = `torch.arange(6.).reshape(2, 3)`, `out` = `[[...]]` `` or ``has shape (5, 3)``;
    ``shown`` maps a variable to the expression the code passes (``c1[:, p0:p1]``)."""
    if not ex.by_values:
        return f"`{result}` has shape {shape_text(ex.shape)}"
    shown = shown or {}
    lib = "np" if call.library == "numpy" else "torch"
    parts = [f"`{shown.get(name, name)}` = `{arange_text(lib, start, shape)}`" for name, start, shape in ex.inputs]
    kw = ", ".join(f"{k}={v}" for k, v in ex.lengths)
    if call.op == "reduce" and not call.reduction_literal and call.reduction_source \
            and call.reduction_source.isidentifier():  # the code's variable, bound for the example
        kw = ", ".join(x for x in (kw, f"{call.reduction_source}='sum'") if x)
    with_kw = f" (with {kw})" if kw else ""
    if ex.probes:
        at = and_list([f"`{result}[{', '.join(map(str, p))}]` = {values_text(v)}" for p, v in zip(ex.probes, ex.values)])
        return f"with {and_list(parts)}{with_kw}, `{result}` has shape {shape_text(ex.shape)}, and {at}"
    return f"with {and_list(parts)}{with_kw}, `{result}` = `{values_text(ex.values)}`"


def arange_text(lib: str, start: int, shape: tuple[int, ...]) -> str:
    """``torch.arange(4., 10.).reshape(2, 3)``: an operand of a worked example."""
    n = math.prod(shape)
    span = f"{start}., {start + n}." if start else f"{n}."
    return (f"{lib}.arange({span})" + ("" if len(shape) == 1 else f".reshape{shape_text(shape)}")
            if shape else f"{lib}.{'array' if lib == 'np' else 'tensor'}({start}.)")


def values_text(x) -> str:
    """Nested lists of numbers, integers without a point."""
    if isinstance(x, list):
        return "[" + ", ".join(values_text(v) for v in x) + "]"
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


__all__ = ["Example", "build", "build_packed", "star_placements", "text", "same_as_shown", "alternatives", "values_text", "ELL"]
