"""The uses of the optional LLM: reworded prompts, Socratic hints, explained grader reports.

The LLM never decides what is correct — answers come from running code. It only rewrites
words, and every piece of text it returns is checked (:mod:`cardgen.llm.validate`) before it
is shown; anything rejected, and any failure to get a reply, falls back to the built-in
text. Offline (no endpoint configured) every method returns that built-in text at once.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from cardgen.llm.client import KINDS, LlmClient, LlmError
from cardgen.llm.config import LlmConfig, LlmNotConfigured, load_config
from cardgen.llm.validate import answers_of, explain_problems, hint_problems, reword_problems

#: Failures after which calling again is pointless for this run (each would cost a timeout).
_STOP_AT_ONCE = {"connection", "timeout", "auth", "not_found"}
#: Transient failures: give up on the endpoint after this many in a row.
_MAX_TRANSIENT = 3
#: Replies in the wrong format (or cut off): a model that keeps ignoring the format is left
#: alone after this many in a row, since each costs a request and its retry.
_MAX_UNUSABLE = 5

#: Upper bounds on a reply's length in tokens, per use: a small local model may otherwise
#: ramble until its context is full (minutes on a CPU). A reply cut off there is not used.
MAX_TOKENS = {"reword": 512, "hint": 160, "explain": 400, "review": 700}

REWORD_SCHEMA = {
    "type": "object",
    "properties": {"prompt": {"type": "string", "minLength": 1, "maxLength": 2000}},
    "required": ["prompt"],
}
HINT_SCHEMA = {
    "type": "object",
    "properties": {"hint": {"type": "string", "minLength": 1, "maxLength": 1000}},
    "required": ["hint"],
}
EXPLAIN_SCHEMA = {
    "type": "object",
    "properties": {"explanation": {"type": "string", "minLength": 1, "maxLength": 4000}},
    "required": ["explanation"],
}

REWORD_SYSTEM = """You reword the prompt of a flashcard exercise so that repeated reviews read \
differently while asking exactly the same thing.
Rules:
- Keep the meaning and the single question or instruction; change only the wording.
- Keep every number exactly, written in digits. Add no number.
- Keep every shape such as (3, 4) or [b, h] exactly as written. Add no shape.
- Keep every `backticked` code span exactly, with its backticks, and every \\( math \\) span exactly. Add no code.
- Keep every name of a tensor, axis, variable or function (x, W, i, d_model, torch.einsum) exactly.
- Keep option lines such as "B) ..." exactly.
- Never state, hint at or narrow down the answer.
- At most {limit} characters.
The code shown under the prompt (if any) is context only; do not repeat it.
Reply with a JSON object: {{"prompt": "<the reworded prompt>"}}"""

HINT_SYSTEM = """You are a Socratic tutor for tensor programming (einsum, einops) and Toy Models \
of Superposition. A learner answered an exercise wrongly. The grader's reason was computed by \
running code and is correct. Ask ONE short guiding question (under 200 characters) that leads \
the learner to find their mistake. Never write the correct answer, the correct expression, \
pattern, shape or number, and do not list options to pick from.
Reply with a JSON object: {"hint": "<your question>"}"""

EXPLAIN_SYSTEM = """You explain an auto-grader's report to a learner in plain words. The report \
comes from running their function against a reference on test inputs; it is correct. In 2 to 4 \
sentences say what the failing case shows and which part of their function to look at. Do not \
write corrected code or the solution.
Reply with a JSON object: {"explanation": "<your explanation>"}"""

#: Hints used when a variant carries none, by form.
FORM_HINTS = {
    "write": "Which axes appear in the inputs but not in the output, and what must happen to them?",
    "shape": "Which axes survive into the output, and in what order do they appear?",
    "value": "Can you compute one entry of the result by hand before the rest?",
    "read": "What exactly does the plot or model show on each axis, and where do you read the quantity?",
    "fix": "What must the marked line compute, and what does it compute as written?",
}


def as_question(hint: str) -> str:
    """A family hint phrased as a guiding question (questions are kept as they are)."""
    h = " ".join(hint.split())
    if not h or h.endswith("?"):
        return h
    if not h.endswith((".", "!")):
        h += "."
    return f"{h} Does your answer account for that?"


def offline_hint(variant: Any, level: int = 0) -> str:
    """The family's hint at ``level`` (clamped; vague → specific) as a question."""
    hints = [h for h in getattr(variant, "hints", ()) if h and h.strip()]
    if hints:
        return as_question(hints[min(max(level, 0), len(hints) - 1)])
    return FORM_HINTS.get(getattr(variant, "form", ""), "Which step of the computation does your answer get wrong?")


class Assistant:
    """The LLM uses behind one small API; ``online`` is False when no endpoint is configured.

    ``warnings`` collects at most one line per kind of failure (connection, timeout,
    rate_limit, server, auth, not_found, request, malformed); ``report_warnings()`` prints
    the new ones to stderr. ``stats`` counts what happened (e.g. ``reword_accepted``) and
    ``rejections`` records why LLM text was not used, as ``(key, use, problems)``.
    """

    def __init__(self, config: LlmConfig | None = None):
        self.config = config if config is not None and config.configured else None
        self.online = self.config is not None
        self.warnings: list[str] = []
        self.stats: Counter[str] = Counter()
        self.rejections: list[tuple[str, str, list[str]]] = []
        self._client = LlmClient(self.config) if self.config else None
        self._warned: set[str] = set()
        self._printed = 0
        self._stopped: str | None = None
        self._transient = 0
        self._unusable = 0
        self.max_tokens = dict(MAX_TOKENS)  # per instance, so a caller may tighten one use
        self.last_text: str | None = None  # the LLM's last text (accepted or not), for `llm reword` and benchmarks

    @property
    def client(self) -> LlmClient | None:
        """The JSON-chat client (None offline): its ``requests`` count, its ``json_mode``."""
        return self._client

    def __repr__(self) -> str:
        where = f"{self.config.model} at {self.config.display_url}" if self.config else "offline"
        return f"<Assistant {where}>"

    # ------------------------------------------------------------------ plumbing

    @property
    def available(self) -> bool:
        """Online and not given up on for this run after a failure."""
        return self.online and self._stopped is None

    def _warn(self, kind: str, text: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            self.warnings.append(text)

    def ask(self, use: str, messages: list[dict], schema: dict) -> Any | None:
        """A validated JSON reply, or None after recording a warning (never raises)."""
        self.last_text = None
        if not self.available:
            return None
        assert self._client is not None
        try:
            data = self._client.chat_json(messages, schema, max_tokens=self.max_tokens.get(use))
        except LlmError as e:
            self.stats[f"{use}_failed"] += 1
            self.stats[f"{use}_failed_{e.kind}"] += 1
            if e.kind in _STOP_AT_ONCE:
                self._stopped = e.kind
            elif e.kind in ("rate_limit", "server"):
                self._transient += 1
                if self._transient >= _MAX_TRANSIENT:
                    self._stopped = e.kind
            elif e.kind in ("malformed", "truncated"):
                self._unusable += 1
                if self._unusable >= _MAX_UNUSABLE:
                    self._stopped = e.kind
            rest = " for the rest of this run" if self._stopped else ""
            if self._stopped and e.kind in self._warned and e.kind in ("malformed", "truncated"):
                # the reason was told when it first happened, and asking went on: say it stopped now
                self._warn("stopped", f"LLM {use}: {KINDS[e.kind]}, again and again; "
                                      f"using the built-in text{rest}.")
            self._warn(e.kind, f"LLM {use}: {str(e).rstrip('.')}; using the built-in text{rest}.")
            return None
        except Exception as e:  # an optional layer must never break a build: report, stop asking
            self.stats[f"{use}_failed"] += 1
            self._stopped = "unexpected"
            self._warn("unexpected", f"LLM {use}: unexpected {type(e).__name__}: {' '.join(str(e).split())[:200]}; "
                                     "using the built-in text for the rest of this run.")
            return None
        self._transient = self._unusable = 0
        return data

    def report_warnings(self, target=None) -> list[str]:
        """Print the warnings not printed yet (stderr by default) and return them."""
        new = self.warnings[self._printed :]
        self._printed = len(self.warnings)
        if new:
            from cardgen.console import err_console, escape_text

            out = target or err_console
            for w in new:
                out.print(f"[yellow]warning:[/] {escape_text(w)}")
        return new

    def summary(self) -> str | None:
        """One line on what the LLM contributed, or None offline / when nothing was asked."""
        if not self.online or not self.stats:
            return None
        parts = []
        for use, noun in (("reword", "prompts reworded"), ("hint", "hints"), ("explain", "explanations"),
                          ("review", "cards judged")):
            ok, bad, failed = (self.stats[f"{use}_{s}"] for s in ("accepted", "rejected", "failed"))
            if ok or bad or failed:
                bits = [f"{ok} {noun}"]
                if bad:
                    bits.append(f"{bad} rejected by validation")
                if failed:
                    bits.append(f"{failed} without a reply")
                parts.append(", ".join(bits))
        assert self.config is not None
        return f"LLM {self.config.model}: " + "; ".join(parts) if parts else None

    # ------------------------------------------------------------------ the uses

    def reword(self, variant: Any) -> str:
        """``variant.prompt`` reworded, or unchanged offline, on failure or when rejected."""
        prompt = variant.prompt
        if not self.available:
            return prompt
        limit = max(2 * len(prompt), len(prompt) + 160)
        user = {"form": variant.form, "prompt": prompt}
        if getattr(variant, "code", None):
            user["code_shown_below_prompt"] = variant.code
        data = self.ask("reword", [
            {"role": "system", "content": REWORD_SYSTEM.format(limit=limit)},
            {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
        ], REWORD_SCHEMA)
        if data is None:
            return prompt
        candidate = data["prompt"].strip()
        self.last_text = candidate
        problems = reword_problems(prompt, candidate, answers_of(variant), getattr(variant, "code", None))
        if problems:
            self.stats["reword_rejected"] += 1
            self.rejections.append((variant.key, "reword", problems))
            return prompt
        self.stats["reword_accepted"] += 1
        return candidate

    def hint(self, variant: Any, response: str, verdict: Any, level: int = 0) -> str:
        """A guiding question after a wrong ``response``; never the answer.

        Offline, on failure or when the LLM's question gives the answer away: the family's
        hint at ``level`` phrased as a question.
        """
        fallback = offline_hint(variant, level)
        if not self.available:
            return fallback
        expected = getattr(verdict, "expected", "") or ""
        user = {
            "exercise": variant.prompt,
            "code": getattr(variant, "code", None),
            "correct_answer_for_you_only_never_reveal": variant.answer_text,
            "learner_answer": response,
            "grader_reason": getattr(verdict, "reason", ""),
            "family_hints_vague_to_specific": list(getattr(variant, "hints", ())),
        }
        data = self.ask("hint", [
            {"role": "system", "content": HINT_SYSTEM},
            {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
        ], HINT_SCHEMA)
        if data is None:
            return fallback
        text = " ".join(data["hint"].split())
        self.last_text = text
        problems = hint_problems(text, variant, response, expected)
        if problems:
            self.stats["hint_rejected"] += 1
            self.rejections.append((variant.key, "hint", problems))
            return fallback
        self.stats["hint_accepted"] += 1
        return text

    def explain(self, function: str, report: str) -> str | None:
        """The grader's failure ``report`` for ``function`` in plain words; None offline,
        on failure, or when the reply writes the solution (the grader's own text stands)."""
        if not self.available:
            return None
        data = self.ask("explain", [
            {"role": "system", "content": EXPLAIN_SYSTEM},
            {"role": "user", "content": json.dumps({"function": function, "grader_report": report[:6000]})},
        ], EXPLAIN_SCHEMA)
        if data is None:
            return None
        text = data["explanation"].strip()
        self.last_text = text
        problems = explain_problems(text, function, report[:6000])
        if problems:
            self.stats["explain_rejected"] += 1
            self.rejections.append((function, "explain", problems))
            return None
        self.stats["explain_accepted"] += 1
        return text


def get_assistant(enabled: bool | None = None) -> Assistant:
    """The assistant for this run.

    ``enabled=None``: online iff an endpoint is configured; ``False``: offline without
    reading any configuration; ``True``: online, or :class:`LlmNotConfigured` (a
    ``click.UsageError`` that says how to configure one).
    """
    if enabled is False:
        return Assistant(None)
    config = load_config()
    if not config.configured:
        if enabled:
            raise LlmNotConfigured()
        return Assistant(None)
    return Assistant(config)
