"""Patterns with ``...``: one einops call for any number of leading (or middle) axes.

``...`` stands for every axis the pattern does not name, kept in place and in order, so
``'... h w -> ... (h w)'`` flattens the last two axes of a matrix, a batch or a batch of
videos alike. The write form is judged on the card's shape *and* on one with an extra axis
under ``...``: a pattern that names those axes instead fits only the one shape on the card.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from exercises.base import Family, Verdict
from exercises.checking import Check, EinopsCheck, distinct_sizes
from exercises.einops._common import (
    FORMS,
    Operand,
    Problem,
    einops_maker,
    pick_names,
    reshape_slip,
    reversed_group_slips,
    shape_text,
    wrong_pattern,
)

ELL = "..."
_PROSE = ("flatten last two axes leading whatever come before one pattern any number of batch-like channels "
          "right after spatial axes between images videos signals average every however many heads head-major "
          "features swap sum like")


def _leading(n: int) -> str:
    return "one leading axis" if n == 1 else f"{n} leading axes"


def _case(rng, form, k):
    """(op, lhs, rhs, reduction, lengths, roles, what, explanation, slips, value hint) of case ``k``."""
    if k == 0:
        a, b = pick_names(rng, "height", "width", avoid=_PROSE)
        return ("rearrange", f"... {a} {b}", f"... ({a} {b})", None, (), {a: "height", b: "width"},
                ("Flatten the last two axes of `{x}` (rows, columns) into one, row after row, whatever comes before "
                "them: one pattern for any number of leading axes."),
                f"`...` keeps the leading axes in place; `({a} {b})` merges the last two with `{a}` varying slowest.",
                [*reversed_group_slips(f"... {a} {b} -> ... ({a} {b})", "the group `{group}` in the wrong order"),
                 wrong_pattern("flattened the leading axes too", f"... {a} {b} -> (... {a} {b})")])
    if k == 1:
        bt, c = pick_names(rng, "batch", "channel", avoid=_PROSE)
        return ("rearrange", f"{bt} {ELL} {c}", f"{bt} {c} {ELL}", None, (), {bt: "batch", c: "channel"},
                ("`{x}` is channels-last data: the batch first, the channels last and any number of spatial axes "
                "between (images, videos or 1-D signals alike). Move the channels right after the batch, keeping "
                "the spatial axes in order."),
                (f"`...` matches every spatial axis, however many; writing it after `{c}` on the right moves the "
                f"channels in front of all of them at once."),
                [reshape_slip("a plain reshape to the channels-first shape, without moving any axis"),
                 wrong_pattern("moved the channels in front of the batch too", f"{bt} {ELL} {c} -> {c} {bt} {ELL}")])
    if k == 2:
        bt, c = pick_names(rng, "batch", "channel", avoid=_PROSE)
        return ("rearrange", f"{bt} {c} {ELL}", f"{bt} {ELL} {c}", None, (), {bt: "batch", c: "channel"},
                ("`{x}` is channels-first data: the batch, then the channels, then any number of spatial axes "
                "(images, videos or 1-D signals alike). Move the channels to the end, keeping the spatial axes "
                "in order."),
                (f"`...` matches every spatial axis, however many; writing `{c}` after it on the right moves the "
                f"channels behind all of them."),
                [reshape_slip("a plain reshape to the channels-last shape, without moving any axis"),
                 wrong_pattern("read the layout backwards (the inverse move)", f"{bt} {ELL} {c} -> {bt} {c} {ELL}")])
    if k == 3:
        bt, c = pick_names(rng, "batch", "channel", avoid=_PROSE)
        red = rng.choice(["mean", "max"])
        word = "Average" if red == "mean" else "Take the maximum"
        return ("reduce", f"{bt} {c} {ELL}", f"{bt} {c}", red, (), {bt: "batch", c: "channel"},
                (f"`{{x}}` is channels-first data (batch, channels, then any number of spatial axes). {word} over "
                f"every spatial axis, however many there are, leaving one number per channel of each example."),
                (f"Every axis missing on the right is reduced, and `...` on the left names all the spatial axes "
                f"at once, so '{red}' runs over all of them."),
                [wrong_pattern("reduced over the channels as well", f"{bt} {c} {ELL} -> {bt}"),
                 wrong_pattern("reduced over the batch instead of the spatial axes", f"{bt} {c} {ELL} -> {c} {ELL}")])
    if k == 4:
        h, d = pick_names(rng, "heads", "head_dim", avoid=_PROSE)
        return ("rearrange", f"{ELL} ({h} {d})", f"{ELL} {h} {d}", None, (h,), {h: "heads", d: "head_dim"},
                (f"Split the last axis of `{{x}}` into `{h}` heads of equal size, head-major (head 0's features "
                f"first), for any number of leading axes; pass `{h}` as a keyword."),
                (f"`({h} {d})` on the left splits the last axis with `{h}` slowest (head-major); `...` keeps "
                f"whatever comes before."),
                reversed_group_slips(f"{ELL} ({h} {d}) -> {ELL} {h} {d}", "the heads read interleaved: `{group}` reversed"))
    if k == 5:
        i, j = pick_names(rng, "q_pos", "k_pos", avoid=_PROSE)
        return ("rearrange", f"{ELL} {i} {j}", f"{ELL} {j} {i}", None, (), {i: "q_pos", j: "k_pos"},
                "Swap the last two axes of `{x}` (like `{x}.transpose(-2, -1)`), for any number of leading axes.",
                f"`...` keeps the leading axes; listing `{j} {i}` swaps the two named ones.",
                [reshape_slip("a plain reshape to the swapped shape, without moving any axis"),
                 wrong_pattern("swapped the first two axes instead", f"{i} {j} {ELL} -> {j} {i} {ELL}")])
    if k == 7:
        c = pick_names(rng, "channel", avoid=_PROSE)[0]
        return ("rearrange", f"{ELL} {c}", f"{c} {ELL}", None, (), {c: "channel"},
                ("`{x}` is channels-last data with any number of axes before the channels. Move the channels to "
                 "the very front (one block per channel, as per-channel statistics need), keeping the other axes "
                 "in order."),
                f"`...` matches every axis before `{c}`; writing `{c}` first on the right moves it in front of all of them.",
                [reshape_slip("a plain reshape to the channels-first shape, without moving any axis"),
                 wrong_pattern("moved the first axis to the end instead", f"{c} {ELL} -> {ELL} {c}")])
    if k == 8:
        t = pick_names(rng, "time", avoid=_PROSE)[0]
        return ("rearrange", f"{t} {ELL}", f"{ELL} {t}", None, (), {t: "time"},
                ("`{x}` is time-major: the time steps first, then any number of other axes. Make time the last "
                 "axis, keeping the other axes in order."),
                f"`...` matches every axis after `{t}`; writing `{t}` last on the right moves it behind all of them.",
                [reshape_slip("a plain reshape to the time-last shape, without moving any axis"),
                 wrong_pattern("moved the last axis to the front instead", f"{ELL} {t} -> {t} {ELL}")])
    if k == 9:
        r = pick_names(rng, "rep", avoid=_PROSE)[0]
        return ("reduce", f"{r} {ELL}", f"{ELL}", "mean", (), {r: "rep"},
                ("`{x}` stacks the outputs of an ensemble: one copy per model along its first axis, then any number "
                 "of axes. Average over the models."),
                f"`{r}` is missing on the right, so it is averaged; `...` keeps every other axis in place.",
                [wrong_pattern("averaged the last axis instead", f"{ELL} {r} -> {ELL}")])
    if k == 10:
        r = pick_names(rng, "rep", avoid=_PROSE)[0]
        return ("repeat", f"{ELL}", f"{ELL} {r}", None, (r,), {r: "rep"},
                (f"Stack `{r}` copies of `{{x}}` along a new last axis, for any number of axes; pass `{r}` as a "
                 f"keyword."),
                "A name only on the right is a new axis; `...` keeps every existing axis in front of it.",
                [wrong_pattern("the copies stacked along a new first axis", f"{ELL} -> {r} {ELL}")])
    f = pick_names(rng, "feature", avoid=_PROSE)[0]
    return ("reduce", f"{ELL} {f}", f"{ELL}", "sum", (), {f: "feature"},
            "Sum `{x}` over its last axis (like `{x}.sum(-1)`), for any number of leading axes.",
            f"`{f}` is missing on the right, so it is summed; `...` keeps every other axis in place.",
            [wrong_pattern("summed the first axis instead", f"{f} {ELL} -> {ELL}")])


N_CASES = 11


def problem(rng, form):
    k = rng.randrange(N_CASES)
    op, lhs, rhs, red, lengths, roles, what, expl, slips = _case(rng, form, k)
    named = list(roles)
    n_ell = 1 if form == "value" else rng.choice([1, 2, 3])
    if form == "value":
        sizes = dict(zip(named, rng.sample([2, 3], len(named)) if len(named) == 2 else [rng.choice([2, 3])]))
        ell = [2]
    else:
        drawn = distinct_sizes(rng, len(named) + n_ell)
        sizes, ell = dict(zip(named, drawn)), drawn[len(named):]
    tokens = lhs.replace("(", " ( ").replace(")", " ) ").split()
    shape: list[int] = []
    group: list[int] | None = None
    for t in tokens:
        if t == "(":
            group = []
        elif t == ")":
            shape.append(math.prod(group))
            group = None
        elif t == ELL:
            shape += ell
        elif group is not None:
            group.append(sizes[t])
        else:
            shape.append(sizes[t])
    x = rng.choice(["x", "t", "feats"])
    named_text = ", ".join(f"`{n}`={sizes[n]}" for n in named)
    under = f"{n_ell} {'axis' if n_ell == 1 else 'axes'} under `...`"
    in_desc = f"`{x}` has shape {shape_text(tuple(shape))}: {under} and the named axes {named_text}."
    value_hint = None
    if op == "reduce":
        value_hint = f"Each entry is the {red} over every axis missing on the right (what `...` covers, or `{named[-1]}`)."
    return Problem(
        op=op,
        pattern=f"{lhs} -> {rhs}",
        operands=[Operand(x, lhs, tuple(shape))],
        sizes=sizes,
        roles=roles,
        reduction=red,
        lengths=lengths,
        what=what.format(x=x),
        idea="`...` stands for all the axes the pattern does not name, kept together and in order on both sides.",
        write_hints=[expl.split(";")[0] + ".", "Name only the axes the operation touches and write `...` for the rest."],
        explanation=expl,
        wrong=[f"{lhs} -> {lhs}"],
        in_desc=in_desc,
        shape_hints=[(f"`...` covers {_leading(n_ell)} of sizes {', '.join(map(str, ell))}; the named axes are "
                     f"{named_text}."), "On the right, `...` puts those axes back in the same order."],
        value_hint=value_hint,
        mistakes=slips,
    )


@dataclass(frozen=True)
class AnyRankCheck(Check):
    """Right on the card's shape and on one with an extra axis under ``...``: the pattern must work
    for any number of those axes, as the card asks, not only for the shape printed."""

    here: EinopsCheck
    other: EinopsCheck
    kind = "an einops pattern"

    @property
    def expected_text(self) -> str:
        return self.here.expected_text

    def examples(self):
        return self.here.examples()

    def check(self, response: str) -> Verdict:
        first = self.here.check(response)
        if not first.correct:
            return first
        second = self.other.check(response)
        if second.correct:
            return first
        return self.wrong(f"right for the shape on the card, but not with another number of axes under `...` "
                          f"({second.reason}): use `...` for the axes the operation does not touch", "no_ellipsis")


def _extra_axis(params: dict) -> tuple[int, ...]:
    """The operand's shape with one more axis (of size 2) where ``...`` starts."""
    lhs = params["pattern"].split("->")[0]
    tokens = lhs.replace("(", " ( ").replace(")", " ) ").split()
    pos, depth = 0, 0
    for t in tokens:
        if t == ELL:
            break
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            pos += 1
        elif depth == 0:
            pos += 1
    shape = list(params["shapes"][0])
    return tuple(shape[:pos] + [2] + shape[pos:])


_maker = einops_maker(problem)


def make(rng, form, seed):
    v = _maker(rng, form, seed)
    if form == "write":
        here = v.checker
        v.checker = AnyRankCheck(here, dataclasses.replace(here, shapes=(_extra_axis(v.params),)))
    return v


FAMILY = Family(
    id="einops.ellipsis",
    title="Ellipsis patterns",
    forms=FORMS,
    difficulty=2,
    summary="`...` for the axes a pattern does not name: one call for any number of leading axes.",
    make=make,
)
