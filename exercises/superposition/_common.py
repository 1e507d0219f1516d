"""Shared plumbing for the superposition families: building real models, showing tensors,
and assembling a :class:`~exercises.base.Variant` whose distractors are *proven* wrong.

Every answer in this topic comes from running :mod:`superpos_core` (or torch on its
tensors); this module only moves numbers around. torch and superpos_core are imported
inside the functions, so importing a family module stays light.
"""
from __future__ import annotations

import hashlib
from fractions import Fraction
from typing import Any, Iterable, Sequence

from exercises.base import Image, Variant
from exercises.checking import Check, Precision, format_number, rejected

TOPIC = "superposition"


# ----------------------------------------------------------------------- numbers & text


def clean(x: float, digits: int = 9) -> float:
    """A float rounded to strip float32 noise (``0.30000001`` → ``0.3``), never ``-0.0``."""
    y = round(float(x), digits)
    return 0.0 if y == 0 else y


def fmt(x: float, digits: int = 4) -> str:
    return format_number(clean(x), digits)


def fraction_text(x: float, max_den: int = 400) -> str | None:
    """``x`` as an exact small fraction such as ``3/8``, or None when it is not one."""
    f = Fraction(x).limit_denominator(max_den)
    if f.denominator == 1 or abs(float(f) - x) > 1e-9 * max(1.0, abs(x)):
        return None
    return f"{f.numerator}/{f.denominator}"


def number_spellings(x: float) -> list[str]:
    """Other ways to type the number ``x``: a fraction, a padded decimal, a percentage."""
    out = []
    frac = fraction_text(x)
    if frac:
        out.append(frac)
    out.append(f"{clean(x):.6f}")
    if 0 < abs(x) < 1:
        out.append(f"{clean(x) * 100:.4f}%")
    return out


def literal(values: Any) -> str:
    """A nested list of numbers written as Python source, numbers kept short: ``[[1.0, -0.5]]``."""
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in values) + "]"
    v = clean(values, 6)
    return f"{v:.1f}" if v.is_integer() else f"{v:g}"


def indent_rows(name: str, rows: Sequence[Sequence[float]], comment: str = "") -> str:
    """``name = torch.tensor([...])`` with one row of a matrix per line."""
    pad = " " * (len(name) + len(" = torch.tensor(["))
    body = (",\n" + pad).join(literal(list(r)) for r in rows)
    tail = f"  # {comment}" if comment else ""
    return f"{name} = torch.tensor([{body}]){tail}"


# ----------------------------------------------------------------------- precision


def number_mistakes(
    check: Check, precision: Precision, mistaken: Iterable[tuple[str, float]]
) -> list[tuple[str, str]] | None:
    """``(what, response)`` for each mistaken value, or None when ``check`` accepts one of
    them (written at the asked precision or more precisely): then the family redraws."""
    out = []
    for what, v in mistaken:
        if any(check.check(r).correct for r in (precision.format(v), spell(v))):
            return None
        out.append((what, precision.format(v)))
    return out


def give(precision: Precision) -> str:
    """The sentence every non-integer value prompt ends with (the check uses the same Precision)."""
    return f" Give it {precision.text}."


def spell(x: float, digits: int = 6) -> str:
    """How a learner types a computed number: up to ``digits`` significant figures."""
    return format_number(clean(x), digits)


# ----------------------------------------------------------------------- real models


def build_model(W: Any, b_final: Any = None, feature_probability: Any = None, importance: Any = None):
    """A real ``superpos_core.Model`` on the CPU whose parameters are set to ``W`` and ``b_final``.

    ``W`` is [instances, features, hidden]; ``b_final`` [instances, features] (zeros by
    default). The probability and importance are passed through as tensors.
    """
    import torch
    from superpos_core import Config, Model

    W_t = torch.as_tensor(W, dtype=torch.float32)
    n_instances, n_features, n_hidden = W_t.shape
    kwargs = {}  # kept in float64 when given so, so that 0.1 stays exactly 0.1 in answers
    if feature_probability is not None:
        kwargs["feature_probability"] = torch.as_tensor(feature_probability, dtype=torch.float64)
    if importance is not None:
        kwargs["importance"] = torch.as_tensor(importance, dtype=torch.float64)
    model = Model(
        Config(n_features=n_features, n_hidden=n_hidden, n_instances=n_instances),
        device="cpu",
        seed=0,
        **kwargs,
    )
    with torch.no_grad():
        model.W.copy_(W_t)
        if b_final is not None:
            model.b_final.copy_(torch.as_tensor(b_final, dtype=torch.float32))
        else:
            model.b_final.zero_()
    return model


def png_name(kind: str, data: bytes) -> str:
    """A flat media name derived from the PNG bytes: same picture, same name."""
    return f"cardgen-{kind}-{hashlib.sha256(data).hexdigest()[:16]}.png"


def png_image(kind: str, data: bytes) -> Image:
    return Image(png_name(kind, data), data)


# ----------------------------------------------------------------------- variants


def _dedupe(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for s in items:
        s = str(s).strip()
        if s and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def accepted(check: Check, candidates: Iterable[str], answer_text: str) -> tuple[str, ...]:
    """The candidates the check accepts, other than the answer's own text."""
    return tuple(c for c in _dedupe(candidates) if c != answer_text and check.check(c).correct)


def variant(
    family: str,
    form: str,
    seed: int,
    *,
    params: dict[str, Any],
    prompt: str,
    answer: Any,
    check: Check,
    explanation: str,
    hints: Sequence[str],
    wrong: Iterable[str],
    right: Iterable[str] = (),
    answer_text: str | None = None,
    code: str | None = None,
    image: Image | None = None,
    mistakes: Sequence[tuple[str, str]] = (),
) -> Variant:
    """Assemble a Variant; ``wrong``/``right`` candidates are filtered through ``check``.

    A family offers plausible wrong responses (the answer without the ReLU, the transposed
    shape...); only those the check really rejects become distractors. A variant with no
    surviving distractor is a bug in the family, so it raises. ``mistakes`` are the
    family's classic mistakes run on this variant, (what, response); each must be rejected
    (the families redraw until they are), so one that is accepted raises too.
    """
    text = answer_text if answer_text is not None else check.expected_text
    for what, response in mistakes:
        if check.check(response).correct:
            raise AssertionError(f"{family}/{form}/{seed}: mistake {what!r} ({response}) is accepted")
    distractors = rejected(check, wrong, text)
    if not distractors:
        raise AssertionError(f"{family}/{form}/{seed}: no distractor survives the check")
    return Variant(
        family=family,
        form=form,
        seed=seed,
        params=params,
        prompt=prompt,
        answer=answer,
        answer_text=text,
        checker=check,
        explanation=explanation,
        hints=tuple(hints),
        code=code,
        image=image,
        distractors=distractors,
        alternatives=accepted(check, right, text),
        mistakes=tuple((str(w), str(r)) for w, r in mistakes),
    )


def collides(check: Check, responses: Iterable[str]) -> bool:
    """Whether ``check`` accepts any of the mistaken responses (then the family redraws)."""
    return any(check.check(r).correct for r in responses)
