"""The card traps of ``shared/CARDS.md``, detected by the laziest learner we can write.

One place for the concept, used by the trap tests (``tests/test_card_traps.py``) and by
``cardgen review-cards``: a lazy solver reads *every* name and size printed on a card (prompt
and code) and answers without the skill — it copies the axis names in order, assigns letters by
matching sizes, or writes the unshared axes in order of first appearance; it types the format
example, types ``0`` or makes one of the family's listed mistakes. A card any of them solves
does not demand the skill. Only the answer's *format* (einsum string, einops pattern, pack
pattern, and how many operands) is taken from the variant: the card states it too.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import Variant

#: Forms whose answer is an expression the learner writes; the others ask for a value.
WRITE_FORMS = ("write",)

#: Thresholds of issue 11, shared by the tests and the card review.
MAX_LAZY_SHARE = 0.10  # of all write variants
MAX_LAZY_SHARE_FAMILY = 0.30  # of one family's write variants
MAX_ANSWER_SHARE = 0.25  # one canonical answer over many seeds
MIN_TRAINED_QUESTIONS = 30  # distinct questions per 100 seeds of a trained family


# ----------------------------------------------------------------------------- reading a card


@dataclass(frozen=True)
class Axis:
    """One axis as printed: a name, a size, or both; ``parts`` for a grouped axis like ``h·d``."""

    name: str | None = None
    size: int | None = None
    parts: tuple[Axis, ...] = ()
    literal: bool = False  # a bare factor such as the 2 of ``(h 2)``


@dataclass
class Group:
    """A printed list of axes, e.g. ``(batch=4, i=3)``, ``(8, 7), axes (h, w)`` or `` `b (h w)` ``."""

    axes: list[Axis]
    start: int
    end: int
    operand: bool = False  # printed as an operand's shape ("`x` has shape ...")


@dataclass
class Reading:
    """Everything a lazy learner can read off a card."""

    text: str
    groups: list[Group]
    sized: dict[str, int] = field(default_factory=dict)  # name=size pairs printed anywhere
    numbers: list[int] = field(default_factory=list)  # bare integers of the prose, in order

    @property
    def operands(self) -> list[Group]:
        return [g for g in self.groups if g.operand]

    @property
    def others(self) -> list[Group]:
        return [g for g in self.groups if not g.operand]

    def mentioned(self) -> list[str]:
        """Identifiers of the prose outside the printed axis lists, in order."""
        prose = self.text
        for g in sorted(self.groups, key=lambda g: -g.start):
            prose = prose[: g.start] + " " + prose[g.end:]
        return re.findall(r"[A-Za-z_]\w*", prose)


_NAME = r"[A-Za-z_][\w']*"
_ENTRY = re.compile(rf"^(?:(?P<name>{_NAME})\s*(?:=\s*(?P<size>\d+))?|(?P<num>\d+))$")
_JOIN = re.compile(r"\s*[·×*]\s*")
_PATTERN_SPAN = re.compile(r"^[A-Za-z_\d\s()….]+$")


def card_text(v: Variant) -> str:
    """What the card shows as text: the prompt and the code under it."""
    return v.prompt + ("\n" + v.code if v.code else "")


def _axis(entry: str) -> Axis | None:
    entry = entry.strip().strip("`").strip()
    if entry in ("...", "…"):
        return Axis(name="...")
    parts = _JOIN.split(entry)
    if len(parts) > 1:
        subs = [_axis(p) for p in parts]
        return None if any(s is None or s.parts for s in subs) else Axis(parts=tuple(subs))
    m = _ENTRY.match(entry)
    if not m or (m["name"] and not re.search(r"[A-Za-z]", m["name"])):
        return None
    if m["num"]:
        return Axis(size=int(m["num"]))
    return Axis(name=m["name"], size=int(m["size"]) if m["size"] else None)


def _pattern_axes(span: str) -> list[Axis] | None:
    """`` `b (h w) c` `` as axes; None when the span is not an einops-style axis list."""
    tokens = re.findall(r"\([^()]*\)|\.\.\.|…|[A-Za-z_]\w*|\d+|\S", span)
    out: list[Axis] = []
    for t in tokens:
        if t.startswith("("):
            subs = [_axis(p) for p in t[1:-1].split()]
            if not subs or any(s is None for s in subs):
                return None
            out.append(Axis(parts=tuple(subs)))
        else:
            a = _axis(t)
            if a is None:
                return None
            out.append(a)
    return out if len(out) >= 2 else None


def _is_sizes(g: Group) -> bool:
    return all(a.name is None and not a.parts and a.size is not None for a in g.axes)


def _is_names(g: Group) -> bool:
    return all(a.size is None or a.parts for a in g.axes) and any(a.name or a.parts for a in g.axes)


def read_card(text: str) -> Reading:
    """Every axis list, name=size pair and bare number printed in ``text``."""
    groups: list[Group] = []
    for m in re.finditer(r"\(([^()]*)\)|\[([^\[\]]*)\]", text):
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        entries = [e for e in inner.split(",")]
        if entries and not entries[-1].strip():
            entries = entries[:-1]  # (5,)
        axes = [_axis(e) for e in entries]
        if axes and all(a is not None for a in axes):
            g = Group(axes, m.start(), m.end())  # type: ignore[arg-type]
            if m.group(2) is not None and _is_sizes(g):
                continue  # [1, 2, 3] is data, not a shape
            groups.append(g)
    for m in re.finditer(r"`([^`]+)`", text):
        span = m.group(1)
        if "," in span or not _PATTERN_SPAN.match(span):
            continue
        if any(g.start <= m.start() < g.end or m.start() <= g.start < m.end() for g in groups):
            continue
        axes = _pattern_axes(span)
        if axes:
            groups.append(Group(axes, m.start(), m.end()))
    groups.sort(key=lambda g: g.start)
    groups = _merge(text, groups)
    for g in groups:
        before = text[max(0, g.start - 40): g.start]
        g.operand = bool(re.search(r"(?<!should )(?<!will )has (?:the )?shape\s*:?\s*$|\bis an? \s*$", before))
    sized = {
        m.group(1): int(m.group(2))
        for m in re.finditer(rf"`?({_NAME})`?\s*=\s*(\d+)(?!\d|\.\d)", text)
    }
    prose = text
    for g in sorted(groups, key=lambda g: -g.start):
        prose = prose[: g.start] + " " + prose[g.end:]
    numbers = [int(n) for n in re.findall(r"(?<![\w.])(\d+)(?!\w|\.\d)", prose)]
    return Reading(text, groups, sized, numbers)


def _merge(text: str, groups: list[Group]) -> list[Group]:
    """``(8, 7), axes (h, w)`` and ``(8, 7) = (h, w)`` become one group of named, sized axes."""
    out: list[Group] = []
    i = 0
    while i < len(groups):
        g = groups[i]
        nxt = groups[i + 1] if i + 1 < len(groups) else None
        gap = text[g.end: nxt.start] if nxt else ""
        if (
            nxt is not None and _is_sizes(g) and _is_names(nxt) and len(g.axes) == len(nxt.axes)
            and re.fullmatch(r"\s*(?:,?\s*(?:with\s+)?axes|=|, i\.e\.|:)\s*", gap)
        ):
            axes = []
            for s, n in zip(g.axes, nxt.axes):
                axes.append(Axis(name=n.name, size=s.size, parts=n.parts))
            out.append(Group(axes, g.start, nxt.end))
            i += 2
            continue
        out.append(g)
        i += 1
    return out


# ----------------------------------------------------------------------------- answer formats


@dataclass(frozen=True)
class Skeleton:
    """The answer's format, which the card states: ``einsum`` string, einops ``arrow`` pattern
    or ``pack`` pattern, and the number of operand terms."""

    kind: str
    n_inputs: int


def skeleton(v: Variant) -> Skeleton:
    text = v.answer_text.strip()
    if "->" not in text:
        return Skeleton("pack", 1)
    lhs = text.split("->", 1)[0]
    n = len(lhs.split(","))
    return Skeleton("einsum" if v.topic == "einsum" else "arrow", n)


def _flat(axes: Iterable[Axis]) -> list[Axis]:
    out: list[Axis] = []
    for a in axes:
        out.extend(_flat(a.parts) if a.parts else [a])
    return out


class _Namer:
    """Turns printed axes into answer tokens: one einsum letter per name (or size), or the name."""

    def __init__(self, letters: bool, by_size: bool, card: Reading):
        self.letters, self.by_size, self.card = letters, by_size, card
        self.seen: dict[Any, str] = {}
        self.size_name = {s: n for n, s in card.sized.items()}

    def key(self, a: Axis) -> Any:
        if a.name == "...":
            return "..."
        if self.by_size and a.size is not None:
            return ("size", a.size)
        if a.name is not None:
            return a.name
        return ("size", a.size)

    def token(self, a: Axis) -> str:
        if a.literal:
            return str(a.size)
        if not self.letters and not self.by_size and a.name is None and a.size is not None and not a.parts:
            same = [n for n, size in self.card.sized.items() if size == a.size]
            if not same:
                return str(a.size)
            i = self.numbered.get(a.size, 0)
            self.numbered[a.size] = i + 1
            return same[i % len(same)]
        if a.parts:
            inner = [self.token(p) for p in a.parts]
            return "".join(inner) if self.letters else "(" + " ".join(inner) + ")"
        k = self.key(a)
        if k == "...":
            return "..."
        if k not in self.seen:
            if self.letters:
                self.seen[k] = "abcdefghijklmnopqrstuvwxyz"[len(self.seen) % 26]
            elif isinstance(k, tuple):
                size = k[1]
                name = a.name if a.name and not self.by_size else self.size_name.get(size)
                self.seen[k] = name if name and name not in self.seen.values() else f"ax{len(self.seen)}"
            else:
                self.seen[k] = k
        return self.seen[k]

    def term(self, axes: Sequence[Axis]) -> str:
        self.numbered: dict[int, int] = {}  # a printed factor like the 2 of h·2 is read as the
        toks = [self.token(a) for a in axes]  # next keyword of that size in the code (ph=2, pw=2)
        return "".join(toks) if self.letters else " ".join(toks)


def _compose(sk: Skeleton, ins: Sequence[Sequence[Axis]], out: Sequence[Axis], namer: _Namer) -> str:
    if sk.kind == "einsum":
        terms = [namer.term(_flat(t)) for t in ins]
        return ",".join(terms) + "->" + namer.term(_flat(out))
    terms = [namer.term(t) for t in ins]
    return ", ".join(terms) + " -> " + namer.term(out)


# ----------------------------------------------------------------------------- the lazy solvers


def _inputs(card: Reading, sk: Skeleton) -> list[Group] | None:
    ops = card.operands
    if len(ops) >= sk.n_inputs:
        return ops[: sk.n_inputs]
    if len(card.groups) >= sk.n_inputs:  # no "has shape": the first printed lists
        return card.groups[: sk.n_inputs]
    return None


def _with_sizes(card: Reading, axes: Sequence[Axis]) -> list[Axis]:
    """Fill in sizes printed elsewhere (``h=3 heads``) for axes printed by name only."""
    out = []
    for a in axes:
        if a.parts:
            out.append(Axis(a.name, a.size, tuple(_with_sizes(card, a.parts))))
        elif a.size is None and a.name in card.sized:
            out.append(Axis(a.name, card.sized[a.name]))
        else:
            out.append(a)
    return out


def _unshared(ins: Sequence[Sequence[Axis]], key) -> list[Axis]:
    counts = Counter(key(a) for t in ins for a in {key(x): x for x in _flat(t)}.values())
    seen, out = set(), []
    for t in ins:
        for a in _flat(t):
            k = key(a)
            if a.name == "...":
                if k not in seen:
                    out.append(a)
                    seen.add(k)
            elif counts[k] == 1 and k not in seen:
                out.append(a)
                seen.add(k)
    return out


def _size(a: Axis) -> int | None:
    if a.parts:
        sizes = [p.size for p in a.parts]
        return None if None in sizes else math.prod(sizes)  # type: ignore[arg-type]
    return a.size


def _match_sizes(sk: Skeleton, ins: list[list[Axis]], out: list[Axis], card: Reading) -> str | None:
    """Name every axis by its size: a result size is an operand's axis, or an operand's axis
    times a printed factor (``(h 2)``); an operand size that is a product of result sizes is
    split into them (``(h d)``)."""
    sizes = [_size(a) for a in out]
    if not out or None in sizes and not all(a.name == "..." for a in out if _size(a) is None):
        return None
    unit_in = {a.size: a for t in ins for a in _flat(t) if a.size is not None}
    factors = {s: Axis(n, s) for n, s in card.sized.items()}
    for n in card.numbers:
        factors.setdefault(n, Axis(size=n, literal=True))
    result: list[Axis] = []
    for a, size in zip(out, sizes):
        if a.name == "..." and size is None:
            result.append(a)
        elif size in unit_in:
            result.append(unit_in[size])
        elif size == 1:
            result.append(Axis(size=1, literal=True))
        elif size in factors and not factors[size].literal:
            result.append(factors[size])
        else:
            pair = next(
                ((unit_in[x], factors[size // x]) for x in unit_in
                 if x > 1 and size % x == 0 and size // x in factors),
                None,
            )
            result.append(Axis(parts=pair) if pair else Axis(size=size))  # a new axis, split from an input
    flat_out = [r for r in result if not r.parts and r.name != "..."]
    new_ins: list[list[Axis]] = []
    for t in ins:
        term: list[Axis] = []
        for a in t:
            size = _size(a)
            if a.parts or a.name == "..." or size in {_size(r) for r in result}:
                term.append(a)
                continue
            split = next(
                (Axis(parts=(x, y)) for i, x in enumerate(flat_out) for y in flat_out[i + 1:]
                 if x.size and y.size and x.size * y.size == size),
                None,
            ) or next(
                (Axis(parts=(x, Axis(size=size // x.size, literal=True))) for x in flat_out
                 if x.size and x.size > 1 and size % x.size == 0 and size // x.size in card.numbers),
                None,
            )
            term.append(split or a)
        new_ins.append(term)
    return _compose(sk, new_ins, result, _Namer(sk.kind == "einsum", True, card))


def write_attempts(v: Variant) -> list[tuple[str, str]]:
    """(solver, response) for every lazy strategy that produces an answer on this write card."""
    card = read_card(card_text(v))
    sk = skeleton(v)
    attempts: list[tuple[str, str]] = []
    if sk.kind == "pack":
        return _pack_attempts(card, v)
    ins = _inputs(card, sk)
    if ins is None:
        return attempts
    letters = sk.kind == "einsum"
    in_axes = [_with_sizes(card, g.axes) for g in ins]
    outs = [_with_sizes(card, g.axes) for g in card.groups if g not in ins]
    if re.search(r"\bscalar\b", card.text):
        outs.append([])  # "a scalar" prints the result's (empty) axis list

    # (a) copy the names printed on the card, in order: the operands', then any other list
    if all(a.name or a.parts for t in in_axes for a in t):
        for out in outs:
            if all(a.name or a.parts for a in out):
                attempts.append(("copy names", _compose(sk, in_axes, out, _Namer(letters, False, card))))
    # (b) letters by matching sizes: each printed result shape, written with the operands' sizes
    if all(a.size is not None or a.name == "..." for t in in_axes for a in _flat(t)):
        for out in outs:
            resp = _match_sizes(sk, in_axes, out, card)
            if resp:
                attempts.append(("match sizes", resp))
    # (c) the unshared axes in order of first appearance (and without the axes the prose names)
    key = _Namer(letters, False, card).key
    if all(a.name or a.size is not None or a.parts for t in in_axes for a in t):
        out = _unshared(in_axes, key) if len(in_axes) > 1 else _flat(in_axes[0])
        attempts.append(("unshared axes", _compose(sk, in_axes, out, _Namer(letters, False, card))))
        named = set(card.mentioned())
        kept = [a for a in out if a.name is None or a.name not in named]
        if kept != out:
            attempts.append(("unshared, unnamed axes", _compose(sk, in_axes, kept, _Namer(letters, False, card))))
    return _dedup(attempts)


def _pack_attempts(card: Reading, v: Variant) -> list[tuple[str, str]]:
    """einops.pack / unpack: the axes every piece shares stay, the rest goes into ``*``."""
    ops = card.operands or card.groups
    if not ops:
        return []
    pieces = ops if "unpack" not in (v.code or "") else card.others or ops
    packed = card.others if "unpack" not in (v.code or "") else ops
    namer = _Namer(False, not all(a.name for p in pieces for a in p.axes), card)
    first = pieces[0].axes
    shared = [a for a in first if all(namer.key(a) in {namer.key(b) for b in p.axes} for p in pieces[1:])]
    if not shared and len(pieces) == 1:
        shared = first
    attempts = [("unshared axes", " ".join([namer.token(a) for a in shared] + ["*"]))]
    for g in packed:  # match sizes: each size of the packed shape that a shared axis has
        toks, used = [], False
        sizes = {a.size: a for a in shared if a.size is not None}
        for a in g.axes:
            if a.size in sizes:
                toks.append(namer.token(sizes.pop(a.size)))
            elif not used:
                toks.append("*")
                used = True
        if used and len(toks) == len(g.axes):
            attempts.append(("match sizes", " ".join(toks)))
    return _dedup(attempts)


def _dedup(attempts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for name, resp in attempts:
        if resp not in seen:
            seen.add(resp)
            out.append((name, resp))
    return out


_EXAMPLE = re.compile(
    r"(?:\blike|\be\.g\.,?|\bfor example,?|\bsuch as|\bas in)\s+(.+?)(?=(?:[.;:!?](?:\s|$))|\n|$)", re.IGNORECASE
)


def format_examples(text: str) -> list[str]:
    """The format examples a card (or a checker's message) offers: ``like (0, 3), (1, 2), or none``
    gives the whole example and each alternative."""
    out: list[str] = []
    for m in _EXAMPLE.finditer(text):
        ex = m.group(1).strip().strip("`").strip()
        ex = re.sub(r"\s*\)$", "", ex) if ex.count(")") > ex.count("(") else ex
        alts = [a.strip().strip("`").strip() for a in re.split(r",?\s+or\s+|\s+/\s+", ex)]
        for a in [ex, *alts]:
            if a and a not in out:
                out.append(a)
    return out


def value_attempts(v: Variant) -> list[tuple[str, str]]:
    """(solver, response): type the format example, type 0, make a listed mistake."""
    attempts = [("format example", e) for e in format_examples(card_text(v))]
    try:
        unreadable = v.check("?")
    except Exception:  # a crash is the checker tests' business
        unreadable = None
    if unreadable is not None and not unreadable.correct:
        attempts += [("format example", e) for e in format_examples(unreadable.reason)]
    attempts.append(("type 0", "0"))
    attempts += [(f"mistake: {what}", resp) for what, resp in v.mistakes]
    attempts += [("distractor", d) for d in v.distractors]
    return attempts


def solved_by(v: Variant, attempts: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The attempts the variant's own checker accepts."""
    out = []
    for name, resp in attempts:
        try:
            ok = v.check(resp).correct
        except Exception:  # a crash is the checker's bug, not a solve
            ok = False
        if ok:
            out.append((name, resp))
    return out


def lazy_write_solves(v: Variant) -> list[tuple[str, str]]:
    """The lazy write strategies (plus format example and ``0``) that this write card accepts."""
    extra = [("format example", e) for e in format_examples(card_text(v))] + [("type 0", "0")]
    return solved_by(v, write_attempts(v) + extra)


# ----------------------------------------------------------------------------- answers


def precision_of(v: Variant):
    """The :class:`~exercises.checking.Precision` the card's checker judges by, or None."""
    return getattr(v.checker, "precision", None)


def _numbers(x: Any) -> Iterable[float]:
    if isinstance(x, bool):
        return
    if isinstance(x, (int, float)):
        yield float(x)
    elif isinstance(x, (list, tuple, set, frozenset)):
        for y in x:
            yield from _numbers(y)


def is_non_integer(v: Variant) -> bool:
    """Whether the answer holds a number that is not a whole number."""
    return any(not (math.isfinite(x) and x.is_integer()) for x in _numbers(v.answer))


def missing_precision(v: Variant) -> str | None:
    """Why a value card fails to say the precision it judges by (None when it is fine)."""
    if v.form in WRITE_FORMS:
        return None
    p = precision_of(v)
    if is_non_integer(v) and p is None:
        return "its answer is not a whole number but its check has no stated precision"
    if p is not None and (is_non_integer(v) or getattr(p, "kind", "") != "exact") and p.text not in v.prompt:
        return f"the prompt does not say {p.text!r}"
    return None


def canonical_answer(v: Variant) -> str:
    """The answer as a lazy learner would repeat it: axis names renamed in order of appearance,
    numbers at the stated precision, a multiple-choice answer as its letter."""
    p = precision_of(v)
    choice = re.match(r"^\s*([A-H])(?:\)|\s*$)", v.answer_text)
    if choice:  # a multiple-choice answer is typed as its letter
        return choice.group(1)
    if v.form in WRITE_FORMS and isinstance(v.answer, str):
        text = v.answer_text
        if v.topic == "einsum":
            m: dict[str, str] = {}
            return "".join(m.setdefault(c, chr(ord("a") + len(m))) if c.isalpha() else c for c in text)
        names: dict[str, str] = {}
        return re.sub(r"[A-Za-z_]\w*", lambda t: names.setdefault(t.group(0), f"x{len(names)}"), text)

    def fmt(x: Any) -> Any:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            if isinstance(x, (list, tuple)):
                return [fmt(y) for y in x]
            if isinstance(x, (set, frozenset)):
                return sorted(fmt(y) for y in x)
            return x
        if p is not None and getattr(p, "kind", "exact") != "exact":
            return p.format(x)
        return repr(int(x)) if float(x).is_integer() else repr(round(float(x), 6))

    if isinstance(v.answer, (int, float, list, tuple, set, frozenset)) and not isinstance(v.answer, bool):
        return str(fmt(v.answer))
    return v.answer_text.strip()


def answer_share(answers: Sequence[str]) -> tuple[str, float, float]:
    """(most common answer, its share, the allowed share): 25 %, or 1.5x the uniform share
    when fewer than 4 answers occur (a single answer is never allowed)."""
    counts = Counter(answers)
    top, n = counts.most_common(1)[0]
    k = len(counts)
    limit = MAX_ANSWER_SHARE if k >= 4 else (0.0 if k == 1 else 1.5 / k)
    return top, n / len(answers), limit


def question_key(v: Variant) -> tuple:
    """What a learner is asked: the prompt, the code and the picture."""
    import hashlib

    img = hashlib.sha256(v.image.data).hexdigest() if v.image is not None else ""
    return (v.prompt, v.code or "", img)


# ----------------------------------------------------------------------------- printed answers

#: Most seeds of a shape or value form whose answer is a literal the card prints.
MAX_PRINTED_SHARE = 0.05
_LITERAL_BODY = re.compile(r"^[\d\s,.+\-eE()\[\]]*\d[\d\s,.+\-eE()\[\]]*$")


def _closing(text: str, i: int) -> int | None:
    """Index of the bracket closing the one at ``i`` (round and square counted alike), or None."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in "([":
            depth += 1
        elif text[j] in ")]":
            depth -= 1
            if depth == 0:
                return j
    return None


def printed_literals(text: str) -> list[str]:
    """The outermost bracketed number literals a card prints: ``(6, 9)`` of ``torch.randn(6, 9)``
    or of "shape (6, 9)", ``[[1, 2], [3, 4]]`` of ``torch.tensor([[1, 2], [3, 4]])``. Only whole
    literals: a row inside a printed tensor, or one printed number, is often the very entry a
    card points at and reading it still takes the skill."""
    out: list[str] = []
    i = 0
    while i < len(text):
        j = _closing(text, i) if text[i] in "([" else None
        if j is None or not _LITERAL_BODY.match(text[i + 1 : j]):
            i += 1
            continue
        body = text[i + 1 : j].strip()
        for lit in (text[i : j + 1], body if body[:1] in "([" and _closing(body, 0) == len(body) - 1 else ""):
            if lit and lit not in out:
                out.append(lit)
        i = j + 1
    return out


def printed_answer(v: Variant) -> list[tuple[str, str]]:
    """The literals printed on a shape or value card (prompt and code) that its own checker
    accepts: copying one answers the card without the skill."""
    return solved_by(v, [("copy a printed literal", lit) for lit in printed_literals(card_text(v))])
