"""Deterministic guards on LLM text: what a rewording must keep, and what no text may leak.

The LLM only rewrites words; execution decides what is correct. So a reworded prompt is
accepted only when every *fact* of the template survives unchanged and nothing is added:

* numbers — the rewording has exactly the template's numbers, as many times each: none
  dropped, changed, repeated or added (``3x4`` and ``3 by 4`` count as 3 and 4; ``0.50``
  equals ``0.5``; the ordinal ``2nd`` counts as 2);
* shapes — every shape such as ``(3, 4)``, ``[b, h]``, ``(5,)``, ``(batch=4, seq=3)``,
  ``(b, c·3·3)``, ``3x4`` or ``3 by 4`` appears, normalized (so order matters), and no new shape appears;
* code — every `backticked` span and every ``\\( math \\)`` span is kept verbatim (up to
  spacing), and no new span is added;
* names — identifiers written in prose (``d_model``, ``W1``, ``torch.einsum``, single-letter
  names like ``x`` or ``i``) are all kept;
* choices — option lines such as ``B) the rows`` are kept verbatim, none added;
* one question — no more question marks than the template (outside code), and the same
  words for what is asked (:data:`OPERATION_WORDS`: shape, sum, mean, max, first, ...; one
  the card's code shows, ``context``, may be added);
* no answer — neither the answer text, an accepted alternative, nor a key token of them (a
  quoted pattern, an ``->`` expression, an option's text, an einsum answer's output letters as
  a word, the answer's numbers in their order however joined) appears unless the template
  already had it;
* sane size — not empty, balanced backticks, at most about twice the template's length.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Sequence

_CODE = re.compile(r"`([^`\n]+)`")
_MATH = re.compile(r"\\\((.+?)\\\)", re.S)
_BY = r"\s*(?:[x×]|-by-|\s+by\s+)\s*"
_TIMES = re.compile(r"(?<![\w.])(\d+(?:" + _BY + r"\d+)+)(?![\w.])")
_ITEM = r"[\w·×*=+\-]+"
_TUPLE = re.compile(r"[\(\[]\s*(" + _ITEM + r"(?:\s*,\s*" + _ITEM + r")*)\s*(,?)\s*[\)\]]")
#: A number; an ordinal suffix is read through (``40th`` is 40: SmolLM2 invented "the 40th row").
_NUMBER = re.compile(r"(?<![\w.)\]])[-−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:st|nd|rd|th)?(?![\w])"
                     r"|(?<![\w.])\.\d+(?![\w])")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)$")
_OPTION = re.compile(r"^\s*([A-H])\)\s+(.+?)\s*$", re.M)
_CODE_WORD = re.compile(
    r"(?<![\w.])(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z]\w*_\w*|_\w+|[A-Za-z]+\d\w*)(?![\w])"
)
_SINGLE = re.compile(r"(?<![\w.'’\-])([A-Za-z])(?![\w'’\-])")
_ABBREV = {"e.g", "i.e", "etc", "vs", "cf"}
#: Words that say which quantity is asked: a rewording that adds or drops one asks another thing
#: ("What is `out[0, 1]`?" → "What is the sum of `out[0, 1]`?") although every fact survives.
OPERATION_WORDS = frozenset({
    "shape", "dtype", "sum", "sums", "summed", "mean", "average", "max", "maximum", "min", "minimum",
    "product", "norm", "transpose", "transposed", "trace", "diagonal", "total", "count", "largest",
    "smallest", "absolute", "square", "squared", "sqrt", "log", "exp", "softmax", "relu", "argmax",
    "argmin", "variance", "median", "cumulative", "sorted", "inverse", "determinant", "rank", "first",
    "last", "negative", "positive", "gradient",
})
_NOT_NAMES = {"a", "A", "I"}


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _norm(s: str) -> str:
    """Lower-case, no whitespace, no quotes or backticks: the form leaks are searched in."""
    return re.sub(r"[\s'\"`]", "", s).lower().replace("−", "-")


def code_spans(text: str) -> list[str]:
    """Backticked spans and ``\\( \\)`` math spans, whitespace-squashed."""
    return [_squash(m) for m in _CODE.findall(text)] + ["\\(" + _squash(m) + "\\)" for m in _MATH.findall(text)]


def _prose(text: str) -> str:
    """The text with code and math spans blanked out."""
    return _MATH.sub(" ", _CODE.sub(" ", text))


def shapes(text: str) -> list[str]:
    """Shapes written as tuples/lists of sizes or names, or as ``3x4``; normalized ``(3,4)``."""
    found = []
    for m in _TIMES.finditer(text):
        found.append("(" + ",".join(re.split(_BY, m.group(1))) + ")")
    for m in _TUPLE.finditer(text):
        items = [i.strip() for i in m.group(1).split(",")]
        if len(items) >= 2 or (m.group(2) and re.fullmatch(r"\d+", items[0])):
            found.append("(" + ",".join(items) + ("," if len(items) == 1 else "") + ")")
    return found


def _canon_number(tok: str) -> str:
    tok = _ORDINAL.sub("", tok.replace("−", "-"))
    try:
        x = float(tok)
    except ValueError:
        return tok
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def numbers(text: str) -> list[str]:
    """Every number in the text, canonical (``0.50`` → ``0.5``, ``25th`` → ``25``), ``3x4`` read as 3 and 4."""
    text = _TIMES.sub(lambda m: " , ".join(re.split(_BY, m.group(1))), text)
    return [_canon_number(t) for t in _NUMBER.findall(text)]


def names(text: str) -> set[str]:
    """Identifiers in prose: snake_case, dotted names, letters+digits, single-letter names."""
    prose = re.sub(r"\b(?:e\.g|i\.e|cf|vs)\.", " ", _prose(text), flags=re.I)
    prose = re.sub(r"^\s*[A-H]\)", " ", prose, flags=re.M)  # option labels are not names
    found = {w for w in _CODE_WORD.findall(prose) if w.lower() not in _ABBREV}
    found |= {w for w in _SINGLE.findall(_TIMES.sub(" ", prose)) if w not in _NOT_NAMES}
    return found


def options(text: str) -> list[str]:
    """Multiple-choice option lines (``B) text``), whitespace-squashed."""
    return [f"{k}){_squash(v)}" for k, v in _OPTION.findall(text)]


def answer_keys(answers: Iterable[Any]) -> set[str]:
    """Normalized strings that would give an answer away: each answer text, any quoted
    pattern or ``->`` expression inside it, and a choice's option text. Keys shorter than
    3 characters are left to the number and shape rules."""
    keys: set[str] = set()
    for a in answers:
        if a is None or isinstance(a, bool):
            continue
        text = a if isinstance(a, str) else str(a)
        parts = [text]
        for pair in re.findall(r"'([^']+)'|\"([^\"]+)\"", text):  # quoted patterns
            parts += [x for x in pair if x]
        parts += re.findall(r"[\w\s.,()…]*->[\w\s.,()…]*", text)
        opt = re.match(r"^\s*[A-H]\)\s*(.+)$", text)
        if opt:
            parts.append(opt.group(1))
        for p in parts:
            n = _norm(p)
            if len(n) >= 3:
                keys.add(n)
    return keys


def answers_of(variant: Any) -> list[Any]:
    """The texts a rewording or a hint must not give away."""
    out: list[Any] = [getattr(variant, "answer_text", None), *getattr(variant, "alternatives", ())]
    ans = getattr(variant, "answer", None)
    if isinstance(ans, str):
        out.append(ans)
    return out


def leaks(text: str, answers: Iterable[Any], allowed_in: str = "") -> list[str]:
    """The answer keys that appear in ``text`` but not already in ``allowed_in``."""
    n, base = _norm(text), _norm(allowed_in)
    return sorted(k for k in answer_keys(answers) if k in n and k not in base)


def output_letters(answers: Iterable[Any]) -> set[str]:
    """The output side of einsum-like answers (``ij,jk->ik`` gives ``ik``): written as a word
    of its own they give the answer away although they are too short for :func:`answer_keys`."""
    out: set[str] = set()
    for a in answers:
        if isinstance(a, str):
            out |= set(re.findall(r"->\s*([A-Za-z]{2,})(?![\w(])", a))
    return out


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text) is not None


def _run_in(run: list[str], seq: list[str]) -> bool:
    k = len(run)
    return any(seq[i : i + k] == run for i in range(len(seq) - k + 1))


def token_leaks(text: str, answers: Iterable[Any], allowed_in: str = "") -> list[str]:
    """What gives the answer away as tokens rather than as a substring: the output letters of
    an einsum answer as a word, or the answer's numbers (two or more) in their order, however
    they are joined (``7, 8 and 6`` for ``(7, 8, 6)``) — unless ``allowed_in`` already has them."""
    answers = [a for a in answers if a is not None and not isinstance(a, bool)]
    found = [f"->{w}" for w in sorted(output_letters(answers)) if _word_in(w, text) and not _word_in(w, allowed_in)]
    seq, base = numbers(text), numbers(allowed_in)
    for a in answers:
        run = numbers(str(a))
        if len(run) >= 2 and _run_in(run, seq) and not _run_in(run, base):
            found.append(", ".join(run))
            break
    return found


def _missing(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """Items of ``old`` that ``new`` lacks, counting repeats (``3`` twice needs ``3`` twice)."""
    return sorted((Counter(old) - Counter(new)).elements())


def reword_problems(original: str, candidate: str, answers: Iterable[Any] = (), context: str | None = None) -> list[str]:
    """Why ``candidate`` may not replace ``original`` (empty list: accepted). See module doc."""
    cand = (candidate or "").strip()
    if not cand:
        return ["the rewording is empty"]
    problems: list[str] = []
    if cand.count("`") % 2:
        problems.append("unbalanced backticks")
    limit = max(2 * len(original), len(original) + 160)
    if len(cand) > limit:
        problems.append(f"too long ({len(cand)} characters; the template has {len(original)})")
    if m := _missing(numbers(original), numbers(cand)):
        problems.append(f"drops or changes number(s) {', '.join(m)}")
    if m := _missing(numbers(cand), numbers(original)):
        problems.append(f"adds number(s) {', '.join(m)}")
    if m := _missing(shapes(original), shapes(cand)):
        problems.append(f"drops or changes shape(s) {', '.join(m)}")
    if m := _missing(shapes(cand), shapes(original)):
        problems.append(f"adds shape(s) {', '.join(m)}")
    if m := _missing(code_spans(original), code_spans(cand)):
        problems.append("drops or changes code " + ", ".join(f"`{s}`" for s in m))
    if m := _missing(code_spans(cand), code_spans(original)):
        problems.append("adds code " + ", ".join(f"`{s}`" for s in m))
    if m := _missing(names(original), names(cand)):
        problems.append(f"drops name(s) {', '.join(m)}")
    if m := _missing(options(original), options(cand)):
        problems.append(f"changes option(s) {', '.join(m)}")
    if m := _missing(options(cand), options(original)):
        problems.append(f"adds option(s) {', '.join(m)}")
    ops_old = set(re.findall(r"[a-z]+", original.lower())) & OPERATION_WORDS
    ops_new = set(re.findall(r"[a-z]+", cand.lower())) & OPERATION_WORDS
    if m := sorted(ops_old - ops_new):
        problems.append(f"changes the question (drops {', '.join(m)})")
    if m := sorted(ops_new - ops_old - set(re.findall(r"[a-z]+", (context or "").lower()))):
        problems.append(f"changes the question (adds {', '.join(m)})")
    q_old, q_new = _prose(original).count("?"), _prose(cand).count("?")
    if q_new > max(q_old, 1):
        problems.append(f"asks {q_new} questions")
    answers = list(answers)
    if m := leaks(cand, answers, allowed_in=original) or token_leaks(cand, answers, allowed_in=original):
        problems.append(f"states the answer ({', '.join(m)})")
    return problems


def hint_problems(hint: str, variant: Any, response: str = "", expected: str = "") -> list[str]:
    """Why ``hint`` may not be shown after a wrong answer (empty list: fine).

    A hint is one guiding question under 300 characters that reveals neither the answer,
    an alternative spelling, the reference expression, nor a number of the answer that the
    prompt, code and learner's response do not already show.
    """
    h = (hint or "").strip()
    if not h:
        return ["the hint is empty"]
    problems = []
    if "?" not in _prose(h):
        problems.append("not a question")
    if len(h) > 300:
        problems.append(f"too long ({len(h)} characters)")
    if "```" in h:
        problems.append("contains a code block")
    given = " ".join(x for x in (getattr(variant, "prompt", ""), getattr(variant, "code", "") or "", response) if x)
    if m := leaks(h, [*answers_of(variant), expected or None]) or token_leaks(h, [*answers_of(variant), expected or None],
                                                                             allowed_in=given):
        problems.append(f"reveals the answer ({', '.join(m)})")
    answer_nums = set(numbers(" ".join(str(a) for a in answers_of(variant) if a is not None)))
    if m := sorted((set(numbers(h)) & answer_nums) - set(numbers(given))):
        problems.append(f"reveals answer number(s) {', '.join(m)}")
    return problems


_STATEMENT = re.compile(
    r"^\s*(?:def\s+\w+\s*\(|return\b|import\s+\w|from\s+[\w.]+\s+import\b|class\s+\w+|for\s+\w+(?:\s*,\s*\w+)*\s+in\s+.+:"
    r"|[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*[+\-*/@]?=\s*(?!=)\S)", re.M)
_INLINE_RETURN = re.compile(r"(?<![\w.])return\s+[\w.]+\s*[(\[@*+\-/]")
#: HTML tags: SmolLM2-135M "explained" a report as ``<pre><h1>batched_matmul: Test Failure</h1></p>``.
_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_PATTERN_CALL = re.compile(r"`[^`]*\w\s*\([^`]*->[^`]*\)[^`]*`")


def explain_problems(text: str, function: str = "", report: str | None = None) -> list[str]:
    """Why an explanation of a grader report may not be shown (empty list: fine).

    It explains in words; it may name a function or an axis, but it may not write code that
    could be pasted as the fix: a code block, a statement on a line of its own (``def``,
    ``return``, ``import``, ``for … in …:``, an assignment), an inline ``return expr(…)``, or a
    call with an einsum/einops pattern such as `torch.einsum('ij,jk->ik', a, b)`. And it is
    prose: no HTML markup, and at least a sentence's worth (8) of words.

    Given the ``report``, it adds no fact: every number, code span and identifier it writes
    is in the report (or is the function's name), and so is every other content word, but for
    :data:`EXPLAIN_WORDS` (see :func:`ungrounded`). SmolLM2-135M, asked to explain real reports,
    wrote "the 3.4167e-25th error", "the first 40 rows", "a bug in the `torch.sigmoid`
    activation", "numpy contains tuples ... flattened to integer values" — all invented.
    """
    t = (text or "").strip()
    if not t:
        return ["the explanation is empty"]
    problems = []
    if "```" in t:
        problems.append("writes a code block")
    if function and re.search(rf"\bdef\s+{re.escape(function)}\s*\(", t):
        problems.append(f"writes {function}()")
    if _STATEMENT.search(t) or _INLINE_RETURN.search(t):
        problems.append("writes a line of code")
    if _PATTERN_CALL.search(t):
        problems.append("writes a call with a pattern")
    if len(t) > 1500:
        problems.append(f"too long ({len(t)} characters)")
    if _MARKUP.search(t):
        problems.append("writes markup, not prose")
    if len(re.findall(r"[A-Za-z]{2,}", _MARKUP.sub(" ", _CODE.sub(" ", t)))) < 8:
        problems.append("too short to explain anything")
    if report is not None:
        given = f"{report}\n{function}"
        problems += _new_facts(t, given, "the report")
        if m := ungrounded(t, given, EXPLAIN_WORDS):
            problems.append(f"uses words the report does not: {', '.join(m[:6])}")
    return problems


def _new_facts(text: str, given: str, source: str) -> list[str]:
    """The numbers, code spans and identifiers of ``text`` that ``given`` does not hold."""
    problems = []
    if m := sorted(set(numbers(text)) - set(numbers(given))):
        problems.append(f"states number(s) {source} does not show: {', '.join(m[:5])}")
    given_sq = _squash(given)
    new = [c for c in code_spans(text) if c not in given_sq]
    new += sorted(w for w in names(text) if len(w) > 1 and w not in given)
    if new:
        problems.append(f"names code {source} does not show: {', '.join(new[:5])}")
    return problems


def review_why_problems(why: str, card_text: str) -> list[str]:
    """Why the LLM's reason for a verdict on a card may not be shown to the card's author.

    As for an explanation: prose (no markup, no code, at least 3 words) that states no fact the
    card does not hold — every number, code span, identifier and content word is in ``card_text``
    (the card's prompt, code and answer, the principles and their definitions) or in
    :data:`REVIEW_WORDS`; and it is not six or more words copied from the card. SmolLM2-135M gave
    "2018-04-30 2:19.57", "This is a very difficult challenge.", "<brief description of reason
    why ..." and the card's own first sentence as reasons for verdicts.
    """
    t = (why or "").strip()
    if not t:
        return ["the reason is empty"]
    problems = []
    if "```" in t or _STATEMENT.search(t) or _INLINE_RETURN.search(t):
        problems.append("writes code")
    if _MARKUP.search(t):
        problems.append("writes markup, not prose")
    if len(re.findall(r"[A-Za-z]{2,}", _MARKUP.sub(" ", _CODE.sub(" ", t)))) < 3:
        problems.append("too short to give a reason")
    words = re.findall(r"[a-z0-9]+", _prose(t).lower())
    card_words = " " + " ".join(re.findall(r"[a-z0-9]+", _prose(card_text).lower())) + " "
    if any(f" {' '.join(words[i:i + 6])} " in card_words for i in range(len(words) - 5)):
        problems.append("copies the card instead of giving a reason")
    problems += _new_facts(t, card_text, "the card")
    if m := ungrounded(t, card_text, REVIEW_WORDS):
        problems.append(f"uses words the card does not: {', '.join(m[:6])}")
    return problems


# ----------------------------------------------------------------------------- grounding
# SmolLM2-135M's explanations and review reasons, after every rule above, still invented in plain
# words: "you added a layer of ReLU activation ... remove this layer" (the report asked "Did you
# forget the ReLU?"), "numpy contains tuples ... flattened to integer values", "the score
# distribution has changed", "a task that requires our support and assistance". No token rule sees
# those, so such a text may only use words of what it explains (the report, or the card), of its
# own instructions, and a fixed list of words that point and compare but state no fact.

_STOPWORDS = frozenset("""
a an the and or but if then else so as at by for from in into of off on onto out over to up with without within
this that these those there here it its is are was were be been being am do does did done doing has have had having
can could should would will shall may might must not no nor only also too very just than such each every all any
both either neither some more most less least much many few one two own same other another which who whom whose
what when where why how while because since until unless though although whether i me my we us our you your yours
he him his she her they them their let yes ll re ve don doesn isn aren wasn weren can't won shouldn
""".split())
#: Words an explanation may use although its report does not: they point and compare.
EXPLAIN_WORDS = frozenset("""
function functions return returns returned result results output outputs input inputs value values case cases
test tests expected expect got give gives given shape shapes axis axes wrong right correct correctly incorrect
instead mistake mistakes error errors check look compare compared differ differs different difference reference
entry entries index indices row rows column columns element elements tensor tensors code line lines learner report
reports show shows shown fail fails failing failed pass passes part parts order first second last step steps size
sizes number numbers match matches mismatch mean means whole same see note notice find make makes write written
compute computes computed ask asks says forgot forget pattern letters divide divided division reduce reduces
explain plain words running against auto grader sentences say corrected solution
""".split())
#: Words a review's reason may use although the card and the principles do not.
REVIEW_WORDS = frozenset("""
card cards prompt prompts question questions ask asks asked answer answers answered learner learners clear clearly
unclear ambiguous ambiguity short long single thing things recall recalled produce produced read stated states
state needed need needs missing given gives shape shapes size sizes value values code shown shows show principle
principles meets meet met exactly reliably minute minutes unambiguous work out apply applying pattern knows
""".split())


def _stem(w: str) -> str:
    for suf in ("ing", "ed", "es", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    return w[:-1] if len(w) > 3 and w[-1] == w[-2] else w  # summ(ed) → sum


def _word_parts(text: str) -> list[str]:
    return [p for w in re.findall(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", text) for p in re.split(r"['’-]", w.lower())]


def ungrounded(text: str, given: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The content words of ``text``'s prose (not code) that neither ``given`` (same stem, or
    the same first 5 letters) nor ``allowed`` holds."""
    have = {p for p in _word_parts(given) if len(p) >= 3 and p not in _STOPWORDS}
    stems, heads = {_stem(p) for p in have}, {p[:5] for p in have if len(p) >= 5}
    out = set()
    for p in _word_parts(_prose(text)):
        if len(p) < 3 or p in _STOPWORDS or p in allowed or p in have:
            continue
        if _stem(p) in stems or (len(p) >= 5 and p[:5] in heads):
            continue
        out.add(p)
    return sorted(out)
