"""cardgen's optional LLM against a real local model (``make llm-check``).

Every LLM feature is run over a fixed sample through the same calls the commands make:

* reword  — one variant (seed 0) of every family and form, as ``build-deck --llm`` rewords it;
* hint    — a Socratic hint after a real wrong answer (the variant's first classic mistake,
  judged wrong by its checker) for every family, each family in one of its forms in turn;
* explain — the grader's failure reports of real wrong solutions (tests/grade_cases/mixed_wrong.py
  and the wrong solutions below), as ``grade --explain`` explains them;
* review  — the LLM's judgement of cards (one per family, first form), as ``review-cards --llm``.

Per feature it reports requests, median and p95 latency per call, how many texts validation
accepted and rejected (and why), fallbacks to built-in text, and **invalid texts shown to a
learner**. "Invalid" is decided here by an audit written apart from cardgen.llm.validate (it imports
nothing from it): numbers, names, shapes, code, options and the question's operation words
compared token by token, and an answer leak found by *running the variant's checker* on every
fragment of the text that the template did not contain. A text the audit calls invalid that
validation let through is shown to a learner: the count must be 0.

With ``--check`` it also runs the robustness scenarios against the real server (a reply slower
than the timeout, a reply cut off at max_tokens, a model asked without JSON mode, the server
killed in the middle of a request) and the real commands end to end (``llm check``, ``llm reword``,
``review-cards --llm``, ``grade --explain``, ``drill`` with a wrong answer, with a live and with a
dead server): each must end in built-in text with at most a one-line note, no traceback, no
hang. Exit status 1 when any invalid text was shown or a scenario failed.

    python benchmarks/llm_real.py --server-python .venv-llm/bin/python --model M.gguf --check
    OPENAI_BASE_URL=http://localhost:11434/v1 CARDGEN_LLM_MODEL=llama3.2 python benchmarks/llm_real.py
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tools")]

# ----------------------------------------------------------------------------- the audit
# Written apart from cardgen.llm.validate on purpose: same goal, other means.

_OPS = {  # words that change what is computed or asked: adding or dropping one changes the question
    "shape", "sum", "sums", "summed", "mean", "average", "max", "maximum", "min", "minimum", "product",
    "norm", "dtype", "transpose", "transposed", "trace", "diagonal", "count", "total", "largest",
    "smallest", "absolute", "square", "squared", "sqrt", "log", "exp", "softmax", "relu", "gradient",
    "rank", "determinant", "inverse", "sorted", "negative", "positive", "first", "last", "argmax",
    "argmin", "variance", "median", "cumulative", "percent", "percentage", "fraction", "ratio",
}
_NOT_NAMES = {"a", "A", "I"}


def _sq(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _digits(text: str) -> Counter:
    return Counter(_num(t) for t in re.findall(r"\d+(?:\.\d+)?", text))


def _num(t: str) -> str:
    return str(float(t)) if "." in t else str(int(t))


def _ticks(text: str) -> Counter:
    return Counter(_sq(s) for s in re.findall(r"`([^`]*)`", text)) + \
        Counter("math:" + _sq(s) for s in re.findall(r"\\\((.*?)\\\)", text, re.S))


def _groups(text: str) -> Counter:
    """Bracketed groups that hold a digit or a comma, and ``3x4`` runs, as ``(3,4)``."""
    prose = re.sub(r"`[^`]*`", " ", text)
    out = Counter()
    for m in re.finditer(r"[\(\[]([^()\[\]]*)[\)\]]", prose):
        inner = _sq(m.group(1)).rstrip(",")
        if re.search(r"[\d,]", inner) and not re.fullmatch(r"[a-zA-Z]+", inner):
            out["(" + inner + ")"] += 1
    for m in re.finditer(r"\b\d+(?:\s*[x×]\s*\d+)+\b", prose):
        out["(" + ",".join(re.split(r"\s*[x×]\s*", m.group(0))) + ")"] += 1
    return out


def _name_tokens(text: str) -> set[str]:
    """Tokens that are names, not English: with a digit, underscore or inner dot, or one letter."""
    prose = re.sub(r"`[^`]*`|\\\(.*?\\\)", " ", text, flags=re.S)
    prose = re.sub(r"\b(?:e\.g|i\.e)\.", " ", prose)
    prose = re.sub(r"(?m)^\s*[A-H]\)", " ", prose)
    toks = set(re.findall(r"(?<![\w'’-])[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*(?![\w'’-])", prose))
    return {t for t in toks if (len(t) == 1 and t not in _NOT_NAMES) or re.search(r"[\d_.]", t)}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _fragments(text: str) -> list[str]:
    """Pieces of a text a learner could type as an answer."""
    frags = re.findall(r"`([^`]+)`", text)
    frags += [a or b for a, b in re.findall(r"'([^']+)'|\"([^\"]+)\"", text)]
    frags += re.findall(r"[\w.…]*(?:\s*,\s*[\w.…]+)*\s*->\s*[\w.…]*", text)
    depth, start = 0, None
    for i, ch in enumerate(text):  # balanced (...) and [...] groups, nested lists included
        if ch in "([":
            if depth == 0:
                start = i
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                frags.append(text[start : i + 1])
    frags += re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])", text)
    frags += re.findall(r"\b\d+(?:\s*[x×]\s*\d+)+\b", text)
    frags += re.findall(r"\b(?:option\s+)?([A-H])\b(?=\)|\.|,|$|\s)", text)
    return [f.strip() for f in frags if f and f.strip()]


def _accepted_by_checker(variant, fragment: str) -> bool:
    try:
        return bool(variant.check(fragment).correct)
    except Exception:  # a checker that raises on junk did not accept it
        return False


def audit_leak(variant, text: str, given: str) -> list[str]:
    """Fragments of ``text`` (not already in ``given``) that the variant's checker accepts,
    or the answer text itself; for an einsum answer also its output letters."""
    problems = []
    given_sq = _sq(given).lower()
    for f in dict.fromkeys(_fragments(text)):
        if _sq(f).lower() in given_sq:
            continue
        if _accepted_by_checker(variant, f):
            problems.append(f"the checker accepts {f!r}")
    ans = _sq(str(variant.answer_text)).lower()
    if len(ans) >= 2 and ans in _sq(text).lower() and ans not in given_sq:
        problems.append(f"contains the answer {variant.answer_text!r}")
    m = re.search(r"->\s*([A-Za-z]{2,})\s*$", str(variant.answer_text))
    if m and re.search(rf"(?<![A-Za-z]){m.group(1)}(?![A-Za-z])", text) and not \
            re.search(rf"(?<![A-Za-z]){m.group(1)}(?![A-Za-z])", given):
        problems.append(f"names the output letters {m.group(1)!r}")
    nums = re.findall(r"-?\d+(?:\.\d+)?", str(variant.answer_text))
    if len(nums) >= 2:  # the answer's numbers in order, however they are joined
        seq = re.findall(r"-?\d+(?:\.\d+)?", text)
        k = len(nums)
        if any(seq[i : i + k] == nums for i in range(len(seq) - k + 1)) and \
                not any(re.findall(r"-?\d+(?:\.\d+)?", given)[i : i + k] == nums
                        for i in range(len(re.findall(r"-?\d+(?:\.\d+)?", given)) - k + 1)):
            problems.append(f"lists the answer's numbers {', '.join(nums)}")
    return problems


def audit_reword(variant, text: str) -> list[str]:
    """Why a rewording shown in place of ``variant.prompt`` would be invalid (empty: valid)."""
    t, c = variant.prompt, text
    code = variant.code or ""
    problems = []
    if _digits(t) != _digits(c):
        problems.append(f"numbers differ: {dict(_digits(t) - _digits(c))} dropped, {dict(_digits(c) - _digits(t))} added")
    if _ticks(t) != _ticks(c):
        problems.append(f"code spans differ: {sorted((_ticks(t) - _ticks(c)).elements())} dropped, "
                        f"{sorted((_ticks(c) - _ticks(t)).elements())} added")
    if _groups(t) != _groups(c):
        problems.append(f"shapes differ: {sorted((_groups(t) - _groups(c)).elements())} dropped, "
                        f"{sorted((_groups(c) - _groups(t)).elements())} added")
    names_t, names_c = _name_tokens(t), _name_tokens(c)
    if names_t - names_c:
        problems.append(f"names dropped: {sorted(names_t - names_c)}")
    if names_c - names_t - _name_tokens(code) - set(re.findall(r"\w+", t + " " + code)):
        problems.append(f"names added: {sorted(names_c - names_t)}")
    opts_t = re.findall(r"(?m)^\s*[A-H]\).*$", t)
    if [_sq(o) for o in opts_t] != [_sq(o) for o in re.findall(r"(?m)^\s*[A-H]\).*$", c)]:
        problems.append("options differ")
    ops_t, ops_c = _words(t) & _OPS, _words(c) & _OPS
    if ops_t - ops_c:
        problems.append(f"question changed: drops {sorted(ops_t - ops_c)}")
    if ops_c - ops_t - _words(code):
        problems.append(f"question changed: adds {sorted(ops_c - ops_t - _words(code))}")
    q_t, q_c = re.sub(r"`[^`]*`", "", t).count("?"), re.sub(r"`[^`]*`", "", c).count("?")
    if q_c > max(q_t, 1):
        problems.append(f"asks {q_c} questions")
    problems += audit_leak(variant, c, t + "\n" + code)
    return problems


def audit_hint(variant, response: str, text: str) -> list[str]:
    """Why a hint shown after ``response`` would be invalid: it gives the answer away."""
    return audit_leak(variant, text, "\n".join([variant.prompt, variant.code or "", response]))


_CODE_LINE = re.compile(r"(?m)^\s*(?:def |return\b|import |from \w+ import|for .* in .*:|\w+(?:\[.*\])?\s*=\s*\S.*\()")


#: Plain words the audit does not count as new content (its own short list, apart from validation's).
_PLAIN = frozenset("""
your function returns return result output expected value values look case cases shape check instead wrong should
which where that this with from have then does what there their they them when only also into than these those both
each every other more most some same about after before over under because while would could make made here just
will were been being axis axes entry entries index tensor report shows show learner input inputs first part order
""".split())


def _new_words(text: str, source: str) -> list[str]:
    """Words of 4+ letters in ``text`` (outside backticks) whose first 4 letters start no word of
    ``source`` and that are not plain words: the vocabulary of an invented claim."""
    have = {w[:4] for w in re.findall(r"[a-z]{4,}", source.lower())}
    return sorted({w for w in re.findall(r"[a-z]{4,}", re.sub(r"`[^`]*`", " ", text).lower())
                   if w[:4] not in have and w not in _PLAIN})


def audit_explain(text: str, report: str = "", function: str = "") -> list[str]:
    """Why an explanation of a grader report would be invalid: it writes code (a solution),
    is not prose, or states a fact the report does not hold (a number, code or a dotted or
    snake_case name that appears nowhere in the report)."""
    problems = []
    if report:
        have = _digits(report + " " + function)
        extra = [n for n in _digits(text) if n not in have]
        if extra:
            problems.append(f"invents number(s) {sorted(extra)[:5]}")
        flat = _sq(report + " " + function)
        extra = [t for t in re.findall(r"`([^`]+)`", text) if _sq(t) not in flat]
        extra += [t for t in re.findall(r"\b[A-Za-z_]\w*(?:\.\w+)+\b|\b[A-Za-z]\w*_\w+\b", re.sub(r"`[^`]*`", " ", text))
                  if t not in report + " " + function]
        if extra:
            problems.append(f"invents code {extra[:5]}")
        if len(extra := _new_words(text, report + " " + function)) >= 3:  # laxer than validation's 0
            problems.append(f"talks of what the report does not: {extra[:6]}")
    if "```" in text:
        problems.append("a code block")
    if _CODE_LINE.search(text) or re.search(r"\breturn\s+\S+\(", text):
        problems.append("a line of code")
    if re.search(r"<\s*/?\s*(?:p|pre|h\d|div|span|br|code|b|i|ul|li|html|body)\b[^>]*>", text, re.I):
        problems.append("HTML, not an explanation")
    if len(re.sub(r"`[^`]*`", " ", text).split()) < 8:
        problems.append("fewer than 8 words: explains nothing")
    return problems


def audit_review(judged: dict, card) -> list[str]:
    """Why a judgement's reasons, shown to the card's author, would be invalid: a reason that is
    not a few words of prose or that states a number or code name the card does not hold."""
    from cardgen.llm.review import LLM_PRINCIPLES

    have_text = " ".join([card.form or "", card.prompt, card.code or "", card.answer_text or "", *LLM_PRINCIPLES])
    have = _digits(have_text)
    problems = []
    for p, v in (judged or {}).items():
        why = str(v.get("why", ""))
        bits = []
        if len(re.findall(r"[A-Za-z]{2,}", re.sub(r"`[^`]*`", " ", why))) < 3:
            bits.append("fewer than 3 words")
        if extra := [n for n in _digits(why) if n not in have]:
            bits.append(f"invents number(s) {sorted(extra)[:5]}")
        extra = [t for t in re.findall(r"`([^`]+)`", why) if _sq(t) not in _sq(have_text)]
        extra += [t for t in re.findall(r"\b[A-Za-z_]\w*(?:\.\w+)+\b|\b[A-Za-z]\w*_\w+\b", re.sub(r"`[^`]*`", " ", why))
                  if t not in have_text]
        if extra:
            bits.append(f"invents code {extra[:5]}")
        from cardgen.llm.review import REVIEW_SYSTEM

        if len(extra := _new_words(why, have_text + " " + REVIEW_SYSTEM)) >= 3:
            bits.append(f"talks of what the card does not: {extra[:6]}")
        if re.search(r"<\s*/?\s*[a-z]+\b", why, re.I) or _CODE_LINE.search(why):
            bits.append("markup or code")
        problems += [f"{p}: {b}" for b in bits]
    return problems


# ----------------------------------------------------------------------------- the sample

#: Wrong solutions for explanations (with tests/grade_cases/mixed_wrong.py): classic slips.
WRONG_SOLUTIONS = '''# cardgen: einsum.gram seed=1
# cardgen: einsum.outer seed=1
# cardgen: einops.merge_heads seed=1
# cardgen: einsum.attention_scores seed=1
# cardgen: superposition.sae_loss seed=1
"""Classic slips: the Gram matrix over the wrong axis, a transposed outer product, heads merged
in the wrong order, scaled scores, the L1 term averaged over latents."""
import torch
from einops import rearrange


def gram(W):
    return torch.einsum("ifh,ifk->ihk", W, W)


def outer(u, v):
    return torch.einsum("i,j->ji", u, v)


def merge_heads(x):
    return rearrange(x, "b h s d -> b s (d h)")


def attention_scores(q, k):
    return torch.einsum("bhid,bhjd->bhij", q, k) / q.shape[-1] ** 0.5


def sae_loss(h, h_hat, acts, l1_coeff):
    return ((h_hat - h) ** 2).mean((0, 2)) + l1_coeff * acts.abs().mean((0, 2))
'''


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


#: feature → time.monotonic() after which no more of its sample is asked (``--budget-s``).
DEADLINES: dict[str, float] = {}


class Feature:
    """What one use of the LLM did over the sample."""

    def __init__(self, name: str):
        self.name = name
        self.deadline = DEADLINES.get(name, float("inf"))
        self.not_run = 0  # sample items left out when the time budget ran out
        self.latencies: list[float] = []
        self.requests = 0
        self.calls = 0
        self.accepted = 0
        self.rejected = 0
        self.failed: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.invalid_shown: list[dict] = []
        self.audit_caught = 0  # rejected texts the audit also calls invalid
        self.audit_only_validator = 0  # rejected texts the audit finds fine (validation is stricter)
        self.examples: list[dict] = []
        self.extra: Counter[str] = Counter()  # feature-specific counts (review: reasons shown/dropped)

    @property
    def fallbacks(self) -> int:
        return self.calls - self.accepted

    def row(self) -> dict:
        return {"feature": self.name, "calls": self.calls, "not_run_budget": self.not_run, "requests": self.requests,
                "median_s": round(statistics.median(self.latencies), 2) if self.latencies else None,
                "p95_s": round(_pct(self.latencies, 0.95), 2) if self.latencies else None,
                "accepted": self.accepted, "rejected": self.rejected, "failed": dict(self.failed),
                "fallbacks": self.fallbacks, "invalid_shown": len(self.invalid_shown),
                "rejected_also_invalid_by_audit": self.audit_caught,
                "rejected_but_fine_by_audit": self.audit_only_validator,
                "rejection_reasons": dict(self.reasons.most_common(12)),
                "invalid_examples": self.invalid_shown[:10], "examples": self.examples[:12], **self.extra}


def _reason(problem: str) -> str:
    """A rejection reason without its particulars, for counting."""
    return re.sub(r"\s*[\(:`].*$", "", re.sub(r" (?:number|shape|name|option)\(s\).*$",
                                                lambda m: " " + m.group(0).split()[0], problem)).strip()


def _measure(feature: Feature, assistant, use: str, call, audit) -> None:
    """Run ``call()`` (one LLM use), time it and classify what came back."""
    if time.monotonic() > feature.deadline:
        feature.not_run += 1
        return
    before = Counter(assistant.stats)
    req0 = assistant.client.requests
    t0 = time.perf_counter()
    shown = call()
    dt = time.perf_counter() - t0
    feature.calls += 1
    feature.requests += assistant.client.requests - req0
    if assistant.client.requests > req0:
        feature.latencies.append(dt)
    delta = Counter(assistant.stats)
    delta.subtract(before)
    text = assistant.last_text
    if delta[f"{use}_accepted"]:
        feature.accepted += 1
        if shown is None:  # accepted but the same as the built-in text (a rewording that changed nothing)
            feature.extra["accepted_unchanged"] += 1
        problems = audit(shown) if shown is not None else []
        if problems:
            feature.invalid_shown.append({"text": shown, "audit": problems})
        if len(feature.examples) < 12:
            feature.examples.append({"accepted": shown, "audit": problems})
    elif delta[f"{use}_rejected"]:
        feature.rejected += 1
        problems = assistant.rejections[-1][2]
        for p in problems:
            feature.reasons[_reason(p)] += 1
        if text is not None:
            if audit(text):
                feature.audit_caught += 1
            else:
                feature.audit_only_validator += 1
    else:
        kinds = [k.rsplit("_", 1)[-1] for k, n in delta.items() if k.startswith(f"{use}_failed_") and n]
        feature.failed[kinds[0] if kinds else ("not asked" if not assistant.available else "none")] += 1


def sample_variants(limit: int | None = None):
    from exercises.registry import all_families

    out = []
    for fam in all_families():
        for form in fam.forms:
            out.append((fam, form))
    return out[:limit] if limit else out


def run_reword(assistant, pairs, log) -> Feature:
    f = Feature("reword")
    for fam, form in pairs:
        v = fam.variant(seed=0, form=form)
        _measure(f, assistant, "reword", lambda: (lambda t: t if t != v.prompt else None)(assistant.reword(v)),
                 lambda text: audit_reword(v, text))
        log(f"reword {v.key}: {f.accepted} accepted, {f.rejected} rejected, {sum(f.failed.values())} failed")
    return f


def wrong_answer(v) -> str | None:
    for _, resp in getattr(v, "mistakes", ()):
        if resp and not v.check(resp).correct:
            return resp
    for resp in v.distractors:
        if resp and not v.check(resp).correct:
            return resp
    return None


def run_hint(assistant, pairs, log, every: int = 1) -> Feature:
    from cardgen.llm import offline_hint

    f = Feature("hint")
    by_family: dict[str, list[str]] = {}
    for fam, form in pairs:
        by_family.setdefault(fam.id, []).append(form)
    for i, (fid, forms) in enumerate(by_family.items()):
        from exercises.registry import get_family

        if i % every:
            continue

        fam = get_family(fid)
        for form in forms[i % len(forms):] + forms[: i % len(forms)]:  # each family in a form in turn
            v = fam.variant(seed=0, form=form)
            resp = wrong_answer(v)
            if resp is not None:
                break
        else:
            continue
        verdict = v.check(resp)
        fallback = offline_hint(v, 0)
        _measure(f, assistant, "hint",
                 lambda: (lambda t: t if t != fallback else None)(assistant.hint(v, resp, verdict, 0)),
                 lambda text: audit_hint(v, resp, text))
        log(f"hint {v.key}: {f.accepted} accepted, {f.rejected} rejected, {sum(f.failed.values())} failed")
    return f


def grader_failures(tmp: Path) -> list[tuple[str, str]]:
    """(function, report) for every failing function of the wrong solutions, from the real grader."""
    from cardgen.grade.grader import grade_file

    wrong = tmp / "wrong_solutions.py"
    wrong.write_text(WRONG_SOLUTIONS)
    out = []
    for path in (REPO / "tests" / "grade_cases" / "mixed_wrong.py", wrong):
        report = grade_file(path, timeout=30)
        for fr in report.functions:
            if fr.status == "fail" and fr.counterexample is not None:
                out.append((fr.function, f"{fr.message}\n{fr.counterexample.text()}"))
    return out


def run_explain(assistant, failures, log) -> Feature:
    f = Feature("explain")
    for fn, report in failures:
        _measure(f, assistant, "explain", lambda: assistant.explain(fn, report),
                 lambda text: audit_explain(text, report[:6000], fn))
        log(f"explain {fn}: {f.accepted} accepted, {f.rejected} rejected, {sum(f.failed.values())} failed")
    return f


def run_review(assistant, pairs, log, every: int = 4) -> Feature:
    from cardgen.llm.review import Card, llm_judge

    f = Feature("review")
    seen: set[str] = set()
    for fam, form in pairs:
        if fam.id in seen:
            continue
        seen.add(fam.id)
        if (len(seen) - 1) % every:  # every ``every``-th family: the judgement is long and slow
            continue
        card = Card.from_variant(fam.variant(seed=0, form=form))
        # A judgement is shown to the card's author beside the rules' verdict and never changes the
        # verdict (checked end to end in --check); its reasons are audited like an explanation.
        n_rej, accepted = len(assistant.rejections), f.accepted
        _measure(f, assistant, "review", lambda: llm_judge(assistant, card),
                 lambda judged: audit_review(judged if isinstance(judged, dict) else json.loads(judged), card))
        for *_, problems in assistant.rejections[n_rej:]:  # reasons dropped, one verdict each
            f.extra["reasons_dropped"] += len({p.rsplit(" (", 1)[-1] for p in problems})
            if f.accepted > accepted:  # a kept judgement: _measure counted no reasons
                for p in problems:
                    f.reasons[_reason(p)] += 1
        if f.accepted > accepted and f.examples:
            f.extra["reasons_shown"] += len(f.examples[-1]["accepted"] or {})
        log(f"review {card.key}: {f.accepted} judged, {f.rejected} with no valid reason, "
            f"{sum(f.failed.values())} failed")
    return f


# ----------------------------------------------------------------------------- robustness


def _assistant(**overrides):
    from cardgen.llm import get_assistant, load_config
    from dataclasses import replace

    a = get_assistant(True)
    if overrides:
        from cardgen.llm import Assistant

        a = Assistant(replace(load_config(), **overrides))
    return a


def _one_note(a) -> bool:
    return len(a.warnings) == 1 and "\n" not in a.warnings[0]


def scenario_timeout(variant) -> dict:
    a = _assistant(timeout=0.05)
    t0 = time.perf_counter()
    shown = a.reword(variant)
    second = a.reword(variant)  # given up on: no second wait
    dt = time.perf_counter() - t0
    ok = shown == variant.prompt == second and _one_note(a) and "within" in a.warnings[0] and dt < 5
    return {"scenario": "reply slower than the timeout (0.05 s)", "ok": ok, "seconds": round(dt, 2),
            "notes": a.warnings}


def scenario_truncated(variant) -> dict:
    a = _assistant()
    a.max_tokens["reword"] = 4
    shown = a.reword(variant)
    ok = shown == variant.prompt and _one_note(a) and "cut off" in a.warnings[0]
    return {"scenario": "reply cut off at max_tokens (4)", "ok": ok, "notes": a.warnings,
            "requests": a.client.requests}


def scenario_no_json_mode(variants) -> dict:
    """A server without JSON mode: only the prompt asks for JSON, which a small model may ignore."""
    a = _assistant()
    a.client.json_mode = False
    shown = [a.reword(v) for v in variants]
    fell_back = sum(s == v.prompt for s, v in zip(shown, variants))
    bad = [s for s, v in zip(shown, variants) if s != v.prompt and audit_reword(v, s)]
    ok = not bad and len(a.warnings) <= 2 and all("\n" not in w for w in a.warnings)
    return {"scenario": "model asked without JSON mode (may ignore the format)", "ok": ok,
            "rewordings": len(variants), "fell_back": fell_back, "failed": {k: n for k, n in a.stats.items() if "failed_" in k},
            "invalid_shown": len(bad), "notes": a.warnings, "requests": a.client.requests}


def scenario_killed(server, variant, response) -> dict:
    """The server is SIGKILLed 0.3 s into a hint request; then everything falls back at once."""
    from cardgen.llm import offline_hint

    a = _assistant()
    fallback = offline_hint(variant, 0)
    verdict = variant.check(response)
    timer = threading.Timer(0.3, server.kill)
    t0 = time.perf_counter()
    timer.start()
    first = a.hint(variant, response, verdict)
    timer.join()
    second = a.hint(variant, response + " ", verdict)
    dt = time.perf_counter() - t0
    ok = first == fallback == second and _one_note(a) and not server.alive and dt < 30
    return {"scenario": "server killed in the middle of a request", "ok": ok, "seconds": round(dt, 2),
            "notes": a.warnings}


def _cli(args: list[str], env: dict, input: str | None = None, timeout: float = 300) -> dict:
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "cardgen", *args], capture_output=True, text=True,
                           input=input, env=env, timeout=timeout, cwd=env.get("_CWD"))
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "hung", str(e.stdout or ""), str(e.stderr or "")
    return {"args": args, "rc": rc, "seconds": round(time.perf_counter() - t0, 1),
            "traceback": "Traceback" in out + err, "warnings": (out + err).count("warning:"),
            "_stdout": out, "stdout_tail": out[-600:], "stderr_tail": err[-600:]}


def cli_runs(env: dict, tmp: Path, dead: bool = False) -> list[dict]:
    """The commands end to end; with ``dead`` the endpoint no longer answers."""
    drill_db = tmp / ("drill-dead.sqlite3" if dead else "drill.sqlite3")
    wrong = "zzzz,zzzz,zzzz,zzzz,zzzz->z\n"  # readable, wrong
    runs = []
    if not dead:
        r = _cli(["llm", "check"], env)
        r["ok"] = r["rc"] == 0 and not r["traceback"]
        runs.append(r)
        r = _cli(["llm", "reword", "einsum.matmul", "--form", "write", "--seed", "0"], env)
        r["ok"] = r["rc"] == 0 and not r["traceback"]
        runs.append(r)
        on = _cli(["review-cards", "einsum.matmul", "-k", "1", "--llm", "--json"], env, timeout=600)
        off = _cli(["review-cards", "einsum.matmul", "-k", "1", "--no-llm", "--json"], env, timeout=600)
        same, judged = _compare_reviews(on["_stdout"], off["_stdout"])
        on.update(judged=judged, rules_unchanged_by_llm=same)
        on["ok"] = on["rc"] in (0, 1) and not on["traceback"] and same
        runs.append(on)
    r = _cli(["grade", str(REPO / "tests" / "grade_cases" / "mixed_wrong.py"), "--explain"], env, timeout=300)
    r["ok"] = r["rc"] == 1 and not r["traceback"] and r["warnings"] <= 1 and "ReLU" in r["_stdout"]
    runs.append(r)
    r = _cli(["drill", "--family", "einsum.matmul", "--form", "write", "--db", str(drill_db), "--limit", "1",
              "--new", "1"], env, input=wrong, timeout=180)
    r["ok"] = r["rc"] == 0 and not r["traceback"] and "think:" in r["_stdout"] and r["warnings"] <= 1
    runs.append(r)
    for r in runs:
        r["dead_server"] = dead
        r.pop("_stdout", None)
    return runs


def _compare_reviews(on: str, off: str) -> tuple[bool, int]:
    """Whether the rules' verdicts are the same with and without the LLM, and how many cards
    the LLM judged (its judgement sits beside the rules' and must never change them)."""
    try:
        a, b = json.loads(on), json.loads(off)
    except ValueError:
        return False, 0

    def marks(j):
        return {c["key"]: {p: (r["meets"], r.get("checkable", True)) for p, r in c["results"].items()} for c in j["cards"]}

    judged = sum(1 for c in a["cards"] if any("llm" in r for r in c["results"].values()))
    return marks(a) == marks(b) and a["summary"] == b["summary"], judged


# ----------------------------------------------------------------------------- main


def _table(rows: list[dict]) -> str:
    head = f"{'feature':8s} {'calls':>5s} {'skip':>4s} {'reqs':>5s} {'median':>7s} {'p95':>6s} {'accept':>6s} {'reject':>6s} " \
           f"{'failed':>6s} {'fallbk':>6s} {'INVALID shown':>13s}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['feature']:8s} {r['calls']:5d} {r['not_run_budget']:4d} {r['requests']:5d} "
                     f"{(r['median_s'] if r['median_s'] is not None else float('nan')):6.2f}s "
                     f"{(r['p95_s'] if r['p95_s'] is not None else float('nan')):5.2f}s {r['accepted']:6d} "
                     f"{r['rejected']:6d} {sum(r['failed'].values()):6d} {r['fallbacks']:6d} {r['invalid_shown']:13d}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server-python", help="python of the environment with llama-cpp-python[server]; "
                                            "without it, the endpoint configured in the environment is used")
    ap.add_argument("--model", help="the .gguf file the server loads")
    ap.add_argument("--timeout", type=float, default=60.0, help="CARDGEN_LLM_TIMEOUT for the sample (s)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N family/form pairs (a quick look)")
    ap.add_argument("--stride", type=int, default=1, help="every Nth family/form pair only (a spread-out subsample)")
    ap.add_argument("--server-threads", type=int, default=1,
                    help="llama.cpp threads (1: on a loaded machine 2 threads spin-waited at 0.19 tokens/s)")
    ap.add_argument("--server-nice", type=int, default=0,
                    help="added to the server's niceness (negative, as root: a higher priority than the "
                         "rest of a shared machine, so its latencies are its own)")
    ap.add_argument("--hint-every", type=int, default=1, help="a hint for every Nth family")
    ap.add_argument("--review-every", type=int, default=4, help="review a card of every Nth family")
    ap.add_argument("--budget-s", type=float, default=None,
                    help="time box for the sample (reword 55%%, hint 25%%, explain 8%%, review 12%%; time a "
                         "feature leaves is passed on); items past it are counted as not run")
    ap.add_argument("--check", action="store_true", help="also the robustness scenarios and the commands; "
                                                         "exit 1 on any invalid text shown or failed scenario")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="cardgen-llm-real-"))
    os.environ["CARDGEN_CACHE"] = str(tmp / "cache")  # nothing cached: every request reaches the server
    os.environ["CARDGEN_HOME"] = str(tmp / "home")
    os.environ["CARDGEN_LLM_TIMEOUT"] = str(args.timeout)
    server_cm = nullcontext(None)
    if args.server_python:
        from llm_server import LlamaServer

        if not args.model:
            ap.error("--server-python needs --model")
        server_cm = LlamaServer(args.server_python, args.model, log=tmp / "server.log", threads=args.server_threads,
                                nice=args.server_nice)
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                     "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    failures: list[str] = []
    with server_cm as server:
        if server is not None:
            os.environ["OPENAI_BASE_URL"] = server.base_url
            os.environ["CARDGEN_LLM_MODEL"] = server.model_id
            os.environ.pop("OPENAI_API_KEY", None)
            log(f"llama.cpp server with {server.model_id} at {server.base_url}")
        from cardgen.llm import load_config

        cfg = load_config()
        if not cfg.configured:
            print("no endpoint: pass --server-python/--model or set OPENAI_BASE_URL", file=sys.stderr)
            return 2
        results["model"], results["endpoint"] = cfg.model, cfg.display_url
        import openai  # noqa: F401 - its import (seconds on a loaded machine) is not a request's latency

        pairs = sample_variants(args.limit)[:: max(1, args.stride)]
        log(f"{len(pairs)} family/form pairs")
        feats = []
        from cardgen.llm import get_assistant

        # One assistant per feature, as each command makes one for its run.
        def save(partial: bool) -> None:  # after each feature, so a stopped run keeps its figures
            if args.json:
                results["features"] = [f.row() for f in feats]
                results["partial"] = partial
                args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))

        explain_cases = grader_failures(tmp)
        t_start = time.monotonic()
        shares = {"reword": 0.55, "hint": 0.80, "explain": 0.88, "review": 1.0}

        def budget(name: str) -> None:
            if args.budget_s:
                DEADLINES[name] = t_start + shares[name] * args.budget_s

        budget("reword")
        feats.append(run_reword(get_assistant(True), pairs, log))
        save(True)
        budget("hint")
        feats.append(run_hint(get_assistant(True), pairs, log, args.hint_every))
        save(True)
        budget("explain")
        feats.append(run_explain(get_assistant(True), explain_cases, log))
        save(True)
        budget("review")
        feats.append(run_review(get_assistant(True), pairs, log, args.review_every))
        save(True)
        rows = [f.row() for f in feats]
        results["features"] = rows
        total_shown_invalid = sum(r["invalid_shown"] for r in rows)
        rw = rows[0]
        results["reword_acceptance"] = round(rw["accepted"] / rw["calls"], 3) if rw["calls"] else None
        results["invalid_shown_total"] = total_shown_invalid
        if total_shown_invalid:
            failures.append(f"{total_shown_invalid} invalid LLM texts were shown")

        if args.check:
            env = dict(os.environ, CARDGEN_CACHE=str(tmp / "cli-cache"), NO_COLOR="1", COLUMNS="120")
            from exercises.registry import get_family

            mm = get_family("einsum.matmul").variant(seed=1, form="write")
            scen = [scenario_timeout(mm), scenario_truncated(mm),
                    scenario_no_json_mode([fam.variant(seed=2, form=form) for fam, form in pairs[:4]])]
            log("scenarios: timeout, truncated, no JSON mode done")
            runs = cli_runs(env, tmp)
            log("commands with a live server done")
            if server is not None:
                scen.append(scenario_killed(server, mm, wrong_answer(mm)))
                runs += cli_runs(env, tmp, dead=True)
                log("server killed; commands against the dead endpoint done")
            results["scenarios"], results["commands"] = scen, runs
            failures += [f"scenario failed: {s['scenario']}" for s in scen if not s["ok"]]
            failures += [f"command failed: cardgen {' '.join(r['args'][:3])}{' (dead server)' if r['dead_server'] else ''}"
                         for r in runs if not r["ok"]]
    results["failures"] = failures
    results["load_average_at_end"] = os.getloadavg()
    print(f"\nLLM features against {results['model']} at {results['endpoint']} (timeout {args.timeout:g} s; "
          f"{results['cpus']} CPUs, load average {results['load_average_at_start'][0]:.1f} at the start)")
    print(_table(rows))
    for r in rows:
        if r["rejection_reasons"]:
            print(f"  {r['feature']} rejected because: " + "; ".join(f"{k} ({n})" for k, n in r["rejection_reasons"].items()))
        if r["failed"]:
            print(f"  {r['feature']} without a usable reply: " + ", ".join(f"{k} ({n})" for k, n in r["failed"].items()))
        if r.get("accepted_unchanged"):
            print(f"  {r['feature']}: {r['accepted_unchanged']} of {r['accepted']} accepted texts were the built-in "
                  f"text unchanged (nothing new shown)")
        if r.get("reasons_dropped") or r.get("reasons_shown"):
            print(f"  {r['feature']}: reasons shown {r.get('reasons_shown', 0)}, dropped by validation "
                  f"{r.get('reasons_dropped', 0)}")
        if r["rejected"]:
            print(f"  {r['feature']}: of {r['rejected']} rejected texts the audit calls {r['rejected_also_invalid_by_audit']} "
                  f"invalid and {r['rejected_but_fine_by_audit']} fine")
        for ex in r["invalid_examples"]:
            print(f"  INVALID {r['feature']} shown: {ex['text']!r}: {ex['audit']}")
    if results.get("reword_acceptance") is not None:
        print(f"reword acceptance: {results['reword_acceptance']:.0%}; invalid texts shown to a learner: "
              f"{results['invalid_shown_total']}")
    for s in results.get("scenarios", []):
        print(f"  {'ok  ' if s['ok'] else 'FAIL'} {s['scenario']}: " + " | ".join(s.get("notes", [])))
    for r in results.get("commands", []):
        print(f"  {'ok  ' if r['ok'] else 'FAIL'} cardgen {' '.join(map(str, r['args'][:4]))}"
              f"{' (server dead)' if r['dead_server'] else ''}: rc {r['rc']}, {r['seconds']} s, "
              f"{r['warnings']} warning line(s){', TRACEBACK' if r['traceback'] else ''}")
    if args.json:
        results["partial"] = False
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
