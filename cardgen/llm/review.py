"""Card-quality review: every card against the principles of good prompts, by rule, and
optionally with an LLM's judgement beside the rules.

The rules are deterministic and concrete (see :data:`PRINCIPLES`), so a review is the same
on every machine; the LLM only adds an opinion per card (``principle → {meets, why}``), which
is reported next to the rule's result and never replaces it. Cards come from the exercise
families (a topic or a family-id prefix) or from a built ``.apkg`` (the notes' ``Variants``
JSON field, read with :mod:`zipfile` and :mod:`sqlite3`).

The card traps (:data:`TRAP_PRINCIPLES`: a write card answered from its own text, a listed mistake
that scores, an unsaid precision, a near-constant answer, a format example that is an answer)
need the card's checker: the variant is re-derived from the family, form and seed stored with
the card, and judged on the text as stored, with :mod:`exercises.traps` (the tests' judge too).
"""
from __future__ import annotations

import difflib
import hashlib
import html
import json
import re
import sqlite3
import tempfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable

from cardgen.llm.principles import PRINCIPLES
from cardgen.llm.validate import _CODE, _MATH, _norm, _prose, numbers, review_why_problems

#: The principles an LLM can judge from one card alone.
LLM_PRINCIPLES = ("focused", "precise", "tractable", "effortful", "one_answer", "no_yes_no")

MAX_PROMPT_CHARS = 600
MAX_CODE_LINES = 20
MAX_VALUE_NUMBERS = 16
MAX_ANSWER_CHARS = 60
MAX_EXPRESSION_CHARS = 80
CONSISTENT_RATIO = 0.5
DUPLICATE_RATIO = 0.97

_ASK_VERBS = {"write", "fill", "compute", "calculate", "give", "predict", "find", "name", "implement",
              "determine", "state", "evaluate", "estimate", "count", "select", "choose", "pick", "complete",
              "type", "enter", "read", "list", "identify", "derive", "express", "sketch", "rewrite", "retype",
              "fix", "correct"}
_FORMAT_VERBS = {"pass", "use", "round", "answer", "assume", "note", "ignore", "keep", "treat", "hint"}
_FORMAT_IF = {"write", "type", "give", "enter", "express", "list", "report", "separate"}
_BACK_REFERENCE = re.compile(r"^\W*\w+\s+(?:it|them|their|its|each|your|one|the answer|the result)\b", re.I)
_EXAMPLES = re.compile(r"\b(?:like|such as|eg|as a|as an|in the form)\b", re.I)
_YES_NO_START = {"is", "are", "does", "do", "did", "can", "could", "will", "would", "should", "has", "have",
                 "was", "were", "may", "must"}
_YES_NO_ANSWERS = {"yes", "no", "true", "false", "y", "n"}
_VAGUE = re.compile(r"\b(?:etc|and so on|something|some kind of|roughly|various|whatever)\b", re.I)
_SHAPE_ANSWER = re.compile(r"^\(\s*(?:\d+\s*(?:,\s*\d+\s*)*,?)?\s*\)$")


@dataclass
class Card:
    """What a review needs of one card, from a Variant or from a deck's Variants JSON."""

    key: str
    family: str
    form: str
    prompt: str
    answer_text: str
    code: str | None = None
    image: str | None = None
    seed: int | None = None
    #: the Variant the card was drawn from (None for a card read from a deck: re-derived)
    variant: Any = field(default=None, repr=False, compare=False)
    #: a from-code card's id (``models/attn.py#3fa2c1b9d0.8e1f2a``): its variants are re-derived
    #: from the code it names, which a review finds from the current folder
    source_id: str | None = None

    @property
    def group(self) -> str:
        return f"{self.source_id or self.family}/{self.form}"

    @classmethod
    def from_variant(cls, v: Any, prompt: str | None = None) -> "Card":
        image = None
        if v.image is not None:  # the content decides whether two figures are the same
            image = f"{v.image.name}#{hashlib.sha256(v.image.data).hexdigest()[:12]}"
        return cls(key=v.key, family=v.family, form=v.form, prompt=prompt if prompt is not None else v.prompt,
                   answer_text=v.answer_text, code=v.code, image=image, seed=v.seed, variant=v)


@dataclass
class Result:
    #: None when the rule was not applied: never counted as meeting (see ``checkable``, ``error``)
    meets: bool | None
    why: str
    llm: dict | None = None  # {"meets": bool, "why": str} when an LLM judged the card
    #: False when the rule could not be applied (the family or the code is out of reach)
    checkable: bool = True
    #: True when applying the rule crashed (re-deriving the card raised): an error, not a pass
    error: bool = False

    @property
    def status(self) -> str:
        """The one count of :func:`summarize` this result falls in."""
        if self.error:
            return "errors"
        if not self.checkable:
            return "not_checkable"
        return "meets" if self.meets else "breaks"

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"meets": self.meets, "why": self.why}
        if not self.checkable:
            d["checkable"] = False
        if self.error:
            d["error"] = True
        if self.llm is not None:
            d["llm"] = self.llm
        return d


@dataclass
class CardReview:
    card: Card
    results: dict[str, Result] = field(default_factory=dict)

    @property
    def meets_all(self) -> bool:
        """Every principle was checked and met (a principle not checked does not count)."""
        return all(r.meets is True for r in self.results.values())

    @property
    def broken(self) -> list[str]:
        return [p for p, r in self.results.items() if r.meets is False]

    @property
    def errors(self) -> list[str]:
        """Principles whose check crashed: the card could not be re-derived or judged."""
        return [p for p, r in self.results.items() if r.error]

    def to_dict(self) -> dict:
        c = self.card
        return {"key": c.key, "family": c.family, "form": c.form, "seed": c.seed, "prompt": c.prompt,
                "code": c.code, "image": c.image, "answer_text": c.answer_text, "meets_all": self.meets_all,
                "errors": self.errors, "results": {p: r.to_dict() for p, r in self.results.items()}}


# ----------------------------------------------------------------------------- text helpers


def _masked_prose(text: str) -> str:
    """Prompt text with code/math spans as placeholders, parentheticals and abbreviations removed."""
    s = _CODE.sub(" CODE ", _MATH.sub(" MATH ", text))
    s = re.sub(r"\b(?:e\.g|i\.e|etc|vs|cf)\.", "eg", s, flags=re.I)
    for _ in range(3):
        s = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", s)
    return s


def sentences(text: str) -> list[str]:
    """The prompt's sentences (option lines such as 'B) ...' left out)."""
    lines = [ln for ln in text.splitlines() if not re.match(r"^\s*[A-H]\)\s", ln)]
    masked = _masked_prose("\n".join(lines))
    parts = re.split(r"(?<=[.?!])\s+|\n+", masked)
    return [" ".join(p.split()) for p in parts if re.search(r"[A-Za-z]", p)]


def _first_word(sentence: str) -> str:
    m = re.match(r"\W*([A-Za-z]+)", sentence)
    return m.group(1).lower() if m else ""


def is_format_note(sentence: str) -> bool:
    """A sentence about how to write the answer ('Type it as a list', 'Use ... for the batch
    axes', 'Write pairs like (0, 3), or none'), not a request of its own."""
    word = _first_word(sentence)
    if word in _FORMAT_VERBS:
        return True
    return word in _FORMAT_IF and bool(_BACK_REFERENCE.match(sentence) or _EXAMPLES.search(sentence))


def asks(text: str) -> list[str]:
    """The sentences that ask something: questions, and instructions that are not format notes."""
    out = []
    for s in sentences(text):
        if s.rstrip().endswith("?"):
            out.append(s)
        elif _first_word(s) in _ASK_VERBS and not is_format_note(s):
            out.append(s)
    return out


def without_format_notes(prompt: str) -> str:
    """The prompt minus its format-note sentences (which may list allowed answers like 'none')."""
    raw = re.split(r"(?<=[.?!])\s+|\n+", prompt)
    return " ".join(r for r in raw if not is_format_note(_masked_prose(r)))


def answer_kind(answer_text: str) -> str:
    a = answer_text.strip()
    if a.lower() in _YES_NO_ANSWERS:
        return "yes/no"
    if _SHAPE_ANSWER.match(a):
        return "shape"
    if re.match(r"^[A-H]\)", a):
        return "choice"
    if "->" in a:
        return "expression"
    if a.startswith("["):
        return "list"
    try:
        float(a.replace("−", "-"))
        return "number"
    except ValueError:
        pass
    if re.fullmatch(r"-?\d+\s*/\s*\d+", a):
        return "number"
    if re.fullmatch(r"\d+(?:\s*,\s*\d+)*|none", a.lower()):
        return "set"
    return "text"


def _skeleton(text: str) -> str:
    """A prompt's structure: numbers, code spans and math masked."""
    s = _CODE.sub("`C`", _MATH.sub("M", text))
    s = re.sub(r"\d+(?:\.\d+)?", "#", s)
    return " ".join(s.split()).lower()


def _full_text(c: Card) -> str:
    return " ".join(f"{c.prompt}\n{c.code or ''}\n{c.image or ''}".split()).lower()


# ----------------------------------------------------------------------------- the rules


def _focused(c: Card) -> Result:
    found = asks(c.prompt)
    if len(found) == 1:
        return Result(True, "asks one thing")
    if not found:
        return Result(False, "asks nothing: no question and no instruction such as 'Write ...'")
    quoted = "; ".join(f"'{s[:40]}'" for s in found[:3])
    return Result(False, f"asks {len(found)} things: {quoted}")


def _precise(c: Card) -> Result:
    text = f"{c.prompt}\n{c.code or ''}"
    problems = []
    # a fix card is judged on fresh inputs of any size: its layouts, not sizes, are what it states
    if not re.search(r"\d", text) and not c.image and c.form != "fix":
        problems.append("states no size, shape or value (and has no image)")
    if c.code and c.form in ("shape", "value"):
        names = set()
        for span in _CODE.findall(" ".join(_ask_sentences_raw(c.prompt))):
            m = re.match(r"^\s*([A-Za-z_]\w*)(?:\.\w+|\[[^\]]*\])*\s*$", span)
            if m:
                names.add(m.group(1))
        undefined = sorted(n for n in names if not re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", c.code))
        if undefined:
            problems.append(f"asks about {', '.join(undefined)}, which the code does not define")
    vague = sorted({m.group(0).lower() for m in _VAGUE.finditer(_prose(c.prompt))})
    if vague:
        problems.append(f"vague wording: {', '.join(vague)}")
    return Result(not problems, "; ".join(problems) or "sizes and values are stated")


def _ask_sentences_raw(prompt: str) -> list[str]:
    """The raw (unmasked) sentences that ask, so their code spans can be read."""
    raw = re.split(r"(?<=[.?!])\s+(?=[A-Z`\\])|\n+", prompt)
    return [s for s in raw if asks(s)]


def _tractable(c: Card) -> Result:
    problems = []
    if len(c.prompt) > MAX_PROMPT_CHARS:
        problems.append(f"prompt has {len(c.prompt)} characters (limit {MAX_PROMPT_CHARS})")
    n_lines = len((c.code or "").strip().splitlines())
    if n_lines > MAX_CODE_LINES:
        problems.append(f"code has {n_lines} lines (limit {MAX_CODE_LINES})")
    if c.form == "value":
        n_numbers = len(re.findall(r"-?\d+(?:\.\d+)?", c.answer_text))
        if n_numbers > MAX_VALUE_NUMBERS:
            problems.append(f"the answer has {n_numbers} numbers to compute (limit {MAX_VALUE_NUMBERS})")
    return Result(not problems, "; ".join(problems) or "small enough to answer")


def _effortful(c: Card) -> Result:
    prompt = without_format_notes(c.prompt)
    kind = answer_kind(c.answer_text)
    if kind == "number":  # numbers are everywhere in code: only one stated in the prose counts
        found = numbers(c.answer_text)
        canon = found[0] if len(found) == 1 else None
        if canon is not None and len(canon.lstrip("-")) >= 2 and canon in numbers(_prose(prompt)):
            return Result(False, f"the answer {c.answer_text.strip()} is stated in the prompt")
        return Result(True, "the answer is not stated in the prompt")
    if kind == "choice":  # the options are on the card by design: the effort is in choosing one
        return Result(True, "a choice among the options shown")
    ans = _norm(c.answer_text)
    where = [name for name, text in (("prompt", prompt), ("code", c.code or "")) if len(ans) >= 2 and ans in _norm(text)]
    if where:
        return Result(False, f"the answer {c.answer_text.strip()!r} is written in the {' and '.join(where)}")
    return Result(True, "the answer is not in the prompt or code")


def _one_answer(c: Card) -> Result:
    a = c.answer_text.strip()
    limit = MAX_EXPRESSION_CHARS if answer_kind(a) == "expression" else MAX_ANSWER_CHARS
    problems = []
    if "\n" in a:
        problems.append("the answer has several lines")
    if len(a) > limit:
        problems.append(f"the answer has {len(a)} characters (limit {limit})")
    if re.search(r"\s(?:or|either)\s|;", a):
        problems.append("the answer lists alternatives")
    return Result(not problems, "; ".join(problems) or f"one {answer_kind(a)}")


def _no_yes_no(c: Card) -> Result:
    if c.answer_text.strip().lower() in _YES_NO_ANSWERS:
        return Result(False, f"the answer is {c.answer_text.strip()!r}")
    for s in sentences(c.prompt):
        if s.rstrip().endswith("?") and _first_word(s) in _YES_NO_START:
            return Result(False, f"a yes/no question: '{s[:50]}'")
    return Result(True, f"answered by a {answer_kind(c.answer_text)}")


def _consistency(cards: list[Card]) -> dict[str, Result]:
    out: dict[str, Result] = {}
    groups: dict[str, list[Card]] = defaultdict(list)
    for c in cards:
        groups[c.group].append(c)
    for group, members in groups.items():
        if len(members) == 1:
            out[members[0].key] = Result(True, "the only card of its family and form in this review")
            continue
        own_kinds = [answer_kind(c.answer_text) for c in members]
        if "set" in own_kinds:  # a lone index ("3") is a set of one among sets ("0, 2")
            own_kinds = ["set" if k == "number" and re.fullmatch(r"\d+", c.answer_text.strip()) else k
                         for k, c in zip(own_kinds, members)]
        kinds = Counter(own_kinds)
        kind, count = kinds.most_common(1)[0]
        majority = kind if count * 2 > len(members) else None
        skels = [_skeleton(c.prompt).split() for c in members]
        for i, c in enumerate(members):
            problems = []
            own = own_kinds[i]
            if majority is None:
                problems.append("its family and form mix answer kinds (" + ", ".join(sorted(kinds)) + ")")
            elif own != majority:
                problems.append(f"answer is a {own}, most of its siblings' a {majority}")
            # word-level similarity to each sibling, averaged
            sim = sum(difflib.SequenceMatcher(None, skels[i], skels[j], autojunk=False).ratio()
                      for j in range(len(members)) if j != i) / (len(members) - 1)
            if sim < CONSISTENT_RATIO:
                problems.append(f"prompt only {sim:.0%} like its siblings'")
            out[c.key] = Result(not problems, "; ".join(problems)
                                or f"like its {len(members) - 1} sibling(s) ({sim:.0%} similar)")
    return out


def _duplicates(cards: list[Card]) -> dict[str, Result]:
    out: dict[str, Result] = {}
    texts = {c.key: _full_text(c) for c in cards}
    dup_of: dict[str, str] = {}
    first_with: dict[str, str] = {}
    for c in cards:  # exact repeats anywhere
        t = texts[c.key]
        if t in first_with:
            dup_of.setdefault(c.key, first_with[t])
            dup_of.setdefault(first_with[t], c.key)
        else:
            first_with[t] = c.key
    groups: dict[str, list[Card]] = defaultdict(list)
    for c in cards:
        groups[c.group].append(c)
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a.key in dup_of and b.key in dup_of:
                    continue
                if a.image and b.image and a.image != b.image:
                    continue  # different figures are different cards
                if numbers(texts[a.key]) != numbers(texts[b.key]):
                    continue  # other numbers: a real variant, not a repeat
                sm = difflib.SequenceMatcher(None, texts[a.key], texts[b.key], autojunk=False)
                if sm.real_quick_ratio() >= DUPLICATE_RATIO and sm.quick_ratio() >= DUPLICATE_RATIO \
                        and sm.ratio() >= DUPLICATE_RATIO:
                    dup_of.setdefault(a.key, b.key)
                    dup_of.setdefault(b.key, a.key)
    for c in cards:
        if c.key in dup_of:
            out[c.key] = Result(False, f"repeats {dup_of[c.key]}")
        else:
            out[c.key] = Result(True, "no repeat among the reviewed cards")
    return out


def review_cards(cards: list[Card], assistant: Any = None, on_card: Any = None) -> list[CardReview]:
    """Judge every card by the rules (and by ``assistant`` when it is online)."""
    consistency = _consistency(cards)
    duplicates = _duplicates(cards)
    traps = _Traps()
    reviews = []
    for c in cards:
        r = CardReview(c)
        r.results["focused"] = _focused(c)
        r.results["precise"] = _precise(c)
        r.results["consistent"] = consistency[c.key]
        r.results["tractable"] = _tractable(c)
        r.results["effortful"] = _effortful(c)
        r.results["one_answer"] = _one_answer(c)
        r.results["no_yes_no"] = _no_yes_no(c)
        r.results["no_duplicate"] = duplicates[c.key]
        r.results.update(traps.judge(c))
        if assistant is not None and getattr(assistant, "available", False):
            judged = llm_judge(assistant, c)
            if judged:
                for p, verdict in judged.items():
                    r.results[p].llm = verdict
        reviews.append(r)
        if on_card:
            on_card(r)
    return reviews


# ----------------------------------------------------------------------------- the card traps

#: The traps of shared/CARDS.md: judged with the card's own checker, re-derived from the family,
#: form and seed stored with the card (see :mod:`exercises.traps`, shared with the tests).
TRAP_PRINCIPLES = ("not_transcribable", "no_mistake_scores", "states_precision", "varied_answer",
                   "no_answer_example")
#: Seeds of a family and form over which an answer's share is measured.
SHARE_SEEDS = 100
#: Seeds of a write form over which the lazy solvers' share is measured.
WRITE_SEEDS = 30
#: Seeds of a write form a stranger's solvers (exercises/solvers.py, issue 18) answer.
STRANGER_SEEDS = 50


def _not_checkable(why: str) -> Result:
    """The rule cannot be applied here (family unknown, code out of reach, stale deck): said so,
    never counted as meeting it."""
    return Result(None, f"not checkable: {why}", checkable=False)


def _crashed(why: str) -> Result:
    """Applying the rule raised: an error of the card (or of cardgen), reported as one."""
    return Result(None, f"error: {why}", checkable=False, error=True)


def _exc(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e)[:80]}"


class _Traps:
    """Judges the traps of each card; variants and answer shares are cached for one review."""

    def __init__(self) -> None:
        self.shares: dict[str, Result] = {}
        self.lazy: dict[str, tuple[float | None, str]] = {}
        self.families: dict[str, Any] = {}
        self.strangers: dict[str, Any] = {}  # group -> solvers.Measure, or the reason it failed
        self.mixes: dict[str, str] = {}  # group of a pooled form -> the mixed note its figures are from

    def stranger(self, c: Card) -> Any:
        """A stranger's solvers (:mod:`exercises.solvers`) over the group's seeds, once per group:
        their solve rates over STRANGER_SEEDS seeds and the answer structures over SHARE_SEEDS."""
        if c.group not in self.strangers:
            from exercises import solvers

            try:
                fam = self.family(c)
                if self.pooled(c):  # judged where it is asked, as the tests do: the worse of its two mixes
                    mix, m = max(solvers.measure_pooled(c.family, c.form, STRANGER_SEEDS, SHARE_SEEDS),
                                 key=lambda j: (len(j[1].failures()), j[1].worst()[1]))
                    self.strangers[c.group], self.mixes[c.group] = m, mix
                    return m
                drawn = [fam.variant(seed=s, form=c.form) for s in range(max(SHARE_SEEDS, STRANGER_SEEDS))]
                self.strangers[c.group] = solvers.measure(drawn, STRANGER_SEEDS)
            except Exception as e:  # noqa: BLE001 - a broken family is reported, not raised
                self.strangers[c.group] = f"drawing its seeds failed: {type(e).__name__}"
        return self.strangers[c.group]

    def pooled(self, c: Card) -> bool:
        """The family asks this form only inside the mixed pool (``Family.pooled``): judged there."""
        try:
            return c.form in getattr(self.family(c), "pooled", ())
        except KeyError:
            return False

    def family(self, c: Card) -> Any:
        """What draws the card's variants: its exercise family, or — for a from-code card — the
        call in the code it came from, found again by the card's id. KeyError says why not."""
        key = c.source_id or c.family
        if key not in self.families:
            if c.source_id:
                from cardgen.fromcode.ids import CardIdError, call_family

                try:
                    self.families[key] = call_family(c.source_id)
                except CardIdError as e:
                    self.families[key] = KeyError(str(e))
            else:
                from exercises import get_family

                try:
                    self.families[key] = get_family(c.family)
                except KeyError:
                    self.families[key] = KeyError(f"{c.family!r} is not an exercise family of this cardgen")
        fam = self.families[key]
        if isinstance(fam, KeyError):
            raise fam
        return fam

    def variant(self, c: Card) -> tuple[Any, Result | None]:
        """The card's variant, with the prompt and code as the card shows them, or (None, the
        result every trap gets: not checkable when the family is out of reach, an error when
        re-deriving the card raised)."""
        v = c.variant
        if v is None:
            if c.seed is None:
                return None, _not_checkable("the card stores no seed")
            try:
                fam = self.family(c)
            except KeyError as e:
                return None, _not_checkable(e.args[0])
            if c.form not in fam.forms:
                return None, _not_checkable(f"{c.family} has no form {c.form!r} now")
            try:
                v = fam.variant(seed=c.seed, form=c.form)
            except Exception as e:  # a broken family is reported as an error of the card, not raised
                return None, _crashed(f"re-deriving the card raised {_exc(e)}")
            if " ".join(v.answer_text.split()) != " ".join(c.answer_text.split()):
                return None, _not_checkable("the family now gives another answer for this seed (rebuild the deck)")
        import dataclasses

        return dataclasses.replace(v, prompt=c.prompt, code=c.code), None

    def judge(self, c: Card) -> dict[str, Result]:
        from exercises import traps

        v, unjudged = self.variant(c)
        if v is None:
            return {p: unjudged for p in TRAP_PRINCIPLES}
        rules = {
            "not_transcribable": lambda: self._transcribable(c, v, traps),
            "no_mistake_scores": lambda: self._mistakes(v, traps),
            "states_precision": lambda: self._precision(v, traps),
            "varied_answer": lambda: self._share(c, traps),
            "no_answer_example": lambda: self._examples(v, traps),
        }
        out = {}
        for p, rule in rules.items():
            try:
                out[p] = rule()
            except Exception as e:  # the card's own checker raised: an error of this card, not of the review
                out[p] = _crashed(f"checking it raised {_exc(e)}")
        return out

    def _transcribable(self, c: Card, v: Any, traps: Any) -> Result:
        """A write card is a trap when lazy solvers answer its family's write variants more often
        than the tests allow, or when its stored text (a rewording) gives away what the family's
        own text does not."""
        if v.form not in traps.WRITE_FORMS:
            return Result(True, "not a write card")
        hits = [h for h in traps.lazy_write_solves(v) if h[0] not in ("format example", "type 0")]
        if c.group not in self.lazy:
            fam = self.family(c)
            try:
                solved = sum(bool(traps.lazy_write_solves(fam.variant(seed=s, form=c.form)))
                             for s in range(WRITE_SEEDS))
            except Exception as e:  # a seed that raises is reported as an error, not raised
                self.lazy[c.group] = None, f"drawing {WRITE_SEEDS} seeds raised {_exc(e)}"
            else:
                self.lazy[c.group] = solved / WRITE_SEEDS, ""
        share, failed = self.lazy[c.group]
        this = f"; this card too: {hits[0][0]} gives {hits[0][1]!r}" if hits else ""
        if share is None:
            return Result(False, f"answered from the card's own text{this}") if hits else _crashed(failed)
        limit = traps.MAX_LAZY_SHARE_FAMILY
        text = f"lazy solvers answer {share:.0%} of {WRITE_SEEDS} seeds of {c.group} (limit {limit:.0%}){this}"
        reworded = (c.prompt, c.code or None) != self._family_text(c)
        if hits and reworded:
            return Result(False, f"its stored text gives the answer away: {hits[0][0]} gives {hits[0][1]!r}")
        ok = share <= limit
        m = self.stranger(c) if not c.source_id else None
        if m is not None and not isinstance(m, str):
            from exercises import solvers

            name, rate = m.worst()
            inside = f" inside the mixed note {self.mixes[c.group]}" if c.group in self.mixes else ""
            text += (f"; a stranger's solvers{inside}: {name} answers {rate:.0%} of {m.seeds} seeds "
                     f"(limit {solvers.MAX_SOLVED:.0%})")
            ok = ok and rate <= solvers.MAX_SOLVED
            own = solvers.solves(v)
            enforced = [n for n in solvers.ENFORCED if n in own]
            if enforced and reworded:
                return Result(False, f"its stored text gives the answer away: {enforced[0]} gives {own[enforced[0]]!r}")
        if self.pooled(c):
            text = f"asked only inside the mixed pool, judged there: {text}"
        return Result(ok, text)

    def _family_text(self, c: Card) -> tuple[str, str | None]:
        v = c.variant or self.family(c).variant(seed=c.seed, form=c.form)
        return v.prompt, (v.code.strip("\n") if v.code else None)

    @staticmethod
    def _mistakes(v: Any, traps: Any) -> Result:
        tried = [(f"the mistake '{what}'", r) for what, r in v.mistakes] + [("the distractor", d) for d in v.distractors]
        hits = traps.solved_by(v, tried)
        if hits:
            what, resp = hits[0]
            return Result(False, f"{what} scores: {resp!r} is accepted")
        if v.form == "value" and not v.mistakes:
            return _not_checkable("the family lists no classic mistakes for this card")
        return Result(True, f"{len(tried)} listed mistake(s) and distractor(s), all rejected")

    @staticmethod
    def _precision(v: Any, traps: Any) -> Result:
        if v.form in traps.WRITE_FORMS:
            return Result(True, "not a value card")
        why = traps.missing_precision(v)
        return Result(False, why) if why else Result(True, "whole-number answer or precision stated")

    @staticmethod
    def _examples(v: Any, traps: Any) -> Result:
        hits = traps.solved_by(v, [a for a in traps.value_attempts(v) if a[0] == "format example"])
        if hits:
            return Result(False, f"the format example {hits[0][1]!r} is a right answer")
        return Result(True, "no format example is a right answer")

    def _share(self, c: Card, traps: Any) -> Result:
        if c.source_id and c.form in ("write", "read"):
            # not a trap by design: the card asks for its code's own pattern
            return Result(True, "a from-code card asks about the pattern in the code, the same every time")
        if c.group not in self.shares and self.pooled(c):  # the structures that count are the mixed note's
            from exercises import solvers

            m = self.stranger(c)
            if isinstance(m, str):
                self.shares[c.group] = _crashed(m)
            else:
                limit = solvers.MAX_MIX_STRUCTURE_SHARE
                self.shares[c.group] = Result(m.top_share <= limit, (
                    f"asked only inside the mixed pool, judged there: the most frequent answer structure of "
                    f"{self.mixes[c.group]} comes up in {m.top_share:.0%} of its {SHARE_SEEDS} variants (limit "
                    f"{limit:.0%}), {m.structures} structures"))
        if c.group not in self.shares:
            fam = self.family(c)
            try:
                answers = [traps.canonical_answer(fam.variant(seed=s, form=c.form)) for s in range(SHARE_SEEDS)]
            except Exception as e:  # a seed that raises is reported as an error, not raised
                self.shares[c.group] = _crashed(f"drawing {SHARE_SEEDS} seeds raised {_exc(e)}")
                return self.shares[c.group]
            top, share, limit = traps.answer_share(answers)
            ok = share <= limit
            why = (f"the most common answer{'' if ok else f' {top!r}'} (names renamed, numbers at the stated "
                   f"precision) comes up in {share:.0%} of {SHARE_SEEDS} seeds (limit {limit:.0%})")
            m = self.stranger(c) if c.form in traps.WRITE_FORMS and not c.source_id else None
            if m is not None and not isinstance(m, str):  # write forms: their answer structures (issue 18)
                from exercises import solvers

                few = m.structures < solvers.MIN_STRUCTURES or m.top_share > solvers.MAX_STRUCTURE_SHARE
                why += (f"; {m.structures} answer structures, the most frequent{f' {m.top!r}' if few else ''} "
                        f"{m.top_share:.0%} (limits: at least {solvers.MIN_STRUCTURES}, at most "
                        f"{solvers.MAX_STRUCTURE_SHARE:.0%})")
                ok = ok and not few
            self.shares[c.group] = Result(ok, why)
        return self.shares[c.group]


# ----------------------------------------------------------------------------- the LLM's judgement

REVIEW_SYSTEM = """You review flashcards for learning tensor programming (einsum, einops) and Toy \
Models of Superposition against the principles of good retrieval-practice prompts. The answers \
were computed by running code and are correct; judge only the card as a prompt.
Principles:
- focused: asks exactly one thing.
- precise: states everything needed (shapes, sizes, values); no ambiguity about what is asked.
- tractable: a learner who knows the material can answer it reliably in under a minute or two.
- effortful: the answer must be produced or recalled; it cannot be read off the prompt.
- one_answer: one short, unambiguous answer.
- no_yes_no: not answerable by yes/no or true/false.
Reply with a JSON object: {"principles": {"<principle>": {"meets": true|false, "why": "<under 20 words>"}, ...}} \
with all six principles."""

_VERDICT = {"type": "object", "properties": {"meets": {"type": "boolean"}, "why": {"type": "string", "maxLength": 400}},
            "required": ["meets", "why"]}
REVIEW_SCHEMA = {
    "type": "object",
    "properties": {"principles": {"type": "object", "properties": {p: _VERDICT for p in LLM_PRINCIPLES},
                                  "required": list(LLM_PRINCIPLES)}},
    "required": ["principles"],
}


def llm_judge(assistant: Any, card: Card) -> dict[str, dict] | None:
    """The LLM's ``principle → {meets, why}`` for one card, or None (no reply, or no verdict
    whose reason passes :func:`~cardgen.llm.validate.review_why_problems`).

    A verdict with an invalid reason is dropped whole (a yes/no without a reason the author
    can check is noise); the reasons' problems go to ``assistant.rejections``."""
    user = {"form": card.form, "prompt": card.prompt, "code": card.code,
            "image": "a figure is shown with the prompt" if card.image else None, "answer": card.answer_text}
    data = assistant.ask("review", [{"role": "system", "content": REVIEW_SYSTEM},
                                    {"role": "user", "content": json.dumps(user, ensure_ascii=False)}], REVIEW_SCHEMA)
    if data is None:
        return None
    given = "\n".join([card.form or "", card.prompt, card.code or "", card.answer_text or "", *LLM_PRINCIPLES,
                       REVIEW_SYSTEM])
    kept, problems = {}, []
    for p, v in data["principles"].items():
        if p not in LLM_PRINCIPLES:
            continue
        why = " ".join(str(v["why"]).split())
        if bad := review_why_problems(why, given):
            problems += [f"{x} ({p})" for x in bad]
            assistant.stats["review_why_rejected"] += 1
        else:
            kept[p] = {"meets": bool(v["meets"]), "why": why}
    assistant.last_text = json.dumps(data["principles"], ensure_ascii=False)
    if problems:
        assistant.rejections.append((card.key, "review", problems))
    if not kept:
        assistant.stats["review_rejected"] += 1
        return None
    assistant.stats["review_accepted"] += 1
    return kept


# ----------------------------------------------------------------------------- sources of cards


class SourceError(Exception):
    """The DECK_OR_TOPIC argument names nothing reviewable (message says why)."""


def cards_from_families(target: str, seed: int = 0, variants: int = 3, form: str | None = None,
                        errors: list[str] | None = None) -> list[Card]:
    """``variants`` cards per (family, form) from seed ``seed`` on; ``target`` is a topic,
    ``all`` or a family-id prefix. A family that fails to generate is listed in ``errors``."""
    from exercises import TOPICS, all_families

    if target == "all":
        fams = all_families()
    elif target in TOPICS:
        fams = all_families(target)
    else:
        fams = [f for f in all_families() if f.id == target or f.id.startswith(target)]
        if not fams:
            ids = [f.id for f in all_families()]
            close = difflib.get_close_matches(target, ids, n=3, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise SourceError(f"{target!r} is not a topic ({', '.join(TOPICS)}, all), a family-id prefix, "
                              f"or an .apkg file.{hint}")
    cards = []
    for fam in fams:
        forms = [f for f in fam.forms if form is None or f == form]
        for fm in forms:
            for s in range(seed, seed + variants):
                try:
                    v = fam.variant(seed=s, form=fm)
                except Exception as e:  # a broken family is reported, the rest reviewed
                    if errors is not None:
                        errors.append(f"{fam.id}/{fm}/{s}: {type(e).__name__}: {' '.join(str(e).split())[:200]}")
                    break
                cards.append(Card.from_variant(v))
    if form is not None and not cards and not errors:
        raise SourceError(f"no family of {target!r} has the form {form!r}")
    return cards


class _CardHtml(HTMLParser):
    """Prompt text and code back out of a card's question HTML (deck/render.py's layout)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.prompt: list[str] = []
        self.code: list[str] = []
        self._stack: list[str | None] = []  # the section each open element belongs to
        self._in_code_tag = False

    def _section(self) -> str | None:
        for s in reversed(self._stack):
            if s:
                return s
        return None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        section = "prompt" if "cg-prompt" in cls.split() else "code" if "cg-code" in cls.split() else None
        if tag in ("br",):
            if self._section() == "prompt":
                self.prompt.append("\n")
            return
        if tag == "img":
            return
        self._stack.append(section)
        if tag == "code" and self._section() == "prompt":
            self.prompt.append("`")

    def handle_endtag(self, tag):
        if tag in ("br", "img"):
            return
        if tag == "code" and self._section() == "prompt":
            self.prompt.append("`")
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        section = self._section()
        if section == "prompt":
            self.prompt.append(data)
        elif section == "code":
            self.code.append(data)


def parse_question_html(q: str) -> tuple[str, str | None]:
    p = _CardHtml()
    p.feed(q)
    p.close()
    code = "".join(p.code).strip("\n")
    return "".join(p.prompt).strip(), code or None


def _collection_bytes(zf: zipfile.ZipFile, path: Path) -> bytes:
    names = set(zf.namelist())
    for name in ("collection.anki21", "collection.anki2"):
        if name in names:
            return zf.read(name)
    if "collection.anki21b" in names:
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            raise SourceError(f"{path} uses Anki's compressed collection format (collection.anki21b); "
                              "export it with 'Support older Anki versions' ticked, or review the topic "
                              "instead") from None
        return zstandard.ZstdDecompressor().decompress(zf.read("collection.anki21b"), max_output_size=1 << 31)
    raise SourceError(f"{path} has no Anki collection inside (not an .apkg built by cardgen?)")


def _variants_field_index(db: sqlite3.Connection) -> dict[int, int]:
    """note-type id → index of its 'Variants' field, for the old and the new schema."""
    out: dict[int, int] = {}
    tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    if "fields" in tables and "notetypes" in tables:
        for ntid, ord_ in db.execute("select ntid, ord from fields where name = 'Variants'"):
            out[int(ntid)] = int(ord_)
    if not out:
        row = db.execute("select models from col").fetchone()
        models = json.loads(row[0]) if row and row[0] else {}
        for mid, model in models.items():
            for f in model.get("flds", []):
                if f.get("name") == "Variants":
                    out[int(mid)] = int(f.get("ord", model["flds"].index(f)))
    return out


def _parse_variants_field(text: str) -> list[dict]:
    for candidate in (text, html.unescape(text)):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, list):
            return [d for d in data if isinstance(d, dict)]
    raise ValueError("the Variants field is not a JSON list")


def cards_from_apkg(path: Path, errors: list[str] | None = None) -> list[Card]:
    """Every variant of every cardgen note in the deck file, as it will be shown."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        raise SourceError(f"cannot open {path} as an .apkg (a zip file): {e}") from None
    with zf, tempfile.TemporaryDirectory(prefix="cardgen-review-") as tmp:
        db_path = Path(tmp) / "collection.sqlite"
        db_path.write_bytes(_collection_bytes(zf, path))
        db = sqlite3.connect(str(db_path))
        try:
            fields_at = _variants_field_index(db)
            rows = db.execute("select id, mid, flds from notes order by id").fetchall()
        except sqlite3.DatabaseError as e:
            raise SourceError(f"{path}: cannot read the collection: {e}") from None
        finally:
            db.close()
    if not fields_at:
        raise SourceError(f"{path} has no cardgen notes (no note type with a 'Variants' field)")
    cards: list[Card] = []
    for note_id, mid, flds in rows:
        if int(mid) not in fields_at:
            continue
        values = flds.split("\x1f")
        try:
            entries = _parse_variants_field(values[fields_at[int(mid)]])
        except (IndexError, ValueError) as e:
            if errors is not None:
                errors.append(f"note {note_id}: {e}")
            continue
        for i, entry in enumerate(entries):
            cards.append(_card_from_entry(entry, note_id, i))
    if not cards and not errors:
        raise SourceError(f"{path}: the cardgen notes carry no variants")
    return cards


def _card_from_entry(entry: dict, note_id: int, index: int) -> Card:
    key = str(entry.get("key") or f"note{note_id}/?/{index}")
    family, _, rest = key.partition("/")
    form, _, seed_text = rest.partition("/")
    prompt, code = parse_question_html(str(entry.get("q", "")))
    if not prompt and "prompt" in entry:  # a to_dict()-style entry
        prompt, code = str(entry["prompt"]), entry.get("code")
    seed = entry.get("seed")
    if not isinstance(seed, int):
        seed = int(seed_text) if seed_text.isdigit() else None
    found = _CARD_ID.search(html.unescape(str(entry.get("a", ""))))
    return Card(key=key, family=family, form=entry.get("form") or form or "?", prompt=prompt,
                answer_text=str(entry.get("answer_text", "")), code=code, image=entry.get("image"), seed=seed,
                source_id=found.group(1) if found else None)


#: The check command a from-code card's answer side shows, with the card's id.
_CARD_ID = re.compile(r"cardgen check (\S+#[0-9a-f]{10}\.[0-9a-f]{6})")


def load_cards(target: str, seed: int = 0, variants: int = 3, form: str | None = None,
               errors: list[str] | None = None) -> tuple[list[Card], str]:
    """Cards for DECK_OR_TOPIC and a description of where they came from."""
    path = Path(target).expanduser()
    if target.endswith(".apkg") or path.is_file():
        if not path.is_file():
            raise SourceError(f"no such deck file: {path}")
        cards = cards_from_apkg(path, errors)
        if form is not None:
            cards = [c for c in cards if c.form == form]
        return cards, f"deck {path}"
    cards = cards_from_families(target, seed, variants, form, errors)
    return cards, f"{target}, seeds {seed}..{seed + variants - 1}"


def summarize(reviews: Iterable[CardReview]) -> dict[str, dict[str, int]]:
    """principle -> counts; each result is counted once: it meets, breaks, could not be checked
    (out of reach), or its check raised (``errors``)."""
    out = {p: {"meets": 0, "breaks": 0, "not_checkable": 0, "errors": 0} for p in PRINCIPLES}
    for r in reviews:
        for p, res in r.results.items():
            out[p][res.status] += 1
    return out
