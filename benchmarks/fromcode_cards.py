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


def _rearrangements(st) -> list[str]:
    """Every order of the result's members in the result's group structure (up to 6 members)."""
    members = [m for it in st.output for m in it.members]
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
    return out


_EXAMPLES: dict[str, str] = {}


def _keeps_order(st) -> bool:
    names = list(dict.fromkeys(n for side in st.inputs for it in side for n in it.names))
    return st.output is not None and st.output_names() == names


def _judge_write(call, st, v, counts: Counter) -> None:
    import torch

    from exercises.patterns import run

    ex = v.params.get("example")
    if ex is None:
        counts["write: pack/unpack (no example)"] += 1
        return
    counts["write: by values" if ex["by_values"] else "write: by the result's shape"] += 1
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
    for alt in _rearrangements(st):
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


def main() -> None:
    from cardgen.fromcode.exercises import collect, forms_for, make_variant
    from exercises.traps import lazy_write_solves, solved_by, value_attempts

    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--seeds", type=int, default=4)
    a = ap.parse_args()
    for path in a.paths:
        t0 = time.perf_counter()
        found = collect([path])
        counts: Counter = Counter()
        examples: dict[str, str] = {}
        for call, st in found.items:
            for form in forms_for(call, st):
                for seed in range(a.seeds):
                    try:
                        v = make_variant(call, form, seed, st)
                    except Exception as e:
                        counts[f"{form}: cannot draw ({type(e).__name__})"] += 1
                        continue
                    counts[f"{form} variants"] += 1
                    if form == "write":
                        _judge_write(call, st, v, counts)
                        if call.op in ("pack", "unpack") or _keeps_order(st):
                            counts["write: inputs are the answer (pack, plain split or merge)"] += 1
                            if lazy_write_solves(v):
                                counts["write: inputs are the answer, solved lazily"] += 1
                        elif lazy_write_solves(v):
                            counts["write: SOLVED LAZILY"] += 1
                            examples.setdefault("write lazy", f"{call.where} {call.pattern}: {lazy_write_solves(v)}")
                        if call.pattern in v.prompt:
                            counts["write: PATTERN ON THE CARD"] += 1
                    else:
                        if form == "shape":
                            printed = [tuple(int(x) for x in m.split(",") if x.strip())
                                       for m in re.findall(r"randn\(([\d, ]*)\)", v.code or "")]
                            if tuple(v.answer) in printed:
                                counts["shape: ANSWER PRINTED IN ITS CODE"] += 1
                                examples.setdefault("shape printed", f"{call.where} {call.pattern}")
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
