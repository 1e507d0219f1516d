"""Which einops call is refused, and why: one choice among four calls on the same tensor.

Exactly one call breaks a rule of einops: an axis on one side only in rearrange, a name used
twice, brackets inside brackets, a split whose sizes cannot be inferred, ``...`` on one side
only, a number other than 1 in rearrange, or a new axis in repeat without its size. The other
three are look-alikes einops accepts (reduce dropping an axis, repeat adding one with a size,
``()``, ``(...)``...), each the call a learner who half-knows the rules would pick. Which call
is refused is found by running einops on every option and catching its error; the refused
kind and its letter are balanced over blocks of seeds.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from exercises.base import Family, Variant
from exercises.checking import ChoiceCheck, format_shape
from exercises.einops._common import pick_names

ID = "einops.invalid"
LABELS = "ABCD"


@dataclass(frozen=True)
class Call:
    """One einops call on ``x``; ``trap`` says why a learner might wrongly pick it as refused."""

    op: str
    pattern: str
    kwargs: dict[str, int] = field(default_factory=dict)
    trap: str = ""
    why: str = ""  # for a refused call: the rule it breaks

    def fill(self, names: dict[str, str]) -> Call:
        return Call(self.op, self.pattern.format(**names), {names[k]: v for k, v in self.kwargs.items()},
                    self.trap.format(**names), self.why.format(**names))

    def text(self, reduction: str) -> str:
        red = f", {reduction!r}" if self.op == "reduce" else ""
        kw = "".join(f", {k}={v}" for k, v in self.kwargs.items())
        return f"einops.{self.op}(x, {self.pattern!r}{red}{kw})"


# (kind, the refused call, its look-alike that einops accepts)
REFUSED: tuple[tuple[str, Call, Call], ...] = (
    ("axis on one side only",
     Call("rearrange", "{a} {b} {c} -> {a} {b}",
          why="rearrange keeps every axis: `{c}` is on the left only (dropping it needs reduce)"),
     Call("reduce", "{a} {b} {c} -> {a} {b}", trap="thinks reduce, like rearrange, must keep every axis")),
    ("new name in rearrange",
     Call("rearrange", "{a} {b} {c} -> {a} {b} {c} {r}",
          why="rearrange cannot create an axis: `{r}` is on the right only (adding copies needs repeat)"),
     Call("rearrange", "{a} {b} {c} -> {a} {b} {c} 1", trap="thinks a new axis of length 1 is refused too")),
    ("repeated name",
     Call("rearrange", "{a} {b} {b} -> {a} {b}", why="a name may appear only once on each side: `{b}` is used twice"),
     Call("rearrange", "{a} {b} {c} -> {a} {c} {b}", trap="thinks rearrange cannot swap two axes")),
    ("nested parentheses",
     Call("rearrange", "{a} {b} {c} -> ({a} ({b} {c}))", why="groups cannot nest: brackets inside brackets"),
     Call("rearrange", "{a} {b} {c} -> {a} ({b} {c})", trap="thinks merging two axes needs their sizes")),
    ("sizes that cannot be inferred",
     Call("rearrange", "{a} {b} ({c} {k}) -> {a} {b} {c} {k}",
          why="one axis split into two unknown sizes: einops needs one of them, e.g. `{k}=...`"),
     Call("rearrange", "{a} ({b} {k}) {c} -> {a} {b} {k} {c}", {"k": 2},
          trap="thinks splitting an axis is refused even with one size given")),
    ("`...` on one side only",
     Call("rearrange", "{a} ... -> {a}", why="`...` is on the left only: rearrange must keep the axes it stands for"),
     Call("reduce", "{a} ... -> {a}", trap="thinks reduce cannot drop the axes of `...`")),
    ("a number in rearrange",
     Call("rearrange", "{a} {b} {c} -> {a} {b} {c} 2",
          why="a number other than 1 is a new axis of copies: rearrange makes no copies (repeat does)"),
     Call("repeat", "{a} {b} {c} -> {a} {b} {c} 2", trap="thinks a bare number cannot be a new axis")),
    ("new axis in repeat without its size",
     Call("repeat", "{a} {b} {c} -> {a} {b} {c} {r}", why="repeat needs the size of the new axis `{r}`: pass `{r}=...`"),
     Call("repeat", "{a} {b} {c} -> {a} {b} {c} {r}", {"r": 3},
          trap="thinks repeat cannot add a named axis even with its size")),
)

#: More calls einops accepts, each one a learner might take for an error.
LOOK_ALIKES: tuple[Call, ...] = (
    Call("rearrange", "{a} {b} {c} -> {c} {b} {a}", trap="thinks rearrange can only swap neighbouring axes"),
    Call("rearrange", "{a} {b} {c} -> {a} () {b} {c}", trap="thinks `()` is an empty group einops refuses"),
    Call("rearrange", "{a} ... -> {a} (...)", trap="thinks `...` cannot stand inside a group"),
    Call("reduce", "{a} {b} {c} -> {a}", trap="thinks reduce drops only one axis at a time"),
    Call("repeat", "{a} {b} {c} -> {a} ({b} 2) {c}", trap="thinks a number cannot sit inside a group"),
    Call("rearrange", "{a} {b} {c} -> ({a} {b}) {c}", trap="thinks the batch cannot be merged with another axis"),
)

RULES = ("rearrange keeps exactly the same axes on both sides; reduce may drop axes and repeat may add them "
         "(a new named axis needs its size); a name appears once per side; groups do not nest; a split needs "
         "all sizes but one.")


def _block_pick(n: int, what: str, seed: int) -> int:
    """Seed ``seed``'s slot among ``n``: each block of ``n`` seeds takes every slot once."""
    order = list(range(n))
    random.Random(f"{ID}/{what}/{seed // n}").shuffle(order)
    return order[seed % n]


def outcome(call: Call, shape: tuple[int, ...], reduction: str):
    """Run the call with einops on zeros of ``shape``: (True, result shape) or (False, einops' message)."""
    import einops
    import numpy as np

    x = np.zeros(shape)
    try:
        if call.op == "reduce":
            y = einops.reduce(x, call.pattern, reduction, **call.kwargs)
        else:
            y = getattr(einops, call.op)(x, call.pattern, **call.kwargs)
    except einops.EinopsError as e:
        lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
        return False, lines[-1] if lines else type(e).__name__
    return True, tuple(y.shape)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    kind, bad, twin = REFUSED[_block_pick(len(REFUSED), "kind", seed)]
    pos = _block_pick(len(LABELS), "position", seed)
    roles = rng.choice([("batch", "height", "width"), ("batch", "seq", "model"), ("batch", "channel", "time")])
    a, b, c = pick_names(rng, *roles)
    spare = [n for n in ("k", "g", "p", "r", "n", "m") if n not in (a, b, c)]
    names = {"a": a, "b": b, "c": c, "k": spare[0], "r": spare[1]}
    shape = (rng.choice([2, 3, 5]), rng.choice([4, 6, 8]), rng.choice([3, 5, 7]))
    reduction = rng.choice(["mean", "max", "sum"])
    fillers = rng.sample([x for x in LOOK_ALIKES if x.pattern != twin.pattern], 2)
    others = [twin.fill(names)] + [x.fill(names) for x in fillers]
    rng.shuffle(others)
    calls = others[:pos] + [bad.fill(names)] + others[pos:]
    results = [outcome(x, shape, reduction) for x in calls]
    refused = [i for i, (ok, _) in enumerate(results) if not ok]
    if refused != [pos]:  # the rules above are einops' own: a change in einops shows here
        raise RuntimeError(f"{ID}/{seed}: einops refuses {refused}, expected only {pos}: {results}")
    texts = tuple(x.text(reduction) for x in calls)
    width = max(map(len, texts))
    code = "\n".join([f"x = torch.zeros{format_shape(shape)}  # axes: {a} {b} {c}"]
                     + [f"{t.ljust(width)}  # {LABELS[i]}" for i, t in enumerate(texts)])
    check = ChoiceCheck(texts, pos)
    label = LABELS[pos]
    message = results[pos][1]
    runs = "; ".join(f"{LABELS[i]}) gives shape {format_shape(r)}" for i, (ok, r) in enumerate(results) if ok)
    return Variant(
        family=ID, form=form, seed=seed,
        params={"shape": list(shape), "names": [a, b, c], "reduction": reduction, "kind": kind,
                "calls": [{"op": x.op, "pattern": x.pattern, "kwargs": dict(x.kwargs)} for x in calls],
                "refused": pos, "error": message},
        prompt=f"`x` has shape {format_shape(shape)}, axes {a} {b} {c}. Exactly one of the calls below raises an "
               f"error. Which one does einops refuse? Answer with its letter.",
        code=code, answer=label, answer_text=label, checker=check,
        explanation=f"{label}) `{texts[pos]}` raises: einops says \"{message}\". The rule: {calls[pos].why}. "
                    f"The others run: {runs}.",
        hints=(RULES,
               ("For each call, list the axes on each side: which appear on one side only, and may this operation "
               "(rearrange, reduce, repeat) drop or add them?"),
               f"The refused call has {kind}."),
        distractors=tuple(LABELS[i] for i in range(len(LABELS)) if i != pos),
        alternatives=(label.lower(), f"{label})"),
        mistakes=tuple((calls[i].trap, LABELS[i]) for i in range(len(LABELS)) if i != pos),
    )


FAMILY = Family(
    id="einops.invalid",
    title="Patterns einops refuses",
    forms=("read",),
    difficulty=2,
    summary="Which of four calls einops refuses, and the rule it breaks (found by running einops).",
    make=make,
)
