"""A found call as exercises: real :class:`~exercises.base.Variant` objects with real Checks.

Three forms per call, each naming the file, line and function it came from:

- ``shape``: the call on tensors of drawn shapes; what shape comes out (ShapeCheck);
- ``write``: the operation in words and shapes, the call with its pattern blanked; any
  pattern computing the same tensor is right (EinsumCheck / EinopsCheck);
- ``read``: what the call does, as one short answer: which axes are summed, reduced, merged,
  split or new, the result's axis order, or ``ps`` of a pack (AxesCheck / ShapeListCheck).

Axis names are the code's own, so the questions read like the learner's code base. Shapes
and ``ps`` come from running the call (see :mod:`cardgen.fromcode.patterns`); distractors
are plausible wrong answers kept only when the check really rejects them.
"""
from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from typing import Any

from exercises.base import Variant
from exercises.checking import EinopsCheck, EinsumCheck, ShapeCheck, rejected

from cardgen.fromcode import example as examples
from cardgen.fromcode.checks import AxesCheck, ShapeListCheck, ShownCheck
from cardgen.fromcode.digest import card_id
from cardgen.fromcode.patterns import (
    Draw,
    Item,
    PatternError,
    Structure,
    axes_text,
    draw_inputs,
    pack_shapes,
    shape_text,
    side_text,
    structure_of,
)
from cardgen.fromcode.patterns import _einsum_classes, _operand_names
from cardgen.fromcode.scan import Call, Skip, printable, scan_paths
from exercises.calls import call_expr, call_lines, shape_list
from exercises.patterns import ELL, and_list

FORMS = ("shape", "write", "read")
BLANK = "____"
TOPIC = "from-code"


def family_id(call: Call) -> str:
    return f"{TOPIC}.{call.op}"


def title(call: Call) -> str:
    return f"From your code · {call.api}"


def forms_for(call: Call, st: Structure) -> tuple[str, ...]:
    """The forms a call supports. No read form where there is nothing to ask that the code
    does not show (a pattern that names no axis, like ``'... -> ... 1'`` or pack's ``'*'``, or a
    plain reordering whose only question would be the result's axes, printed in the pattern);
    no shape form where the result has an operand's exact axes (its shape is printed in the
    snippet that defines that operand); no write form where the card's inputs are its answer
    (:func:`answered_by_its_inputs`)."""
    forms = list(FORMS)
    if not st.names or (call.op not in ("pack", "unpack") and not read_questions(call, st)):
        forms.remove("read")
    if _result_is_an_operand(call, st) or _shape_never_varies(call, st):
        forms.remove("shape")
    if _named_after_pattern(call) or answered_by_its_inputs(call, st):
        forms.remove("write")
    return tuple(forms)


def answered_by_its_inputs(call: Call, st: Structure) -> bool:
    """A write card of this call is answered by copying what it must show (issue 21), so the
    call has none (its shape and read notes stay; the write note retires):

    - a plain reshape: ``rearrange`` (or a ``reduce``/``repeat`` that reduces and adds nothing)
      whose result has the input's axes, numbers and ``...`` in the same order, only merged or
      split differently, a ``1`` added or dropped (``b (h d) -> b h d``, ``i -> i 1``). Its
      values are the input's in memory order, so no example can show the order: the input's
      axes copied in order are the answer; likewise a ``reduce`` that keeps the named axes in
      order and drops only unnamed ones (``b (h 2) (w 2) -> b h w``) or the ones whose
      lengths the code passes (``b (h p) -> b h``, ``p=2``: the card says "with p=2"), or
      the members of its groups (``a (c1 c2) -> a``: the card gives their sizes);
    - a ``pack`` or ``unpack`` of one piece, or with ``*`` alone: ``*`` has one place, whatever
      the sizes; or with ``*`` last (``h w *``): "the shared axes, then ``*``" answers it;
    - an ``einsum`` of one tensor whose result is its axes in order of first appearance, less
      the summed ones (``pmqm->pq``, ``ii``): the card must print the axes and say which repeat;
    - an ``einsum`` of several whose result is all their axes, or the axes only one operand
      has, in order of first appearance (``bi,bj->bij``; ``ij,jk->ik``, implicit mode's rule):
      a template answers it.
    """
    def flat(side, drop_ones: bool = True):
        return [m for it in side for m in it.members if not (drop_ones and m == "1")]

    if call.op in ("pack", "unpack"):
        n = (len(call.operands) if call.operands_known and call.operands else 2) if call.op == "pack" \
            else (len(call.pieces) or 2)
        # `'*'` alone has no other place; `'h w *'` is the template "the shared axes, then `*`"
        return n == 1 or not st.names or st.inputs[0][-1].members == ("*",)
    if st.output is None:
        return False
    if call.op == "einsum" and len(st.inputs) > 1:  # every axis, or those only one operand has, in order
        terms = [set(flat(side, False)) for side in st.inputs]
        every = list(dict.fromkeys(flat([it for side in st.inputs for it in side], False)))
        named = [m for m in flat(st.output, False) if m != ELL]  # `...` aside: it may cover no axis
        return named in ([m for m in every if m != ELL],
                         [m for m in every if m != ELL and sum(m in t for t in terms) == 1])
    if len(st.inputs) != 1:
        return False
    if call.op == "einsum":
        gone = set(st.removed())
        if st.ellipsis_removed():
            gone.add(ELL)
        kept = [m for m in dict.fromkeys(flat(st.inputs[0], False)) if m not in gone]
        return flat(st.output, False) == kept
    if call.op == "reduce" and not any(m.isdigit() for m in flat(st.output)):  # `(h 2) -> h`: pooling
        same_ell = flat(st.inputs[0]).count(ELL) == flat(st.output).count(ELL)
        by_keyword = [n for n in st.input_names() if n not in dict(call.lengths)]  # `(h p) -> h`, p=2
        grouped = {n for it in st.inputs[0] if it.grouped for n in it.names}  # "where c1=2, c2=9"
        ungrouped = [n for n in st.input_names() if n not in grouped]
        if same_ell and st.output_names() in (st.input_names(), by_keyword, ungrouped):
            return True
    return call.op in ("rearrange", "reduce", "repeat") and flat(st.inputs[0]) == flat(st.output)


def _fixed_result_axes(call: Call, st: Structure) -> bool:
    """Every axis of the result but ``...`` has a length no draw changes: a number in the
    pattern or a literal length the code passes (``'ii'``: none; ``'... -> ... 1'``)."""
    fixed = {k for k, v in call.lengths if v is not None}
    return st.output is not None and all(m == ELL or m.isdigit() or m in fixed for it in st.output for m in it.members)


def _shape_never_varies(call: Call, st: Structure) -> bool:
    """The result's shape is the same on every draw (``'ii'`` and ``'ij,ij->'`` give ``()``,
    ``'b c -> 1'`` gives (1,)): a shape card would be answered from memory (review-cards'
    varied_answer), so there is none. With ``...`` in the result, its draws cover >= 1 axis."""
    return _fixed_result_axes(call, st) and not any(ELL in it.members for it in st.output)


def _named_after_pattern(call: Call) -> bool:
    """A tensor the card names spells the answer (``np.einsum('abba', vt_abba)``): no write form."""
    answer = "".join(call.pattern.split())
    names = [*call.operands, *call.operand_sources, call.result]
    return len(answer) > 1 and any(n and answer in "".join(n.split()) for n in names)


def _result_is_an_operand(call: Call, st: Structure) -> bool:
    """The result always has an operand's shape: the same axes, each group holding the same
    members (in any order: ``b (c1 c2) -> b (c2 c1)``); letters of one tensor passed twice
    count as one (``iaq, IAq, ia -> IA`` with ``R`` as both ``iaq`` and ``IAq``: ``IA`` is ``ia``)."""
    if st.output is None:
        return False
    rep = {n: n for n in st.names}
    if call.op == "einsum":  # as the draw does
        rep, _ = _einsum_classes(st, _operand_names(call, len(st.inputs)))

    def dims(side):
        return [(it.grouped, tuple(sorted(rep.get(m, m) for m in it.members))) for it in side]

    return any(dims(side) == dims(st.output) for side in st.inputs)


def prepare(call: Call) -> Structure:
    """The call's parsed pattern, after one trial draw and run; PatternError says why not."""
    st = structure_of(call)
    if not st.names and not st.has_ellipsis and not any(
            it.members == ("*",) or any(m.isdigit() for m in it.members) for side in st.sides for it in side):
        raise PatternError("the pattern names no axes, so there is nothing to ask about")
    if call.op == "einsum" and call.operands_known and len(call.operands) != len(st.inputs):
        n, m = len(call.operands), len(st.inputs)
        raise PatternError(f"the call passes {n} tensor{'s' if n != 1 else ''} but the pattern names {m}")
    draw_inputs(call, st, random.Random(f"fromcode-trial/{call.slot}"))
    return st


@dataclass
class Found:
    """What a scan found: the files read, the usable calls (with their parsed patterns) and
    everything skipped, with reasons."""

    files: list[str]
    items: list[tuple[Call, Structure]]
    skipped: list[Skip]
    uncarded: list[Call] = field(default_factory=list)  # calls found but skipped (their reasons are in ``skipped``)


def collect(paths) -> Found:
    """Scan ``paths`` and keep the calls whose patterns draw and run; the rest are skipped."""
    result = scan_paths(paths)
    items: list[tuple[Call, Structure]] = []
    skipped = list(result.skipped)
    uncarded: list[Call] = []
    for call in result.calls:
        if call.unresolved:  # found and parsed, but whose function it is cannot be told: no card
            uncarded.append(call)
            also = f" (also {', '.join(call.also)})" if call.also else ""
            skipped.append(Skip(call.path, f"{call.unresolved}{also}", call.line, call.cell))
            continue
        try:
            st = prepare(call)
            if not forms_for(call, st):
                raise PatternError("its code shows every answer (the result is an input's axes in order, "
                                   "so there is no shape, write or read question to ask)")
            items.append((call, st))
        except PatternError as e:
            uncarded.append(call)
            also = f" (also {', '.join(call.also)})" if call.also else ""
            skipped.append(Skip(call.path, f"`{call.api}` with {_quote(call.pattern)}: {e}{also}", call.line, call.cell))
        except Exception as e:  # never let one odd call stop the scan; say what happened
            uncarded.append(call)
            skipped.append(Skip(call.path, f"`{call.api}` with {_quote(call.pattern)}: unexpected "
                                           f"{type(e).__name__}: {e}", call.line, call.cell))
    order = {rel: i for i, rel in enumerate(result.files)}
    skipped.sort(key=lambda s: (order.get(s.path, -1), s.cell or 0, s.line or 0))
    return Found(result.files, items, skipped, uncarded)


def make_variant(call: Call, form: str, seed: int, structure: Structure | None = None) -> Variant:
    """The variant of ``call`` for ``form`` and ``seed`` (deterministic)."""
    st = structure or structure_of(call)
    if form not in forms_for(call, st):
        raise ValueError(f"form must be one of {', '.join(forms_for(call, st))}, got {form!r}")
    rng = random.Random(f"fromcode/{call.slot}/{form}/{seed}")
    d = draw_inputs(call, st, rng)
    for _ in range(8):  # a shape card whose answer is an operand's shape printed in its code, or a
        answer = d.piece_shapes[seed % len(d.pieces)] if call.op == "unpack" else d.out_shape  # write
        if st.has_ellipsis and not d.ell and (form == "write" or form == "shape" and _fixed_result_axes(call, st)):
            # `...` covering nothing: a write card's `... v d -> ... v d` is right for `... v d -> v ... d`;
            # a shape card whose other axes are fixed gets the same answer on every draw (`... -> ... 1`)
            d = draw_inputs(call, st, rng)
            continue
        if form != "shape" or tuple(answer) not in [tuple(s) for s in d.shapes]:
            break
        d = draw_inputs(call, st, rng)
    return {"shape": _shape, "write": _write, "read": _read}[form](call, st, d, rng, seed)


# ----------------------------------------------------------------------------- text


def _where(call: Call) -> str:
    """Where the call is, with a file name's control characters written as escapes."""
    return printable(call.where)


def context(call: Call) -> str:
    fn = "at module level" if call.function == "<module>" else f"in `{call.function}`"
    return f"From `{_where(call)}`, {fn}"


def _quote(pattern: str) -> str:
    return f'"{pattern}"' if '"' not in pattern else repr(pattern)


def _tensor_line(call: Call, name: str, shape: tuple[int, ...]) -> str:
    dims = ", ".join(map(str, shape))
    if call.library == "numpy":
        return f"{name} = np.random.randn({dims})" if shape else f"{name} = np.array(np.random.randn())"
    return f"{name} = torch.randn({dims})" if shape else f"{name} = torch.randn(())"


def _reduction_text(call: Call, d: Draw) -> str:
    """The reduction as the code passes it: ``'mean'``, or the variable (``reduction``) when it
    is not a literal — then the shape questions hold whatever it is. An expression that is not
    a plain name is shown as the value the snippet uses, so the snippet runs."""
    if call.reduction_literal or not call.reduction_source or not call.reduction_source.isidentifier():
        return repr(d.reduction)
    return call.reduction_source


def _render(call: Call, d: Draw, operands: list[str] | None = None) -> dict[str, Any]:
    return dict(library=call.library, reduction=_reduction_text(call, d) if call.op == "reduce" else None,
                lengths=list(d.lengths.items()), layer=call.layer, layer_name=d.layer_name,
                weight_shape=call.weight_shape, bias_shape=call.bias_shape)


def _call_expr(call: Call, d: Draw, pattern_text: str) -> str:
    """The call as one expression (a layer is constructed and applied in one go)."""
    r = _render(call, d)
    r.pop("layer_name")
    return call_expr(call.op, pattern_text, d.names, **r)


def _call_lines(call: Call, d: Draw, pattern_text: str, operands: list[str] | None = None) -> list[str]:
    """The line(s) that run the call and name its result (``operands``: the expressions shown
    for the tensors, the code's own on a write card)."""
    return call_lines(call.op, pattern_text, operands or d.names, d.result, pieces=d.pieces,
                      packed_shapes=d.stars, **_render(call, d))


def _shown_operands(call: Call, d: Draw) -> list[str]:
    """The tensors as the code passes them: ``c1[:, p0:p1]`` rather than the name it stands for."""
    sources = call.operand_sources if call.operands_known and len(call.operand_sources) == len(d.names) else ()
    return [src or n for src, n in zip(sources, d.names)] if sources else list(d.names)


def _snippet(call: Call, d: Draw) -> str:
    """Runnable code: the tensors (named as in the code; one that stands for an expression says
    which), a reduction passed as a variable bound to a value, then the call."""
    shown = dict(zip(d.names, _shown_operands(call, d)))
    lines = []
    for n, s in dict(zip(d.names, d.shapes)).items():
        note = f"  # your code passes {shown[n]}" if shown.get(n, n) != n else ""
        lines.append(_tensor_line(call, n, s) + note)
    if call.op == "reduce" and not call.reduction_literal and call.reduction_source:
        if call.reduction_source.isidentifier():
            lines.append(f"{call.reduction_source} = {d.reduction!r}  # any reduction gives the same shape")
    return "\n".join(lines + _call_lines(call, d, _quote(call.pattern)))


def _codes(names) -> list[str]:
    return [f"`{n}`" for n in names]


def _sizes_hint(st: Structure, d: Draw) -> str:
    parts = [f"`{n}`={d.sizes[n]}" for n in st.names]
    text = "Sizes: " + ", ".join(parts) if parts else "No named axes"
    if st.has_ellipsis:
        text += f"; `...` covers {shape_text(d.ell)}" if d.ell else "; `...` covers no axes here"
    return text + "."


def _ell_text(st: Structure, d: Draw) -> str:
    if not st.has_ellipsis:
        return ""
    return f" (`...` covers {shape_text(d.ell)})" if d.ell else " (`...` covers no axes here)"


def _rule(call: Call, st: Structure) -> str:
    if call.op == "einsum":
        rule = ("Each axis after `->` is one axis of the result, in that order; an axis of the inputs "
                "missing after `->` is summed away.")
        if call.library != "einops" and "->" not in call.pattern:
            rule += " Without `->`, the result has `...` first, then the letters used once, in alphabetical order."
        return rule
    if call.op == "pack":
        return ("`pack` keeps the named axes as they are and flattens each input's axes at `*` into one axis, "
                "then concatenates the inputs along it.")
    if call.op == "unpack":
        return ("`unpack` splits the axis at `*` into one piece per shape in `ps`, and gives each piece "
                "those axes in place of `*`; the named axes stay as they are.")
    base = ("The result has the axes on the right of `->`, in that order; a parenthesised group is one axis "
            "whose size is the product of its members.")
    if call.op == "reduce":
        return base + " An axis missing on the right is reduced away."
    if call.op == "repeat":
        return base + " An axis only on the right is new: the input is copied along it."
    return base


# ----------------------------------------------------------------------------- helpers


def _params(call: Call, st: Structure, d: Draw, **extra: Any) -> dict[str, Any]:
    return {
        "file": call.path, "line": call.line, "cell": call.cell, "function": call.function,
        "api": call.api, "library": call.library, "op": call.op, "pattern": call.pattern,
        "slot": call.slot, "card": card_id(call), "source": call.source,
        "operands": [{"name": n, "shape": list(s)} for n, s in zip(d.names, d.shapes)],
        "same_as": list(d.same_as),
        "sizes": dict(d.sizes), "ellipsis": list(d.ell), "lengths": dict(d.lengths),
        "reduction": d.reduction, "result": d.result, "out_shape": list(d.out_shape),
        **({"packed_shapes": [list(x) for x in d.stars], "pieces": list(d.pieces)} if call.op == "unpack" else {}),
        **extra,
    }


def _axis_names(st: Structure, d: Draw) -> tuple[tuple[int, str], ...]:
    """(size, name) pairs for the checks' reasons, only where a size names one axis."""
    pairs = [(s, n) for n, s in d.sizes.items()]
    sizes = [s for s, _ in pairs] + list(d.ell)
    return tuple(sorted((s, n) for s, n in pairs if sizes.count(s) == 1))


# ----------------------------------------------------------------------------- shape


def _shape(call: Call, st: Structure, d: Draw, rng: random.Random, seed: int) -> Variant:
    if call.op == "unpack":
        return _shape_unpack(call, st, d, seed)
    shape = d.out_shape
    cands: list[tuple[int, ...]] = [shape[::-1], d.shapes[0], shape[:-1], shape + (1,)]
    if call.op == "einsum" and st.output is not None:  # the summed axes kept by mistake
        kept = [n for n in st.input_names() if n not in st.output_names()]
        cands.insert(0, shape + tuple(d.sizes[n] for n in kept))
    distractors = tuple(dict.fromkeys(shape_text(c) for c in cands if tuple(c) != shape))
    target = f"{d.result}.shape"
    if st.output is not None:
        layout = f"`{d.result}` has the axes {axes_text(st.output)}" if st.output else f"`{d.result}` is a scalar"
        expl = f"{layout}, so running the code gives `{target}` = {shape_text(shape)}."
        if call.op in ("einsum", "reduce"):
            gone = _codes([n for n in st.input_names() if n not in st.output_names()])
            gone += ["the axes of `...`"] if st.ellipsis_removed() else []
            if gone:
                expl += f" {and_list(gone)} {'is' if gone == _codes(gone[:1]) else 'are'} " + (
                    "summed away." if call.op == "einsum" else f"reduced away (with `{_reduction_text(call, d)}`).")
        layout_hint = f"The result's layout is {axes_text(st.output)}." if st.output else "The result is a scalar."
    else:
        sizes = [math.prod(s) for s in d.stars]
        star = " + ".join(map(str, sizes))
        total = f"{star} = {sum(sizes)}" if len(sizes) > 1 else str(sizes[0])
        joined = "the inputs are joined along that axis" if len(sizes) > 1 else "that axis is the result's"
        expl = (f"Each input's axes at `*` are flattened into one axis ({total} "
                f"entr{'y' if sum(sizes) == 1 else 'ies'} in all) and {joined}, so running the code gives "
                f"`{target}` = {shape_text(shape)}.")
        layout_hint = f"The `*` axis has {total} entr{'y' if sum(sizes) == 1 else 'ies'}."
    alternatives = ("x".join(map(str, shape)), f"torch.Size([{', '.join(map(str, shape))}])") if shape \
        else ("torch.Size([])", "scalar")
    return Variant(
        family=family_id(call), form="shape", seed=seed,
        params=_params(call, st, d),
        prompt=f"{context(call)}. After running this code, what is `{target}`?",
        code=_snippet(call, d),
        answer=list(shape), answer_text=shape_text(shape), checker=ShapeCheck(tuple(shape)),
        explanation=expl,
        hints=(_rule(call, st), _sizes_hint(st, d), layout_hint),
        distractors=distractors, alternatives=alternatives,
    )


def _shape_unpack(call: Call, st: Structure, d: Draw, seed: int) -> Variant:
    i = seed % len(d.pieces)
    shape = d.piece_shapes[i]
    star = next(j for j, it in enumerate(st.inputs[0]) if it.members == ("*",))
    cands = [d.shapes[0], shape[::-1], tuple(d.stars[i]), d.piece_shapes[i - 1]]
    cands.append(shape[:star] + (math.prod(d.stars[i]),) + shape[star + len(d.stars[i]):])
    return Variant(
        family=family_id(call), form="shape", seed=seed,
        params=_params(call, st, d, piece=i),
        prompt=f"{context(call)}. After running this code, what is `{d.pieces[i]}.shape`?",
        code=_snippet(call, d),
        answer=list(shape), answer_text=shape_text(shape), checker=ShapeCheck(tuple(shape)),
        explanation=(f"`{d.pieces[i]}` is piece {i} of `{d.names[0]}`: the named axes of `{call.pattern}` stay, and "
                     f"`*` becomes its shape in `ps`, {shape_text(d.stars[i])}, so `{d.pieces[i]}.shape` = "
                     f"{shape_text(shape)}."),
        hints=(_rule(call, st), f"`ps[{i}]` is {shape_text(d.stars[i])}."),
        distractors=tuple(dict.fromkeys(shape_text(c) for c in cands if tuple(c) != shape)),
        alternatives=("x".join(map(str, shape)),) if shape else ("torch.Size([])",),
    )


# ----------------------------------------------------------------------------- write


def _write(call: Call, st: Structure, d: Draw, rng: random.Random, seed: int) -> Variant:
    ex = None
    if call.op in ("pack", "unpack"):  # stacked pieces, if any: then the values, not the sizes, tell where `*` is
        stack = examples.stacked(call, st, d)
        ex = examples.build_packed(call, st, stack) if stack is not None else None
        d = stack if ex is not None else d
    if call.op == "einsum" and call.library != "einops":
        check = EinsumCheck(call.pattern, tuple(d.shapes), rng.getrandbits(31), _axis_names(st, d),
                            same_as=d.same_as if len(set(d.names)) < len(d.names) else ())
    else:
        check = EinopsCheck(
            op=call.op, reference=call.pattern, shapes=tuple(d.shapes), seed=rng.getrandbits(31),
            reduction=d.reduction, axes_lengths=tuple(d.lengths.items()), axis_names=_axis_names(st, d),
            packed_shapes=tuple(d.stars) if call.op == "unpack" else (),
            weight_shape=call.weight_shape, bias_shape=call.bias_shape,
        )
    if call.op not in ("pack", "unpack"):
        ex = examples.build(call, st, d, f"{card_id(call)}/{seed % EXAMPLES}")
    if ex is not None and not ex.decisive:  # no example tells the answers apart: accept every one it fits
        check = ShownCheck(check, call.op, call.library, tuple(d.names), ex.inputs, ex.values, ex.shape,
                           shapes=tuple(d.shapes), reduction=d.reduction, lengths=ex.lengths, probes=ex.probes)
    code = "\n".join(_call_lines(call, d, BLANK, _shown_operands(call, d)))
    what, hints = _write_text(call, st, d, ex)
    full = _call_expr(call, d, repr(call.pattern))
    alternatives = [full]
    if call.op == "einsum" and call.library != "einops":
        explicit = "".join(call.pattern.split())
        if "->" not in explicit:
            explicit += "->" + side_text(st.output, True)
        alternatives.append(explicit)
        used = [n for n in st.names]
        fresh = [c for c in string.ascii_lowercase if c not in used][: len(used)]
        if len(fresh) == len(used):
            mapping = dict(zip(used, fresh))
            alternatives.append("".join(mapping.get(c, c) for c in explicit))
    else:
        compact = " ".join(call.pattern.split()).replace(" -> ", "->").replace(" ->", "->").replace("-> ", "->")
        alternatives.append(compact)
    alternatives = [a for a in dict.fromkeys(alternatives) if a != call.pattern]
    distractors = rejected(check, _write_mistakes(call, st, d), call.pattern)
    extra = {"example": {"decisive": ex.decisive, "by_values": ex.by_values, "alternatives_tried": ex.alternatives_tried,
                         "ambiguous_with": ex.ambiguous_with}} if ex is not None else {}
    return Variant(
        family=family_id(call), form="write", seed=seed,
        params=_params(call, st, d, **extra),
        prompt=f"{context(call)}: {what} Fill in the blank `{BLANK}` with the pattern.",
        code=code,
        answer=call.pattern, answer_text=call.pattern, checker=check,
        explanation=_write_explanation(call, st, d),
        hints=hints, distractors=distractors, alternatives=tuple(alternatives),
    )


#: How many different worked examples a call's write variants cycle through.
EXAMPLES = 3


def _named(call: Call, d: Draw) -> list[tuple[str, str, tuple[int, ...], int]]:
    """(shown name, variable, shape, index of its pattern side) per distinct operand; the shown
    name is the code's expression where the operand is one (``c1[:, p0:p1]``)."""
    shown = _shown_operands(call, d)
    out: dict[str, tuple[str, str, tuple[int, ...], int]] = {}
    for i, (name, shape) in enumerate(zip(d.names, d.shapes)):
        out.setdefault(name, (shown[i], name, shape, i))
    return list(out.values())


def _operands_desc(call: Call, st: Structure, d: Draw) -> str:
    parts = []
    for shown, _, shape, i in _named(call, d):
        parts.append(f"`{shown}` has axes {axes_text(st.inputs[i])}, shape {shape_text(shape)}")
    return and_list(parts)


#: the first hint of every unpack write card, however its example is shown
_UNPACK_PATTERN_HINT = ("An unpack pattern has no `->`: it names the axes every piece keeps and puts `*` where the "
                        "split axis is.")


def _write_text(call: Call, st: Structure, d: Draw, ex) -> tuple[str, tuple[str, ...]]:
    """The operation in words and shapes — the result shown by a worked example or its shape,
    never by its axes — and the hints of the write form."""
    out = d.out_shape
    if call.op in ("pack", "unpack") and ex is not None and ex.by_values:
        return _packed_example_text(call, d, ex)
    if call.op == "unpack":
        pieces = and_list([f"`{p}` of shape {shape_text(s)}" for p, s in zip(d.pieces, d.piece_shapes)])
        what = (f"`{d.names[0]}` has shape {shape_text(d.shapes[0])} and `ps` = {shape_list(d.stars)}. Split it "
                f"into {pieces}.")
        hints = (_UNPACK_PATTERN_HINT,
                 "Find the axis of the input whose size is the total of the pieces' entries.")
        return what, hints
    if call.op == "pack":
        ins = and_list([f"`{n}` has shape {shape_text(s)}" for n, s in dict(zip(d.names, d.shapes)).items()])
        several = len(d.names) > 1
        what = (f"{ins}. Pack {'them' if several else 'it'} into `{d.result}` of shape {shape_text(out)}: the "
                f"axes every input keeps stay as they are, and each input's other axes are flattened into one "
                f"axis{' (where the inputs are joined)' if several else ''}.")
        hints = ("A pack pattern has no `->`: it names the axes every input keeps and puts `*` where "
                 "each input's remaining axes go.",
                 f"Compare each input's shape with `{d.result}`'s: which axes are in every input, before and after "
                 f"the flattened one?")
        return what, hints
    shows = examples.text(call, ex, d.result, dict(zip(d.names, _shown_operands(call, d)))) if ex is not None else f"`{d.result}` has shape {shape_text(out)}"
    if ex is not None and ex.by_values:
        result_text = f"`{d.result}` comes out as in this example: {shows}"
    else:
        result_text = shows if st.output else f"`{d.result}` is a scalar"
    ops = _operands_desc(call, st, d)
    ell = _ell_text(st, d)
    if call.op == "einsum":
        gone = [n for n in st.input_names() if n not in st.output_names()]
        repeated = [it.members[0] for side in st.inputs for i, it in enumerate(side)
                    if it.members != (ELL,) and it in side[:i]]
        summed = _codes(gone) + (["the axes of `...`"] if st.ellipsis_removed() else [])
        # an example's values, or the result's shape, show which axes are summed: naming them would
        # leave only the operands' axes in order of first appearance to copy (t21)
        how = "" if ex is not None else \
            f", summing over {and_list(summed)}" if summed else ", with nothing summed"
        if repeated:
            how += f", reading the diagonal where an operand repeats {and_list(_codes(dict.fromkeys(repeated)))}"
        shown = [n for n, *_ in _named(call, d)]
        order = f" The operands are passed as `{', '.join(_shown_operands(call, d))}`." if len(d.names) > 1 else ""
        them = "them" if len(shown) > 1 or len(st.inputs) > 1 else "it"
        what = f"{ops}{ell}. `{d.result}` is made from {them}{how}, and {result_text}.{order}"
        lhs = ",".join(side_text(s, st.letters) for s in st.inputs) if st.letters \
            else ", ".join(side_text(s, False) for s in st.inputs)
        hints = ("An axis named in two operands is paired up; an axis left out of the result is summed over.",
                 f"Label the inputs `{lhs}`; then write the result's axes after `->`.")
        return what, hints
    grouped = [n for it in st.inputs[0] if it.grouped for n in it.names]
    with_sizes = f" where {', '.join(f'{n}={d.sizes[n]}' for n in grouped)}" if grouped else ""
    head = f"{ops}{with_sizes}{ell}."
    if call.op == "einmix":
        what = f"{head} Mix it with the layer's weight (`{call.weight_shape}`) so that {result_text}"
    elif call.op == "reduce":
        what = f"{head} Reduce it with `{_reduction_text(call, d)}` so that {result_text}"
    elif call.op == "repeat":
        what = f"{head} Repeat it so that {result_text}"
    else:
        what = f"{head} Rearrange it so that {result_text}"
    lhs = side_text(st.inputs[0], False)
    hints = (_rule(call, st), f"The left side is `{lhs}`; now write the right side.")
    return what + ".", hints


def _packed_example_text(call: Call, d: Draw, ex) -> tuple[str, tuple[str, ...]]:
    """A pack/unpack card whose shapes leave several places for ``*``: the run decides. The
    drawn shapes are not stated (sizes alone would tell where ``*`` goes)."""
    ins = and_list([f"`{n}` = `{examples.arange_text('torch', start, shape)}`" for n, start, shape in ex.inputs])
    if call.op == "unpack":
        pieces = and_list([f"`{p}` = `{examples.values_text(v)}`" for p, v in zip(d.pieces, ex.values)])
        what = (f"`{d.names[0]}` is split by `ps` into {and_list([f'`{p}`' for p in d.pieces])} as in this example: "
                f"with {ins} and `ps` = {shape_list(ex.ps)}, {pieces}.")
        hints = (_UNPACK_PATTERN_HINT,
                 "Which axis of the input do the pieces' entries come from?")
        return what, hints
    several = len(set(d.names)) > 1
    what = (f"{and_list([f'`{n}`' for n in dict.fromkeys(d.names)])} {'are' if several else 'is'} packed into "
            f"`{d.result}` as in this example: with {ins}, `{d.result}` = `{examples.values_text(ex.values)}`.")
    hints = ("A pack pattern has no `->`: it names the axes every input keeps and puts `*` where "
             "each input's remaining axes go.",
             f"Along which axis of `{d.result}` do the inputs' entries meet?")
    return what, hints


def _write_explanation(call: Call, st: Structure, d: Draw) -> str:
    if call.op == "unpack":
        return (f"`{call.pattern}` names the axes every piece keeps and puts `*` at the axis that is split by "
                f"`ps`; this is the pattern in `{_where(call)}`.")
    if call.op == "pack":
        return (f"`{call.pattern}` keeps the named axes and gathers each input's other axes at `*`; "
                f"this is the pattern in `{_where(call)}`.")
    gone = [n for n in st.input_names() if n not in st.output_names()]
    text = f"`{call.pattern}`, as in `{_where(call)}`"
    if call.op == "einsum":
        summed = _codes(gone) + (["the axes of `...`"] if st.ellipsis_removed() else [])
        keeps = f"the result keeps {axes_text(st.output)}" if st.output else "the result is a scalar"
        text += (f": {and_list(summed)} {'is' if len(summed) == 1 else 'are'} summed, {keeps}." if summed
                 else f": nothing is summed, {keeps}.")
    else:
        text += f": the left side names the input's axes {axes_text(st.inputs[0])}, the right side the result's " \
                f"{axes_text(st.output)}."
    return text


def _write_mistakes(call: Call, st: Structure, d: Draw) -> list[str]:
    """Plausible wrong patterns: result axes reversed or shuffled, a group's members swapped,
    a summed axis kept, another reduction."""
    out: list[str] = []
    if call.op in ("pack", "unpack"):
        side = list(st.inputs[0])
        texts = [it.text() for it in side]
        out.append(" ".join(texts[::-1]))
        others = [t for t in texts if t != "*"]
        out.append(" ".join(others + ["*"]))
        out.append(" ".join(["*"] + others))
        if len(texts) > 1:
            rolled = texts[1:] + texts[:1]
            out.append(" ".join(rolled))
        return out
    letters = st.letters
    sep = "" if letters else " "
    lhs_sides = [side_text(s, letters) for s in st.inputs]
    lhs = ("," if letters else ", ").join(lhs_sides)
    arrow = "->" if letters else " -> "
    rhs_items = [it.text() for it in st.output]
    if len(rhs_items) > 1:
        out.append(lhs + arrow + sep.join(rhs_items[::-1]))
        out.append(lhs + arrow + sep.join(rhs_items[1:] + rhs_items[:1]))
    if call.op == "einsum":
        gone = [n for n in st.input_names() if n not in st.output_names()]
        out.append(lhs + arrow + sep.join(rhs_items + gone))
        if st.output_names():
            out.append(lhs + arrow + sep.join(i for i in rhs_items if i != st.output_names()[-1]))
    else:
        for side_index in (0, 1):  # a group's members swapped, on either side
            side = st.inputs[0] if side_index == 0 else st.output
            for j, it in enumerate(side):
                if it.grouped and len(it.members) > 1:
                    swapped = list(side)
                    swapped[j] = Item(tuple(reversed(it.members)), True)
                    new_side = " ".join(x.text() for x in swapped)
                    out.append(f"{new_side} -> {' '.join(rhs_items)}" if side_index == 0
                               else f"{side_text(st.inputs[0], False)} -> {new_side}")
                    break
        if call.op == "rearrange":
            out.append(f"{side_text(st.inputs[0], False)} -> {side_text(st.inputs[0], False)}")
        if call.op == "reduce":
            other = next(r for r in ("mean", "sum", "max", "min") if r != d.reduction)
            out.append(_call_expr(call, d, repr(call.pattern)).replace(repr(d.reduction), repr(other)))
    return out


# ----------------------------------------------------------------------------- read


@dataclass(frozen=True)
class _Question:
    ask: str  # the question after the context
    expected: tuple[str, ...]
    ordered: bool
    explanation: str
    hint: str


def read_questions(call: Call, st: Structure) -> list[_Question]:
    """The one-short-answer questions this call supports (a pack has its own, on ``ps``)."""
    ins = st.input_names()
    outs = st.output_names()
    qs: list[_Question] = []
    # a format example that names none of the call's axes, so typing it is never the answer
    pairs = [("i", "k"), ("p", "q"), ("u", "v")] if st.letters else [("b", "h"), ("p", "q"), ("u", "v")]
    example = "`{}, {}`".format(*next((p for p in pairs if not set(p) & set(st.names)), ("x1", "x2")))
    if call.op == "einsum":
        summed = [n for n in ins if n not in outs]
        in_ell = any(ELL in it.members for side in st.inputs for it in side)
        out_ell = any(ELL in it.members for it in st.output)
        if in_ell and not out_ell:
            summed.append(ELL)
        kept = [n for n in outs]
        if summed:
            expl = (f"{and_list(_codes(summed))} {'appears' if len(summed) == 1 else 'appear'} in the inputs but not "
                    f"in the result, so {'it is' if len(summed) == 1 else 'they are'} summed over"
                    + (f"; {and_list(_codes(kept))} {'is' if len(kept) == 1 else 'are'} kept." if kept else
                       "; the result is a scalar."))
        else:
            expl = "Every input axis appears in the result, so nothing is summed: the call only multiplies and lays out."
        qs.append(_Question(
            f"which axes does this call sum over? Type their names, e.g. {example}, or `none`.",
            tuple(summed), False, expl,
            "An axis is summed over when it appears in an input but not in the result.",
        ))
        if len(st.inputs) > 1:
            counts = {n: sum(n in t for t in (tuple(n for it in s for n in it.names) for s in st.inputs)) for n in ins}
            shared = [n for n in ins if counts[n] > 1]
            if shared:
                kept_shared = [n for n in shared if n in outs]
                expl = (f"{and_list(_codes(shared))} {'is' if len(shared) == 1 else 'are'} named in more than one "
                        f"operand; " + (f"{and_list(_codes(kept_shared))} also "
                                        f"{'appears' if len(kept_shared) == 1 else 'appear'} in the result, so "
                                        f"{'it pairs' if len(kept_shared) == 1 else 'they pair'} entries up "
                                        f"without summing (like a batch axis)." if kept_shared else
                                        "none of them is in the result: they are all summed over."))
                qs.append(_Question(
                    "which axes are shared by two or more operands and kept in the result (paired up entry by "
                    f"entry, like a batch axis)? Type their names, e.g. {example}, or `none`.",
                    tuple(kept_shared), False, expl,
                    "Find the axes named in several operands; of those, which appear after `->`?",
                ))
        if call.library != "einops" and "->" not in call.pattern:
            order = tuple(it.members[0] for it in st.output)
            qs.append(_Question(
                "this einsum string has no `->`. What are the result's axes, in order? Type them separated by "
                "spaces, or `none` for a scalar.",
                order, True,
                f"Without `->` the result has `...` first (if used), then every letter used exactly once, in "
                f"alphabetical order: `{' '.join(order) or 'none'}`.",
                "Implicit mode: letters that appear once are kept (sorted alphabetically), repeated ones are summed.",
            ))
        return [q for q in qs if q.expected]

    if call.op == "einmix":
        weight = call.weight_shape.split() if call.weight_shape else []
        mixed = [n for n in ins if n not in outs]
        new = [n for n in outs if n not in ins]
        if mixed:
            qs.append(_Question(
                f"which axes of the input does this layer mix away (contract with its weight)? Type their names, "
                f"e.g. {example}, or `none`.",
                tuple(mixed), False,
                f"{and_list(_codes(mixed))} {'is' if len(mixed) == 1 else 'are'} in the input and the weight "
                f"(`{call.weight_shape}`) but not in the output, so the layer sums over "
                f"{'it' if len(mixed) == 1 else 'them'} against the weight.",
                "EinMix is an einsum of the input with its weight: an axis of the input missing on the right is "
                "contracted with the weight.",
            ))
        if new:
            qs.append(_Question(
                f"which axes of the output come from the weight, not the input? Type their names, e.g. {example}, "
                f"or `none`.",
                tuple(new), False,
                f"{and_list(_codes(new))} {'is' if len(new) == 1 else 'are'} on the right and in the weight "
                f"(`{call.weight_shape}`) but not in the input.",
                "An axis on the right that the input does not have comes from the weight.",
            ))
        if qs and all(n in weight for n in mixed + new):
            return [q for q in qs if q.expected]

    red = ""
    if call.op == "reduce":
        gone = [n for n in ins if n not in outs]
        reduction = call.reduction if call.reduction_literal and call.reduction else None
        red = f" with `{reduction!r}`" if reduction else ""
        unnamed = _unnamed_removed(st)
        if gone or unnamed:
            by_length = " (an unnamed axis by its length)" if unnamed else ""
            qs.append(_Question(
                f"which axes does this call reduce{red}? Type their names{by_length}, e.g. {example}, or `none`.",
                tuple(gone + unnamed), False,
                f"{and_list(_codes(gone + unnamed))} {'is' if len(gone + unnamed) == 1 else 'are'} on the left of "
                f"`->` but not on the right, so {'it is' if len(gone + unnamed) == 1 else 'they are'} reduced away.",
                "An axis on the left but missing on the right is reduced, named or not.",
            ))
    if call.op == "repeat":
        new = [n for n in outs if n not in ins]
        if new:
            qs.append(_Question(
                f"which axes are new in the result (the input is copied along them)? Type their names, e.g. "
                f"{example}, or `none`.",
                tuple(new), False,
                f"{and_list(_codes(new))} {'is' if len(new) == 1 else 'are'} only on the right of `->`: new "
                f"{'axis' if len(new) == 1 else 'axes'} along which the input is repeated.",
                "An axis named only on the right of `->` is new; its length is passed as a keyword.",
            ))
    lhs_groups = [it for it in st.inputs[0] if it.grouped and len(it.members) > 1]
    rhs_groups = [it for it in st.output if it.grouped and len(it.members) > 1]
    merged = [m for it in rhs_groups if it not in lhs_groups for m in it.members if not m.isdigit()]
    split = [m for it in lhs_groups if it not in rhs_groups for m in it.members if not m.isdigit()]
    if merged:
        qs.append(_Question(
            f"which axes are merged into a single axis of the result? Type their names, e.g. {example}, or `none`.",
            tuple(dict.fromkeys(merged)), False,
            f"On the right of `->`, {and_list([f'`{it.text()}`' for it in rhs_groups])} "
            f"{'is one axis' if len(rhs_groups) == 1 else 'are single axes'} made of "
            f"{and_list(_codes(dict.fromkeys(merged)))}.",
            "A parenthesised group on the right of `->` merges its members into one axis.",
        ))
    if split:
        qs.append(_Question(
            f"which axes are split out of a single axis of the input? Type their names, e.g. {example}, or `none`.",
            tuple(dict.fromkeys(split)), False,
            f"On the left of `->`, {and_list([f'`{it.text()}`' for it in lhs_groups])} "
            f"{'reads one input axis' if len(lhs_groups) == 1 else 'read input axes'} as "
            f"{and_list(_codes(dict.fromkeys(split)))}.",
            "A parenthesised group on the left of `->` splits one input axis into its members.",
        ))
    # no "what are the result's axes, in order?": the pattern on the card prints them; and a
    # question whose answer is `none` only where there is nothing else to ask (typing the
    # format example `none` must not be a strategy)
    answered = [q for q in qs if q.expected]
    return answered


def _unnamed_removed(st: Structure) -> list[str]:
    """Literal (unnamed) axes of the input that the result does not have: ``(h 4)`` on the left
    and only ``h`` on the right reduces an axis of length 4."""
    left = [m for side in st.inputs for it in side for m in it.members if m.isdigit() and m != "1"]
    for m in (m for it in (st.output or ()) for m in it.members if m.isdigit()):
        if m in left:
            left.remove(m)
    return list(dict.fromkeys(left))


def _read(call: Call, st: Structure, d: Draw, rng: random.Random, seed: int) -> Variant:
    if call.op == "pack":
        return _read_pack(call, st, d, seed)
    if call.op == "unpack":
        return _read_unpack(call, st, d, seed)
    qs = read_questions(call, st)
    q = qs[seed % len(qs)]
    known = tuple(st.names) + ((ELL,) if st.has_ellipsis else ()) + tuple(
        dict.fromkeys(m for m in q.expected if m.isdigit()))
    check = AxesCheck(q.expected, known, q.ordered)
    code = f"{call.result} = {call.source}" if call.result else call.source
    answer_text = check.expected_text
    cands: list[str] = []
    if q.ordered:
        cands += [" ".join(q.expected[::-1]), " ".join(sorted(q.expected)), " ".join(q.expected[1:] + q.expected[:1]),
                  " ".join(n for n in known if n != ELL), "none" if q.expected else ""]
    else:
        others = [n for n in known if n not in q.expected]
        if others:
            cands.append(", ".join(others))
            cands.append(", ".join(list(q.expected) + others[:1]))
        cands.append("none" if q.expected else ", ".join(known))
        cands.append(", ".join(known))
        if len(q.expected) > 1:
            cands.append(", ".join(q.expected[1:]))
    alternatives = []
    if q.expected and not q.ordered:
        alternatives.append(", ".join(reversed(q.expected)))
        alternatives.append("{" + ", ".join(repr(n) for n in q.expected) + "}")
    return Variant(
        family=family_id(call), form="read", seed=seed,
        params=_params(call, st, d, question=q.ask, expected=list(q.expected), ordered=q.ordered),
        prompt=f"{context(call)}: {q.ask}",
        code=code,
        answer=list(q.expected), answer_text=answer_text, checker=check,
        explanation=q.explanation,
        hints=(q.hint, f"The pattern is `{call.pattern}`."),
        distractors=rejected(check, cands, answer_text),
        alternatives=tuple(a for a in dict.fromkeys(alternatives) if a != answer_text),
    )


def _read_pack(call: Call, st: Structure, d: Draw, seed: int) -> Variant:
    ps = pack_shapes(call, d)
    check = ShapeListCheck(tuple(ps))
    full = [list(s) for s in d.shapes]
    cands = [
        str(ps[::-1]) if len(ps) > 1 else "",
        str([tuple(s) for s in full]),
        str([(math.prod(s),) for s in ps]),
    ]
    expl = (f"`ps` records, for each input, the shape of the axes that `*` covered — {check.expected_text} — "
            f"so `einops.unpack` can restore them.")
    return Variant(
        family=family_id(call), form="read", seed=seed,
        params=_params(call, st, d, question="ps", expected=[list(s) for s in ps], ordered=True),
        prompt=f"{context(call)}: after running this code, what is `ps`? Type it as a list of shapes, one per input.",
        code=_snippet(call, d),
        answer=[list(s) for s in ps], answer_text=check.expected_text, checker=check,
        explanation=expl,
        hints=("`ps` holds one shape per input: the axes of that input that `*` stood for.",
               f"The named axes of `{call.pattern}` are not in `ps`; everything else is."),
        distractors=rejected(check, cands, check.expected_text),
        alternatives=(str([list(s) for s in ps]),),
    )


# ----------------------------------------------------------------------------- many


def variants_for(call: Call, structure: Structure, seeds_by_form: dict[str, list[int]]) -> dict[str, list[Variant]]:
    """Variants for each form; read questions that repeat (same prompt and code) are dropped."""
    out: dict[str, list[Variant]] = {}
    for form, seeds in seeds_by_form.items():
        vs: list[Variant] = []
        seen: set[tuple[str, str | None]] = set()
        for s in seeds:
            v = make_variant(call, form, s, structure)
            if (v.prompt, v.code) in seen:
                continue
            seen.add((v.prompt, v.code))
            vs.append(v)
        out[form] = vs
    return out


def _read_unpack(call: Call, st: Structure, d: Draw, seed: int) -> Variant:
    check = ShapeListCheck(tuple(d.piece_shapes))
    cands = [str([tuple(s) for s in d.stars]), str([tuple(s) for s in d.piece_shapes[::-1]]),
             str([d.shapes[0]] * len(d.pieces))]
    names = ", ".join(f"`{p}`" for p in d.pieces)
    return Variant(
        family=family_id(call), form="read", seed=seed,
        params=_params(call, st, d, question="pieces", expected=[list(s) for s in d.piece_shapes], ordered=True),
        prompt=f"{context(call)}: after running this code, what are the shapes of {names}, in that order? "
               f"Type them as a list of shapes.",
        code=_snippet(call, d),
        answer=[list(s) for s in d.piece_shapes], answer_text=check.expected_text, checker=check,
        explanation=f"Each piece keeps the named axes of `{call.pattern}` and gets its `ps` entry at `*`: "
                    f"{check.expected_text}.",
        hints=(_rule(call, st), "`ps` gives, per piece, the axes that replace `*`."),
        distractors=rejected(check, cands, check.expected_text),
        alternatives=(str([list(s) for s in d.piece_shapes]),),
    )
