"""The checks of typed answers: a :class:`Check` judges a response and returns a Verdict (right,
wrong with a diagnosis key, or unreadable). Checks that run code are in :mod:`.equivalence`."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from exercises.verdict import Verdict
from exercises.checking.precision import Precision, counted
from exercises.checking.reading import (
    Pair,
    Shape,
    format_array,
    format_number,
    format_pairs,
    format_shape,
    norm_pairs,
    parse_array,
    parse_int_set,
    parse_number,
    parse_pairs,
    parse_shape,
)

# --------------------------------------------------------------------------- checks


_EXAMPLES = threading.local()  # set while the examples of an unreadable message are judged


class Check:
    """Judges a response. Subclasses are small dataclasses holding only data.

    ``check`` returns a :class:`Verdict`: right, wrong (with a ``diagnosis`` key when the mistake
    is recognised), or ``unreadable`` when the response is not of the kind asked.
    """

    #: what the response should be, for "Couldn't read that as a <kind>"
    kind = "answer"

    def check(self, response: str) -> Verdict:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def expected_text(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def examples(self) -> Sequence[str]:
        """Well-formed sample responses; the unreadable message shows one that is not the answer."""
        return ()

    def unreadable(self, detail: str = "") -> Verdict:
        """``Couldn't read that as a <kind>, e.g. <example>`` — never an example that is right here."""
        if getattr(_EXAMPLES, "busy", False):  # judging an example that is itself unreadable
            return Verdict(False, f"Couldn't read that as {self.kind}", self.expected_text, unreadable=True)
        _EXAMPLES.busy = True
        try:
            example = next((e for e in self.examples() if not self._accepts(e)), "")
        finally:
            _EXAMPLES.busy = False
        reason = f"Couldn't read that as {self.kind}" + (f", e.g. {example}" if example else "")
        if detail:
            reason += f" ({detail})"
        return Verdict(False, reason, self.expected_text, unreadable=True)

    def _accepts(self, example: str) -> bool:
        """Whether ``example`` cannot be shown: it is right here, unreadable, or cannot be judged."""
        try:
            v = self.check(example)
        except Exception:
            return True
        return v.correct or v.unreadable

    def wrong(self, reason: str, diagnosis: str = "") -> Verdict:
        return Verdict(False, reason, self.expected_text, diagnosis=diagnosis)

    def right(self, reason: str) -> Verdict:
        return Verdict(True, reason, self.expected_text)


@dataclass(frozen=True)
class ShapeCheck(Check):
    expected: Shape
    kind = "a shape"

    @property
    def expected_text(self) -> str:
        return format_shape(self.expected)

    def examples(self) -> Sequence[str]:
        return ("(2, 3)", "(4,)", "(5, 6, 7)")

    def check(self, response: str) -> Verdict:
        try:
            got = parse_shape(response)
        except ValueError as e:
            return self.unreadable(str(e).split(";")[0] if "negative" in str(e) else "")
        exp = tuple(self.expected)
        if got == exp:
            return self.right("right shape")
        if len(got) != len(exp):
            why, key = f"{counted(len(got), 'dimension')}, but the result has {len(exp)}", "rank"
        elif sorted(got) == sorted(exp):
            why, key = "the right sizes in the wrong order", "axis_order"
        else:
            bad = [i for i, (a, b) in enumerate(zip(got, exp)) if a != b]
            why, key = f"dimension {bad[0]} is {got[bad[0]]}, but it is {exp[bad[0]]}", "wrong_size"
        return self.wrong(f"{format_shape(got)} has {why}", key)


_LEGACY_NUMBER = (1e-3, 1e-2)  # the old default atol, rtol: used only while no precision is given


def _deprecated(what: str) -> None:
    import warnings

    warnings.warn(f"{what} is deprecated: pass precision=Precision.decimals(n) / .sig(n) / .exact()",
                  DeprecationWarning, stacklevel=4)


@dataclass(frozen=True)
class NumberCheck(Check):
    """A number judged at the card's :class:`Precision`; arithmetic (``0.9^5``) is read as its value.

    Without ``precision`` an integer expected value is exact. ``atol``/``rtol``/``digits`` are the
    deprecated tolerance of old cards (``atol + rtol*|expected|``), kept while families move over.
    """

    expected: float
    precision: Precision | None = None
    atol: float | None = None  # deprecated
    rtol: float | None = None  # deprecated
    digits: int | None = None  # deprecated
    kind = "a number"

    def __post_init__(self) -> None:
        if self.atol is not None or self.rtol is not None or self.digits is not None:
            _deprecated("NumberCheck(atol=, rtol=, digits=)")
        elif self.precision is None and not float(self.expected).is_integer():
            _deprecated("NumberCheck of a non-integer without a precision")

    @property
    def _precision(self) -> Precision | None:
        if self.precision is not None:
            return self.precision
        if self.atol is None and self.rtol is None and float(self.expected).is_integer():
            return Precision.exact()
        return None

    @property
    def tolerance(self) -> float:
        p = self._precision
        if p is not None:
            return p.tolerance(self.expected)
        atol = _LEGACY_NUMBER[0] if self.atol is None else self.atol
        rtol = _LEGACY_NUMBER[1] if self.rtol is None else self.rtol
        return atol + rtol * abs(self.expected)

    @property
    def expected_text(self) -> str:
        p = self._precision
        return p.format(self.expected) if p is not None else format_number(self.expected, self.digits or 4)

    def examples(self) -> Sequence[str]:
        p = self._precision
        if p is None:
            return ("1.25", "-0.5", "2.75")
        if p.kind == "exact":
            return ("3/8", "-5/4", "7")
        return tuple(p.format(x) for x in (1.2345, -0.4321, 2.7182))

    def check(self, response: str) -> Verdict:
        try:
            got = parse_number(response)
        except ValueError as e:
            detail = str(e).split(": ", 1)[1] if ": " in str(e) else ""
            return self.unreadable(detail if detail.startswith(("unknown name", "an exponent", "the value")) else "")
        exp, tol, p = float(self.expected), self.tolerance, self._precision
        if abs(got - exp) <= tol:
            return self.right(f"right {p.text}" if p is not None and p.kind != "exact" else
                              "right" if p is not None else f"within ±{format_number(tol, 2)}")
        shown, off = format_number(got, 6), format_number(abs(got - exp), 3)
        if exp != 0 and abs(got + exp) <= tol:
            return self.wrong(f"{shown}: the sign is wrong", "sign")
        if p is not None and p.kind != "exact":
            limit = f"{p.text} an answer may be off by at most {format_number(p.unit(exp) / 2, 3)}"
            if abs(got - exp) <= p.unit(exp) + 1e-9 * max(1.0, abs(exp)):
                return self.wrong(f"{shown} is off by {off}; {limit} (rounded the wrong way?)", "rounding")
            return self.wrong(f"{shown} is off by {off}; {limit}")
        if p is not None:  # exact
            return self.wrong(f"{shown} is off by {off}; the answer is exact")
        hint = " (close, but outside the tolerance)" if exp != 0 and abs(got / exp - 1) < 0.5 else ""
        return self.wrong(f"{shown} is off by {off}; tolerance ±{format_number(tol, 2)}{hint}")


@dataclass(frozen=True)
class ArrayCheck(Check):
    """A small tensor typed as a nested list, every entry judged at ``precision``
    (None: integer entries, compared exactly); entries may be arithmetic (``[0.9^2, 1/2]``).
    ``atol`` is the deprecated absolute tolerance of old cards."""

    expected: Any  # nested list
    precision: Precision | None = None
    atol: float | None = None  # deprecated
    kind = "a list of numbers"

    def __post_init__(self) -> None:
        import numpy as np

        if self.atol is not None:
            _deprecated("ArrayCheck(atol=)")
        elif self.precision is None and not np.all(np.mod(np.asarray(self.expected, dtype=float), 1) == 0):
            _deprecated("ArrayCheck of non-integer entries without a precision")

    @property
    def expected_text(self) -> str:
        return format_array(self.expected, self.precision)

    def examples(self) -> Sequence[str]:
        import numpy as np

        if np.ndim(self.expected) >= 2:
            return ("[[1, 2], [3, 4]]", "[[5, 6, 7], [8, 9, 10]]")
        return ("[1, 2, 3]", "[4, 5]")

    def _tolerance(self, exp):
        import numpy as np

        if self.precision is not None:
            return np.vectorize(self.precision.tolerance, otypes=[float])(exp) if exp.size else exp
        if self.atol is not None:
            return np.full_like(exp, self.atol)
        return 1e-9 * np.maximum(1.0, np.abs(exp))

    def check(self, response: str) -> Verdict:
        import numpy as np

        try:
            got = np.asarray(parse_array(response), dtype=float)
        except ValueError as e:
            detail = str(e) if str(e).startswith(("unknown name", "an exponent", "the value")) else ""
            return self.unreadable(detail)
        exp = np.asarray(self.expected, dtype=float)
        tol = self._tolerance(exp)
        if got.shape != exp.shape:
            if exp.ndim == 2 and got.shape == exp.shape[::-1] and np.all(np.abs(got - exp.T) <= tol.T):
                return self.wrong("the entries are transposed", "transposed")
            return self.wrong(
                f"your answer has shape {format_shape(got.shape)}, the result has shape {format_shape(exp.shape)}",
                "wrong_shape",
            )
        diff = np.abs(got - exp)
        if np.all(diff <= tol):
            return self.right("every entry matches")
        if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and np.all(np.abs(got - exp.T) <= tol):
            return self.wrong("the entries are transposed", "transposed")
        if np.any(exp != 0) and np.all(np.abs(got + exp) <= tol):
            return self.wrong("every entry has the wrong sign", "sign")
        bad = diff > tol
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape))
        n_bad = int(bad.sum())
        show = (lambda v: format_number(v)) if self.precision is None else self.precision.format
        return self.wrong(
            f"{counted(n_bad, 'entry', 'entries')} {'differs' if n_bad == 1 else 'differ'}; at index {list(idx)} you "
            f"have {format_number(float(got[idx]), 6)}, the result is {show(float(exp[idx]))}",
            "wrong_values",
        )


class _SetAnswer(Check):
    """The body :class:`SetCheck` and :class:`PairsCheck` share: parse the response as a set,
    compare it with the expected one, and name what is missing and what should not be there.
    A subclass says how to parse, and how to word the items and a right answer."""

    def _parse(self, response: str) -> frozenset:  # pragma: no cover - interface
        """The response as a set; ValueError (unreadable) when it is not one."""
        raise NotImplementedError

    def _expected_set(self) -> frozenset:  # pragma: no cover - interface
        raise NotImplementedError

    def _right(self, exp: frozenset) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def _missing(self, items: list) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def _extra(self, items: list) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def _none_either_side(self, got: frozenset, exp: frozenset) -> Verdict | None:
        """A shorter verdict when one side is empty, or None (then missing/extra are listed)."""
        return None

    def check(self, response: str) -> Verdict:
        try:
            got = self._parse(response)
        except ValueError as e:
            return self.unreadable(str(e))
        exp = self._expected_set()
        if got == exp:
            return self.right(self._right(exp))
        short = self._none_either_side(got, exp)
        if short is not None:
            return short
        missing, extra = sorted(exp - got), sorted(got - exp)
        parts = []
        if missing:
            parts.append(self._missing(missing))
        if extra:
            parts.append(self._extra(extra))
        return self.wrong("; ".join(parts), "missing" if not extra else "extra" if not missing else "missing_and_extra")


@dataclass(frozen=True)
class SetCheck(_SetAnswer):
    """A set of indices in any order, e.g. which features are represented; a repeated index or
    a nested list is unreadable, not wrong."""

    expected: frozenset[int]
    noun: str = "feature"

    @property
    def kind(self) -> str:  # type: ignore[override]
        return f"a set of {self.noun}s"

    @property
    def expected_text(self) -> str:
        return ", ".join(str(i) for i in sorted(self.expected)) or "none"

    def examples(self) -> Sequence[str]:
        return ("0, 2", "1, 3, 4", "5", "none")

    def _parse(self, response: str) -> frozenset:
        return parse_int_set(response)

    def _expected_set(self) -> frozenset:
        return self.expected

    def _right(self, exp: frozenset) -> str:
        return f"right {self.noun}s" if exp else f"right: no {self.noun}"

    def _missing(self, items: list) -> str:
        return f"missing {self.noun} {', '.join(map(str, items))}"

    def _extra(self, items: list) -> str:
        return f"{self.noun} {', '.join(map(str, items))} should not be there"


@dataclass(frozen=True)
class PairsCheck(_SetAnswer):
    """A set of unordered index pairs (e.g. antipodal pairs): ``(0, 3), (1, 2)`` or ``none``.
    Ungrouped indices, a repeated pair or (``disjoint``) an index in two pairs is unreadable."""

    expected: frozenset[Pair]
    noun: str = "pair"
    disjoint: bool = True

    @property
    def kind(self) -> str:  # type: ignore[override]
        return f"{self.noun}s"

    @property
    def expected_text(self) -> str:
        return format_pairs(self.expected)

    def examples(self) -> Sequence[str]:
        return ("(0, 5), (2, 4)", "(1, 4)", "(2, 3), (0, 1)", "none")

    def _parse(self, response: str) -> frozenset:
        return parse_pairs(response, self.disjoint)

    def _expected_set(self) -> frozenset:
        return norm_pairs(self.expected)

    def _right(self, exp: frozenset) -> str:
        return f"right {self.noun}s" if exp else "right: there is none"

    def _none_either_side(self, got: frozenset, exp: frozenset) -> Verdict | None:
        if not exp:
            return self.wrong(f"there is no such {self.noun}", "extra")
        if not got:
            return self.wrong(f"there {'is' if len(exp) == 1 else 'are'} {len(exp)}", "missing")
        return None

    def _missing(self, items: list) -> str:
        return f"missing {format_pairs(items)}"

    def _extra(self, items: list) -> str:
        return f"{format_pairs(items)} {'is' if len(items) == 1 else 'are'} not"


@dataclass(frozen=True)
class ChoiceCheck(Check):
    """One of a few labelled options; accepts the label (``B``) or the option text."""

    options: tuple[str, ...]
    answer: int
    kind = "one of the options"

    @property
    def expected_text(self) -> str:
        return f"{'ABCDEFGH'[self.answer]}) {self.options[self.answer]}"

    def check(self, response: str) -> Verdict:
        s = response.strip().rstrip(")").strip().lower()
        labels = [c.lower() for c in "ABCDEFGH"[: len(self.options)]]
        m = re.match(r"^\(?([a-h])\)\s*(.+)$", response.strip(), re.I | re.S)  # "C) text", as the answer shows
        if m and m.group(1).lower() in labels:
            s = m.group(1).lower()  # the card asks for a letter: the label decides, whatever follows it
        if s in labels:
            got = labels.index(s)
        else:
            matches = [i for i, o in enumerate(self.options) if o.strip().lower() == s]
            if not matches:
                return Verdict(False, f"Couldn't read that as one of {', '.join(l.upper() for l in labels)}",
                               self.expected_text, unreadable=True)
            got = matches[0]
        if got == self.answer:
            return self.right("right choice")
        return self.wrong(f"{labels[got].upper()} is not it")


def rejected(check: Check, candidates: Iterable[str], answer_text: str) -> tuple[str, ...]:
    """The candidates ``check`` judges readable and wrong: plausible wrong answers that really
    are wrong (deduplicated, never the answer's own text; one the check cannot run is dropped)."""
    out: list[str] = []
    for c in candidates:
        c = str(c).strip()
        if not c or c == answer_text or c in out:
            continue
        try:
            v = check.check(c)
        except Exception:  # a candidate that breaks the check is no distractor
            continue
        if not v.correct and not v.unreadable:
            out.append(c)
    return tuple(out)
