"""What the from-code cards of a code base are worth to a learner (issue 21), counted
independently of the tool where it can be:

- write cards: how many show the result by a worked example, by its shape, or could not be
  made decisive (their check then accepts every answer the card fits); and, read back from the
  prompt text alone, every rearrangement of the result's axes that reproduces the printed
  example — each must be equivalent to the code's pattern or accepted by the card's check
  ("two answers fit, one rejected" must be 0);
- answers on the card: a write card that a lazy strategy of ``exercises/traps.py`` solves
  (copying names, matching sizes, unshared axes), a shape card whose answer is a shape printed
  in its code, a read or shape card solved by its format example, ``0`` or a listed distractor;
  pack cards and calls whose result keeps the inputs' axes in order (a plain split) are counted
  apart — their inputs, which a card must show, are the answer.

    python benchmarks/fromcode_cards.py PATH [PATH ...] [--seeds 4]
"""
from __future__ import annotations

import argparse
import itertools
import math
import re
import time
from collections import Counter
from pathlib import Path


def _shown(prompt: str):
    import numpy as np
    import torch

    ops = {m.group(1): torch.as_tensor(eval(m.group(2), {"np": np, "torch": torch}), dtype=torch.float64)
           for m in re.finditer(r"`([^`]+)` = `((?:np|torch)\.(?:arange|tensor|array)\([^`]*\))`", prompt)}
    result = re.search(r"`[\w.]+` = `(\[[^`]*\]|-?[\d.]+)`", prompt)
    if result is None:  # a big result: its shape and entries at a few indices
        shape = re.search(r"`[\w.]+` has shape (\([\d, ]*\)), and ", prompt)
        probes = [(tuple(int(i) for i in m.group(1).split(",")), float(m.group(2)))
                  for m in re.finditer(r"`[\w.]+\[([\d, ]+)\]` = (-?[\d.e+-]+)", prompt)]
        return ops, ((eval(shape.group(1)), probes) if shape and probes else None)
    return ops, (torch.tensor(eval(result.group(1)), dtype=torch.float64) if result else None)


def _rearrangements(st, counts: Counter | None = None, entries=None) -> list[str]:
    """Every order of the result's members in the result's group structure (up to 6 members),
    and every order of its axes with their groups whole;
    for an einsum, every ordered choice of as many of the inputs' axes (its card does not say
    which are summed): all of them where there are at most 720; else, given ``entries`` (a
    function from a pattern to the result's sorted shape and sorted entries, and the card's),
    each set of axes is run once and its orders are listed only when its shape and entries are
    the card's as multisets (any order of one set has the same entries)."""
    members = [m for it in st.output for m in it.members]
    if st.op == "einsum" and st.output is not None:
        pool = list(dict.fromkeys(m for side in st.inputs for it in side for m in it.members))
        sep = "" if st.letters else " "
        lhs = ("," if st.letters else ", ").join(sep.join(it.text() for it in side) for side in st.inputs)
        arrow = "->" if st.letters else " -> "
        if math.perm(len(pool), len(members)) <= 720:
            return [f"{lhs}{arrow}{sep.join(p)}" for p in itertools.permutations(pool, len(members))]
        if entries is not None and len(members) <= 7:
            if counts is not None:
                counts["write: einsum with > 720 other answers, tried set by set"] += 1
            out = []
            for combo in itertools.combinations(pool, len(members)):
                if entries(f"{lhs}{arrow}{sep.join(combo)}"):
                    out += [f"{lhs}{arrow}{sep.join(p)}" for p in itertools.permutations(combo)]
            return out
        if counts is not None:
            counts["write: einsum with too many other answers to try here (only its rearrangements)"] += 1
    if len(members) > 6:
        return []
    sep = "" if st.letters else " "
    lhs = ("," if st.letters else ", ").join(sep.join(it.text() for it in side) for side in st.inputs)
    out = []
    for perm in itertools.permutations(members):
        items, i = [], 0
        for it in st.output:
            k = len(it.members)
            inner = " ".join(perm[i:i + k])
            items.append(f"({inner})" if it.grouped else inner)
            i += k
        out.append(f"{lhs}{'->' if st.letters else ' -> '}{sep.join(items)}")
    if len(st.output) <= 6:  # the result's axes, groups whole, in every order (`b (...)` -> `(...) b`)
        out += [f"{lhs}{'->' if st.letters else ' -> '}{sep.join(it.text() for it in perm)}"
                for perm in itertools.permutations(st.output)]
    return list(dict.fromkeys(out))


_EXAMPLES: dict[str, str] = {}


def _keeps_order(st) -> bool:
    names = list(dict.fromkeys(n for side in st.inputs for it in side for n in it.names))
    return st.output is not None and st.output_names() == names


def _axes_on_card(prompt: str) -> dict[str, list[str]]:
    """``{operand: [axis, ...]}`` from "`q` has axes (b, h, q, d)" (a group printed ``h·d``)."""
    return {m.group(1): [a.strip() for a in m.group(2).split(",") if a.strip()]
            for m in re.finditer(r"`([^`]+)` has axes \(([^)]*)\)", prompt)}


def first_appearance_attempts(v, letters: bool) -> list[str]:
    """A lazy solver written for issue 21 (t21), apart from ``exercises/traps.py``'s: read each
    operand's printed axes, write them as the left side, then join the operands' axes in order
    of first appearance, each once, leaving out the axes the prose says are summed (einsum), or
    those two operands share; for einops also the input side copied as it is."""
    axes = _axes_on_card(v.prompt)
    if not axes:
        return []
    passed = re.search(r"The operands are passed as `([^`]+)`", v.prompt)
    order = [o.strip() for o in passed.group(1).split(",")] if passed else list(axes)[:1]
    if any(o not in axes for o in order):
        return []
    ins = [axes[o] for o in order]
    summed: set[str] = set()
    m = re.search(r"summing over ((?:(?:`[^`]+`|the axes of `\.\.\.`)(?:, | and )?)+)", v.prompt)
    if m:
        summed = set(re.findall(r"`([^`]+)`", m.group(1)))
    def term(ax):  # one operand as a pattern writes it
        items = [f"({' '.join(a.split('·'))})" if "·" in a else a for a in ax]
        return "".join(items).replace("(", "").replace(")", "").replace(" ", "") if letters else " ".join(items)
    lhs = ("," if letters else ", ").join(term(ax) for ax in ins)
    flat = list(dict.fromkeys(x for ax in ins for a in ax for x in a.split("·") if not x.isdigit()))
    count = {x: sum(x in {y for a in ax for y in a.split("·")} for ax in ins) for x in flat}
    keeps = [[x for x in flat if x not in summed],  # less what the prose says is summed
             [x for x in flat if count[x] == 1]]  # less what two operands share (implicit mode, in order)
    out = [lhs + ("->" if letters else " -> ") + ("" if letters else " ").join(k) for k in keeps]
    if not letters:
        out.append(lhs + " -> " + lhs)
    return list(dict.fromkeys(out))


def first_appearance_solves(v, letters: bool) -> str | None:
    for attempt in first_appearance_attempts(v, letters):
        try:
            if v.check(attempt).correct:
                return attempt
        except Exception:
            continue
    return None


def _judge_write(call, st, v, counts: Counter) -> None:
    import torch

    from exercises.patterns import run

    ex = v.params.get("example")
    if ex is None:
        counts["write: pack/unpack (no example)"] += 1
        return
    counts["write: by values" if ex["by_values"] else "write: by the result's shape"] += 1
    if call.op == "einsum" and not ex["by_values"]:
        counts["write: einsum by the result's shape"] += 1
    if "summing over" in v.prompt:
        counts["write: SUMMED AXES NAMED"] += 1
    if not ex["decisive"]:
        counts["write: not decisive, check accepts all that fit"] += 1
    if not ex["by_values"] or call.op not in ("einsum", "rearrange", "reduce", "repeat"):
        return
    ops, printed = _shown(v.prompt)
    if printed is None:
        counts["write: example not read back"] += 1
        return
    shown = dict(zip(re.findall(r"`([^`]+)` = `(?:np|torch)\.", v.prompt), ops.values()))
    names = [o["name"] for o in v.params["operands"]]
    sources = list(call.operand_sources) if call.operands_known and len(call.operand_sources) == len(names) else []
    try:
        tensors = [shown.get(src or n, shown.get(n)) for src, n in itertools.zip_longest(sources, names)][:len(names)]
        tensors = [t.numpy() if call.library == "numpy" else t for t in tensors]
    except Exception:
        counts["write: example not read back"] += 1
        return
    lengths = dict(re.findall(r"(\w+)=(\d+)", (re.search(r"\(with ([^)]*)\)", v.prompt) or [None, ""])[1]))
    lengths = {k: int(x) for k, x in lengths.items()}
    g = torch.Generator().manual_seed(0)
    rand = [torch.randn(t.shape, generator=g, dtype=torch.float64) for t in tensors]
    by_name = {}
    rand = [by_name.setdefault(n, r) for n, r in zip(names, rand)]
    if call.library == "numpy":
        rand = [r.numpy() for r in rand]

    def go(pattern, xs):
        return torch.as_tensor(run(call.op, pattern, xs, library=call.library, reduction=v.params["reduction"],
                                   lengths=lengths))

    def fits(got) -> bool:
        if isinstance(printed, tuple):  # (shape, [(index, value)])
            shape, probes = printed
            return tuple(got.shape) == tuple(shape) and all(abs(got[i].item() - x) < 1e-3 * max(1, abs(x))
                                                            for i, x in probes)
        return tuple(got.shape) == tuple(printed.shape) and torch.allclose(got.to(torch.float64), printed)

    try:
        ref = go(call.pattern, rand)
        assert fits(go(call.pattern, tensors))
    except Exception:
        counts["write: example not read back"] += 1
        return
    counts["write: examples re-derived"] += 1
    # a careful size-matcher: any arrangement whose result has the shape the card shows
    shown_shape = tuple(printed[0]) if isinstance(printed, tuple) else tuple(printed.shape)
    _size_matcher(v, [call.pattern, *_rearrangements(st)], lambda alt: (tuple(go(alt, tensors).shape),),
                  (shown_shape,), counts, call, st)
    want = (sorted(shown_shape), None if isinstance(printed, tuple) else printed.reshape(-1).sort().values)

    def same_entries(alt) -> bool:  # the set of axes `alt` keeps gives the card's entries, in some order
        try:
            got = go(alt, tensors)
        except Exception:
            return False
        if sorted(got.shape) != want[0]:
            return False
        return want[1] is None or torch.allclose(got.to(torch.float64).reshape(-1).sort().values, want[1])

    for alt in _rearrangements(st, counts, same_entries):
        try:
            got = go(alt, tensors)
        except Exception:  # not a valid answer
            continue
        if not fits(got):
            continue
        if tuple(go(alt, rand).shape) == tuple(ref.shape) and torch.allclose(go(alt, rand), ref):
            continue  # an equivalent spelling
        counts["write: second answer fits"] += 1
        if not v.check(alt).correct:
            counts["write: TWO ANSWERS FIT, ONE REJECTED"] += 1
            _EXAMPLES.setdefault("two answers", f"{call.where} {call.pattern!r} and {alt!r}")


def _size_matcher(v, candidates, shapes_of, shown, counts: Counter, call, st) -> None:
    """The card is solved by matching sizes when every candidate answer whose result has the
    shapes the card shows is accepted by its check, and some wrong candidate is ruled out by
    its shapes (so the sizes decided, not the values; a call with no wrong arrangement at all,
    like ``h -> () h``, is not counted)."""
    fitting, others = [], 0
    for alt in dict.fromkeys(candidates):
        try:
            fits = shapes_of(alt) == shown
        except Exception:  # the library refuses it on the card's shapes: ruled out by them too
            fits = False
        if fits:
            fitting.append(alt)
        elif not v.check(alt).correct:
            others += 1  # a wrong answer the sizes rule out
    if fitting and others and all(v.check(alt).correct for alt in fitting):
        kind = "pack/unpack" if call.op in ("pack", "unpack") else \
            "plain split or merge" if _keeps_order(st) else "other"
        counts[f"write: SOLVED BY MATCHING SIZES ({kind})"] += 1
        _EXAMPLES.setdefault(f"sizes {kind}", f"{call.where} {call.pattern!r}")


def _placements(pattern: str) -> list[str]:
    """A pack pattern with its ``*`` at every place among its names."""
    names = [t for t in pattern.split() if t != "*"]
    return [" ".join(names[:i] + ["*"] + names[i:]) for i in range(len(names) + 1)]


def _judge_packed(call, st, v, counts: Counter) -> None:
    """pack/unpack: where ``*`` goes, judged on the shapes the card shows (its example's, read
    back from the prompt, or the stated ones)."""
    import torch

    from exercises.patterns import run

    ex = v.params.get("example")
    if ex and ex["by_values"]:
        ops, _ = _shown(v.prompt)
        inputs = list(ops.values())
        if call.op == "unpack":
            ps = [tuple(int(x) for x in m.split(",") if x.strip())
                  for m in re.findall(r"\(([\d, ]*)\)", re.search(r"`ps` = \[([^\]]*)\]", v.prompt).group(1))]
            shown = tuple(tuple(torch.tensor(eval(m)).shape) for m in
                          re.findall(r"`\w+` = `(\[[^`]*\])`", v.prompt))
        else:
            ps = ()
            names = [o["name"] for o in v.params["operands"]]
            inputs = [ops[n] for n in names]
            shown = (tuple(torch.tensor(eval(re.search(r"`\w+` = `(\[[^`]*\])`", v.prompt).group(1))).shape),)
    else:
        inputs = [torch.zeros(o["shape"]) for o in v.params["operands"]]
        ps = [tuple(x) for x in v.params.get("packed_shapes", [])]
        shown = tuple(tuple(x.shape) for x in run(call.op, call.pattern, inputs, library="einops", packed_shapes=ps)) \
            if call.op == "unpack" else (tuple(v.params["out_shape"]),)

    def shapes_of(alt):
        out = run(call.op, alt, inputs, library="einops", packed_shapes=ps)
        return tuple(tuple(x.shape) for x in out) if call.op == "unpack" else (tuple(out.shape),)

    _size_matcher(v, _placements(call.pattern), shapes_of, shown, counts, call, st)


def main() -> None:
    from cardgen.fromcode.exercises import collect, forms_for, make_variant
    from exercises.traps import lazy_write_solves, solved_by, value_attempts

    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--forms", default="shape,write,read", help="comma-separated forms to judge")
    a = ap.parse_args()
    for path in a.paths:
        t0 = time.perf_counter()
        found = collect([path])
        counts: Counter = Counter()
        examples: dict[str, str] = {}
        for call, st in found.items:
            for form in forms_for(call, st):
                if form not in a.forms.split(","):
                    continue
                for seed in range(a.seeds):
                    try:
                        v = make_variant(call, form, seed, st)
                    except Exception as e:
                        counts[f"{form}: cannot draw ({type(e).__name__})"] += 1
                        continue
                    counts[f"{form} variants"] += 1
                    if form == "write":
                        if call.op in ("pack", "unpack"):
                            _judge_packed(call, st, v, counts)
                        else:
                            _judge_write(call, st, v, counts)
                        if call.op in ("pack", "unpack") or _keeps_order(st):
                            counts["write: inputs are the answer (pack, plain split or merge)"] += 1
                            if lazy_write_solves(v):
                                counts["write: inputs are the answer, solved lazily"] += 1
                        elif lazy_write_solves(v):
                            counts["write: SOLVED LAZILY"] += 1
                            examples.setdefault("write lazy", f"{call.where} {call.pattern}: {lazy_write_solves(v)}")
                        if call.op not in ("pack", "unpack") and first_appearance_solves(v, st.letters):
                            counts["write: SOLVED BY FIRST APPEARANCE (t21's solver)"] += 1
                            examples.setdefault(f"first appearance {call.op}",
                                                f"{call.where} {call.pattern}: {first_appearance_solves(v, st.letters)}")
                        if call.pattern in v.prompt:
                            counts["write: PATTERN ON THE CARD"] += 1
                            examples.setdefault(f"pattern on card {counts['write: PATTERN ON THE CARD']}",
                                                f"{call.where} {call.pattern!r}: {v.prompt[:300]}")
                    else:
                        if form == "shape":
                            printed = [tuple(int(x) for x in m.split(",") if x.strip())
                                       for m in re.findall(r"randn\(([\d, ]*)\)", v.code or "")]
                            if tuple(v.answer) in printed:
                                counts["shape: ANSWER PRINTED IN ITS CODE"] += 1
                                examples.setdefault(f"shape printed {counts['shape: ANSWER PRINTED IN ITS CODE']}",
                                                    f"{call.where} {call.pattern}: {v.code}")
                        if solved_by(v, value_attempts(v)):
                            counts[f"{form}: SOLVED BY FORMAT EXAMPLE / 0 / DISTRACTOR"] += 1
                            examples.setdefault(f"{form} lazy", f"{call.where} {call.pattern}: "
                                                                f"{solved_by(v, value_attempts(v))}")
        print(f"{path}: {len(found.items)} calls, {len(found.skipped)} skipped, {time.perf_counter() - t0:.1f} s")
        for k in sorted(counts):
            print(f"  {k}: {counts[k]}")
        examples.update(_EXAMPLES)
        _EXAMPLES.clear()
        for k, e in examples.items():
            print(f"  e.g. {k}: {e}")


if __name__ == "__main__":
    main()
