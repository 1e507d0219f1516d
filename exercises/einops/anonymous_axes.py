"""Anonymous axes: ``1`` and ``()`` for axes of length 1, and numbers inside patterns.

``'b s d -> b 1 s d'`` inserts a unit axis like ``x[:, None]``; ``'b c () () -> b c'`` drops
two; ``reduce(x, 'b s d -> b () d', 'mean')`` keeps the reduced axis like ``keepdim=True``;
``repeat(x, 'b h w -> b 3 h w')`` makes 3 copies along a new axis; ``reduce(x, 'b (s 2) d ->
b s d', 'max')`` pools neighbouring pairs. A number other than 1 names no axis, so it needs
no keyword — and rearrange accepts none (see ``einops.invalid``).
"""
from __future__ import annotations

import re

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (
    FORMS,
    Problem,
    einops_maker,
    operand,
    pick_names,
    shape_text,
    wrong_pattern,
)
from exercises.einops._task_cases import draw_balanced

_PROSE = ("length-1 axis after batch unit axes left keepdim pooling feature map broadcast gray grayscale "
          "channels copies average maximum neighbouring pairs positions each example like anonymous name "
          "stack layers heads features samples sequence height width time steps channel vectors")
_UNIT = ("1", "()")


def _sizes(rng, form, names, fixed=None):
    fixed = fixed or {}
    free = [n for n in names if n not in fixed]
    if form == "value":
        drawn = [rng.choice([2, 3]) for _ in free]
        if free:
            drawn[0] = 1 if len(free) > 2 else drawn[0]  # keep value cards small
    else:
        drawn = distinct_sizes(rng, len(free))
    return {**dict(zip(free, drawn)), **fixed}


#: (kind, input layout, result, what the problem says): placeholders {b} {s} {d} {c} {h} {w} name
#: axes, {one} a unit axis (``1`` or ``()``), {k} the number of copies. Each kind asks several places
#: for its unit axis, reduced axis or copies, said in the problem's terms (what the tensor must
#: broadcast against, what is averaged, the layout asked), never as the torch call that spells the
#: result (``x[:, None]``, ``x.mean(1, keepdim=True)``: translated index by index, they answered
#: 58%), so neither the card's text, its input nor the family's other seeds tell where it goes
#: (issue 18: one place per kind left three answers at 49%).
_CASES = [
    ("unsqueeze", "{b} {s} {d}", "{one} {b} {s} {d}", "a stack of such tensors, one per layer, the layers first"),
    ("unsqueeze", "{b} {s} {d}", "{b} {one} {s} {d}", "per-head tensors stored as attention code returns them: "
     "examples, heads, positions, features"),
    ("unsqueeze", "{b} {s} {d}", "{b} {s} {one} {d}", "per-head tensors stored position-major: examples, positions, "
     "heads, features"),
    ("unsqueeze", "{b} {s} {d}", "{b} {s} {d} {one}", "several samples of every feature, the samples last"),
    ("expand", "{b} {c}", "{b} {c} {one} {one}", "a channels-first feature map (channels before height and width)"),
    ("expand", "{b} {c}", "{b} {one} {one} {c}", "a channels-last feature map (height and width before channels)"),
    ("expand", "{b} {c}", "{b} {one} {c}", "a sequence of channel vectors per example, positions before channels"),
    ("expand", "{b} {c}", "{b} {c} {one}", "a channels-first 1-D signal per example (channels before time steps)"),
    ("expand", "{b} {c}", "{one} {b} {c}", "a stack of such tensors, one per layer, the layers first"),
    ("squeeze", "{b} {c} {one} {one}", "{b} {c}", "Drop both"),
    ("squeeze", "{b} {c} {one} {one}", "{b} {c} {one}", "Drop the last one only (the other stays for a later "
     "broadcast)"),
    ("keepdim", "{b} {s} {d}", "{one} {s} {d}", "the examples (at every position and feature)"),
    ("keepdim", "{b} {s} {d}", "{b} {one} {d}", "the positions of each example"),
    ("keepdim", "{b} {s} {d}", "{b} {s} {one}", "the features of each position"),
    ("copies", "{b} {h} {w}", "{b} {k} {h} {w}", "channels-first (the copies right after the batch)"),
    ("copies", "{b} {h} {w}", "{b} {h} {w} {k}", "channels-last (the copies last)"),
    ("copies", "{b} {h} {w}", "{k} {b} {h} {w}", "as a new leading axis (copy 0 of the whole batch, then copy 1, …)"),
    ("pairs", "{b} ({s} 2) {d}", "{b} {s} {d}", "each pair of neighbouring positions (0 and 1, 2 and 3, …)"),
    ("pairs", "{b} (2 {s}) {d}", "{b} {s} {d}", "each position of the first half with the position half a sequence "
     "later (0 and n/2, 1 and n/2 + 1, …)"),
    ("pairs", "{b} {s} ({d} 2)", "{b} {s} {d}", "each pair of neighbouring features (0 and 1, 2 and 3, …) at every "
     "position"),
]
#: The value form asks only what changes values: moving length-1 axes changes none
_VALUE_KINDS = ("copies", "keepdim", "pairs")
_ROLES = {"b": "batch", "s": "seq", "d": "model", "c": "channel", "h": "height", "w": "width"}


def problem(rng, form, seed=None):
    cases = [c for c in _CASES if form != "value" or c[0] in _VALUE_KINDS]
    if seed is None:
        kind, lhs_t, rhs_t, said = rng.choice(cases)
    else:
        kind, lhs_t, rhs_t, said = draw_balanced(cases, f"einops.anonymous_axes/{form == 'value'}", seed)
    used = [r for r in "bsdchw" if "{" + r + "}" in lhs_t + rhs_t]
    names = dict(zip(used, pick_names(rng, *(_ROLES[r] for r in used), avoid=_PROSE)))
    x = rng.choice(["x", "t", "feats"])
    one = rng.choice(_UNIT)
    k = (rng.choice([2, 3, 4]) if form != "value" else rng.choice([2, 3])) if kind == "copies" else 2

    def fill(t: str, unit: str = one) -> str:
        return t.format(**names, one=unit, k=k, x=x)

    lhs, rhs = fill(lhs_t), fill(rhs_t)
    others = [fill(r) for kd, lt, r, _ in _CASES if kd == kind and lt == lhs_t and r != rhs_t]
    named = [n for n in names.values() if f"({n} 2)" not in lhs and f"(2 {n})" not in lhs]
    sizes = _sizes(rng, form, list(names.values()))
    if kind == "keepdim":  # a value card never reduces over a single entry
        gone = lhs.split()[rhs.split().index(one)]
        sizes[gone] = max(sizes[gone], 2)
    if kind == "copies":  # a batch of one would make the leading copies read like channels-first
        sizes[names["b"]] = max(sizes[names["b"]], 2)
    dropped = " ".join(t for t in rhs.split() if t != one)
    roles = {n: _ROLES[r] for r, n in names.items()}
    common = dict(op="rearrange", pattern=f"{lhs} -> {rhs}", operands=[operand(x, lhs, sizes)], sizes=sizes,
                  roles=roles, mistakes=[wrong_pattern("the unit axis in another place", f"{lhs} -> {o}")
                                         for o in others])
    if kind in ("unsqueeze", "expand"):
        held = ("a sequence of feature vectors per example" if kind == "unsqueeze"
                else "one number per channel of each example")
        return Problem(
            **common,
            what=f"`{x}` holds {held}. Give it the axes of length 1 it needs to broadcast against {said}, "
                 f"without naming them (anonymous axes).",
            idea="`1` or `()` in a pattern is an axis of length 1 that needs no name.",
            write_hints=["A new axis of length 1 is written `1` (or `()`) on the right only.",
                         "Broadcasting pairs axes by position: put a unit axis wherever the other tensor has an "
                         "axis this one lacks."],
            explanation=f"Each `{one}` on the right adds an axis of length 1 where it is written, so every axis of "
                        f"`{x}` lines up with its counterpart in {said}.",
            wrong=[f"{lhs} -> {lhs}"],
        )
    if kind == "squeeze":
        return Problem(
            **common,
            what=f"`{x}` is what global pooling with keepdim left: two trailing axes of length 1. {said}.",
            idea="`1` or `()` on the left matches an axis of length 1; leaving it out on the right drops it.",
            write_hints=["Write the two unit axes as `1` (or `()`) on the left.",
                         "An axis of length 1 left out on the right is dropped; one kept is written there."],
            explanation=f"`{one}` on the left matches an axis of length 1; one absent on the right is dropped (no "
                        f"values are lost).",
            wrong=[f"{lhs} -> {lhs}"],
        )
    if kind == "keepdim":
        red = rng.choice(["mean", "max"])
        word = "Average" if red == "mean" else "Take the maximum"
        common["op"] = "reduce"
        common["mistakes"] = [wrong_pattern("reduced over another axis", f"{lhs} -> {o}") for o in others] + [
            wrong_pattern("dropped the reduced axis (no keepdim)", f"{lhs} -> {dropped}")]
        return Problem(
            **common, reduction=red,
            what=f"{word} over {said} of `{x}`, keeping the reduced axis in its place with length 1.",
            idea="An axis missing on the right is reduced; `1` or `()` keeps a place for it, of length 1.",
            write_hints=["Leave the reduced axis out of the right side, then put a `1` (or `()`) where it was.",
                         "keepdim=True keeps the axis in place, with length 1."],
            explanation=f"`{gone}` is missing on the right, so '{red}' runs over it; `{one}` in its place keeps an "
                        f"axis of length 1, as keepdim=True does.",
            wrong=[f"{lhs} -> {dropped}"],
            value_hint=f"Each entry is the {red} over {said}.",
        )
    if kind == "copies":
        common["op"] = "repeat"
        b, h, w = names["b"], names["h"], names["w"]
        common["mistakes"] = [wrong_pattern("the copies in another place", f"{lhs} -> {o}") for o in others] + [
            wrong_pattern("the copies inside the width (tiled images) instead of a new axis",
                          f"{lhs} -> {b} {h} ({k} {w})")]
        return Problem(
            **common,
            what=f"`{x}` is a batch of grayscale images. Make {k} identical copies of each, {said}, with a "
                 f"number in the pattern (no keyword).",
            idea="A number on the right of repeat is a new axis of that many copies; it needs no name.",
            write_hints=[f"The new axis is just `{k}`: repeat fills it with copies.",
                         "Put it where the copies go in the asked layout."],
            explanation=f"`{k}` on the right of repeat is a new anonymous axis of length {k}; every entry along it "
                        f"is the same pixel.",
            wrong=others,
        )
    red = rng.choice(["mean", "max"])
    word = "average" if red == "mean" else "maximum"
    group = next(t for t in re.findall(r"\([^()]*\)", lhs))
    halved = next(n for n in names.values() if n in group)
    what_axis = "positions" if roles[halved] == "seq" else "features"
    shape = operand(x, lhs, sizes).shape
    words = {"batch": "examples", "seq": "positions", "model": "features"}
    desc = ", ".join(f"`{n}`={sizes[n]} {words[roles[n]]}" if n in named else f"{shape[i]} {what_axis}"
                     for i, n in enumerate(lhs_names(lhs)))
    other_group = group.replace(f"{halved} 2", f"2 {halved}") if f"{halved} 2" in group else group.replace(
        f"2 {halved}", f"{halved} 2")
    common["op"] = "reduce"
    common["mistakes"] = [wrong_pattern(f"paired the wrong entries: {other_group} instead of {group}",
                                        f"{lhs.replace(group, other_group)} -> {rhs}")]
    return Problem(
        **common, reduction=red,
        in_desc=f"`{x}` has shape {shape_text(shape)}: {desc}; call the halved {what_axis} axis `{halved}`.",
        what=f"`{x}` holds a sequence of feature vectors per example (batch, positions, features). Replace "
             f"{said} by their {word}, halving the {what_axis}; write the pair size as a number.",
        idea="A number inside a group on the left splits an axis into blocks of that size.",
        write_hints=[f"Split the {what_axis} into a group of `{halved}` and 2, and reduce the 2.",
                     "The axis written last in a group varies fastest: neighbours differ in it."],
        explanation=f"`{group}` splits the {what_axis} so that the 2 pairs the asked entries (the last axis of a "
                    f"group varies fastest); the 2 is missing on the right, so '{red}' runs over each pair.",
        wrong=[f"{lhs.replace(group, other_group)} -> {rhs}"],
        value_hint=f"Each entry is the {red} of two paired {what_axis}.",
    )


def lhs_names(lhs: str) -> list[str]:
    """The axes of a left side as printed, one per input axis (a group as its one named axis)."""
    return [next(t for t in re.findall(r"[A-Za-z_]\w*", a)) for a in re.findall(r"\([^()]*\)|\S+", lhs)]


FAMILY = Family(
    id="einops.anonymous_axes",
    title="Anonymous axes: 1, () and numbers",
    forms=FORMS,
    difficulty=2,
    summary="`1`/`()` for length-1 axes (unsqueeze, squeeze, keepdim) and numbers for copies or blocks.",
    make=einops_maker(problem),
)
