"""The few types every family, checker and adapter shares.

A :class:`Family` turns ``(seed, form)`` into a :class:`Variant` by drawing parameters from a
seeded generator and *computing* the answer by running torch, einops or superpos_core.
A Variant carries its own :class:`~exercises.checking.Check`, so any adapter (deck, drill,
CLI) can judge a typed response without knowing the family.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from exercises.verdict import Verdict

if TYPE_CHECKING:  # pragma: no cover
    from exercises.checking import Check

#: Question forms and what they ask of the learner.
FORMS: dict[str, str] = {
    "write": "write the expression for a described operation",
    "shape": "predict the output shape of a given expression",
    "value": "compute a value by hand on tiny tensors or numbers",
    "read": "read a quantity off an image or a trained model",
    "fix": "retype a marked expression with its bug fixed",
    "task": "solve a stated problem with one expression, choosing the tool yourself",
}

MAX_SEED = 2**63 - 1

__all__ = ["FORMS", "MAX_SEED", "Verdict", "Image", "Variant", "Mistake", "CodeSpec", "Family"]


@dataclass(frozen=True)
class Image:
    """A PNG shown with the prompt. ``name`` is a flat, unique basename (Anki media rule)."""

    name: str
    data: bytes


@dataclass
class Variant:
    """One concrete exercise. Everything but ``check``/``image`` is JSON-serializable.

    ``prompt`` is short text in which `backticks` mark inline code and ``\\( \\)`` marks
    math; ``code`` is an optional Python snippet shown under it. ``answer`` is the canonical
    answer as data (string, number, list); ``answer_text`` is how it is shown.
    ``distractors`` are plausible wrong responses (used by tests and card review).
    """

    family: str
    form: str
    seed: int
    params: dict[str, Any]
    prompt: str
    answer: Any
    answer_text: str
    checker: "Check"
    explanation: str = ""
    hints: tuple[str, ...] = ()
    code: str | None = None
    image: Image | None = None
    distractors: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()  # other right spellings, e.g. an equivalent pattern
    #: The family's classic mistakes run on this variant: (what the mistake is, the response it
    #: gives). Every one must be rejected by the checker; tests assert it over many seeds.
    mistakes: tuple[tuple[str, str], ...] = ()

    @property
    def topic(self) -> str:
        return self.family.split(".", 1)[0]

    @property
    def key(self) -> str:
        """Stable identity of the variant: family, form and seed."""
        return f"{self.family}/{self.form}/{self.seed}"

    def check(self, response: str) -> Verdict:
        """Judge a typed response by execution (never by string comparison alone)."""
        return self.checker.check(response)

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "topic": self.topic,
            "form": self.form,
            "seed": self.seed,
            "prompt": self.prompt,
            "code": self.code,
            "image": self.image.name if self.image else None,
            "answer": self.answer,
            "answer_text": self.answer_text,
            "explanation": self.explanation,
            "hints": list(self.hints),
            "params": self.params,
        }


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation, so the grader can say *which* mistake was made."""

    name: str
    fn: Callable[..., Any]
    message: str  # e.g. "Did you forget the ReLU?"


@dataclass(frozen=True)
class CodeSpec:
    """An "implement this function" exercise for the grader.

    ``make_inputs(rng, case)`` returns the keyword arguments of one test case (torch tensors,
    ints or floats); the grader computes ``reference(**inputs)`` in its own process.
    ``rules`` are AST checks such as ``"one_einsum"`` or ``"no_loops"``.
    """

    function: str
    signature: str
    doc: str
    reference: Callable[..., Any]
    make_inputs: Callable[[random.Random, int], dict[str, Any]]
    mistakes: tuple[Mistake, ...] = ()
    rules: tuple[str, ...] = ()
    n_cases: int = 24
    atol: float = 1e-5
    rtol: float = 1e-4
    statistical: bool = False  # graded with a fixed seed and a stated tolerance
    # Hints about the failing case: called with that case's inputs (torch objects, by name).
    hints: Callable[[dict[str, Any]], list[str]] | None = None


@dataclass(frozen=True)
class Family:
    """A family of exercises, drawn endlessly and reproducibly from ``(seed, form)``.

    ``make(rng, form, seed)`` draws parameters from ``rng`` and returns the Variant, its
    answer computed by running code. ``difficulty`` is 1 (easy) to 3 (hard); ``summary`` is
    the one line `cardgen list` shows: what the family drills. Each family module declares
    exactly one, as ``FAMILY = Family(...)`` (see :mod:`exercises.registry`).
    """

    id: str
    title: str
    make: Callable[[random.Random, str, int], Variant]
    forms: tuple[str, ...]
    difficulty: int = 1
    summary: str = ""
    code_spec: CodeSpec | None = None

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    def variant(self, seed: int = 0, form: str | None = None) -> Variant:
        """The variant for ``seed`` and ``form`` (the family's first form by default)."""
        form = form or self.forms[0]
        if form not in self.forms:
            raise ValueError(
                f"{self.id} has no form {form!r}; its forms are: {', '.join(self.forms)}"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
        rng = random.Random(f"{self.id}/{form}/{seed}")
        v = self.make(rng, form, seed)
        if (v.family, v.form, v.seed) != (self.id, form, seed):
            raise AssertionError(f"{self.id}.make returned a variant of {v.key}")
        return v
