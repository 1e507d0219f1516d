"""Softmax, log-softmax and logsumexp, on logits that are logs of small counts.

The card shows ``x = c.log() + s`` for small positive integers ``c`` and a shift ``s``, so the
answer follows by hand from the definition (softmax ignores the shift; logsumexp carries it;
a temperature divides the logits first); ``log(8) + 2`` may be typed as such. Misreadings (the
other axis, the temperature forgotten, softmax of the counts, the shift dropped) run too and must
give another answer. The code exercise is a numerically stable softmax over the last axis.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import Precision
from exercises.tensors._common import Structure, generator, value_variant
from exercises.tensors._task import Case, with_task

ID = "tensors.softmax"


def _counts(rng, n):
    return [rng.randint(1, 6) for _ in range(n)]


def _vec(rng):
    return {"c": _counts(rng, rng.randint(3, 4)), "s": rng.choice([-2, -1, 1, 2, 3])}


def _mat(rng):
    R = 2
    C = 3
    return {"c": [_counts(rng, C) for _ in range(R)], "s": rng.choice([-1, 1, 2])}


LOGITS = ("x = c.log() + s",)
TEMP = ("x = 2 * c.log()",)

STRUCTURES = (
    Structure("x.softmax(-1)", _vec, (("took the softmax of the counts", "c.float().softmax(-1)"),
                                      ("normalised the logits", "x / x.sum()"),
                                      ("forgot to normalise", "x.exp()")), setup=LOGITS),
    Structure("x.softmax(0)", _mat, (("normalised each row", "x.softmax(1)"),
                                     ("normalised over everything", "x.exp() / x.exp().sum()")), setup=LOGITS),
    Structure("x.softmax(1)", _mat, (("normalised each column", "x.softmax(0)"),
                                     ("normalised over everything", "x.exp() / x.exp().sum()")), setup=LOGITS),
    Structure("(x / 2).softmax(-1)", _vec, (("forgot the temperature", "x.softmax(-1)"),
                                            ("multiplied by the temperature", "(x * 2).softmax(-1)")), setup=TEMP),
    Structure("x.logsumexp(-1)", _vec, (("dropped the shift", "c.float().sum().log()"),
                                        ("took the max", "x.max()"),
                                        ("took the log of the sum of logits", "x.sum().abs().log()")), setup=LOGITS),
    Structure("x.log_softmax(-1)", _vec, (("forgot the log", "x.softmax(-1)"),
                                          ("subtracted the max", "x - x.max()"),
                                          ("kept the shift", "x.log_softmax(-1) + s")), setup=LOGITS),
    Structure("x.logsumexp(1)", _mat, (("went down the columns", "x.logsumexp(0)"),
                                       ("dropped the shift", "c.float().sum(1).log()")), setup=LOGITS),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a number or a (nested) list; `log(8) + 2` is read as its value.",
        precision=Precision.decimals(3),
        hints=(
            "softmax(x)_k = exp(x_k) / sum_j exp(x_j); logsumexp(x) = log(sum_j exp(x_j)); log_softmax = x - logsumexp(x).",
            "exp(c.log() + s) = c * e^s: the shift cancels in softmax and adds s to logsumexp.",
        ),
        explain=lambda s, a: f"Exponentiate the logits (they are counts times e^s), then apply `{s.expr}`'s definition.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(x):
    return x.softmax(-1)


def naive(x):
    return x.exp() / x.exp().sum(-1, keepdim=True)


def first_axis(x):
    return x.softmax(0)


def no_keepdim(x):
    y = (x - x.amax(-1, keepdim=True)).exp()
    return y / y.sum(-1)


def over_everything(x):
    y = (x - x.max()).exp()
    return y / y.sum()


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(1, 5)
    k = n if case % 4 == 0 else rng.randint(2, 6)
    x = torch.randn(n, k, generator=g) * 3
    if case % 3 == 1:
        x = x * 200  # logits in the hundreds: exp overflows unless the max is subtracted
    if case % 5 == 2:
        x = torch.randn(rng.randint(2, 3), n, k, generator=g) * 2
    return {"x": x}


CODE = CodeSpec(
    function="softmax",
    signature="def softmax(x: torch.Tensor) -> torch.Tensor:",
    doc=(
        "Softmax over the last axis of x (any number of leading axes): exp(x) / sum of exp(x) along\n"
        "the last axis, computed stably (logits may be in the hundreds). Same shape as x. One line;\n"
        "no torch.softmax / F.softmax."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("naive", naive, "exp overflows for large logits (inf / inf = nan): subtract the row's max first; softmax does not change."),
        Mistake("first_axis", first_axis, "Normalise over the LAST axis (dim=-1): each row sums to 1."),
        Mistake("no_keepdim", no_keepdim, "The sum lost its axis, so it broadcast against the wrong one: use keepdim=True."),
        Mistake("over_everything", over_everything, "Normalise each row separately, not over the whole tensor."),
    ),
    rules=("one_line", "no_loops"),
    n_cases=20,
)


# ------------------------------------------------------------------ the task form

_EX = "`x` holds scores: one row per example, one column per class."
_CL = "`x` holds scores: one row per class, one column per example."
_SEQ = "`x` holds scores: one block per sequence, in it one row per position and one column per vocabulary token."
_PROBS = "probabilities proportional to the exponentials of the scores"


def _mat(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "float"),), solutions, mistakes)


def _seq(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "btv", "float"),), solutions, mistakes)


TASK_CASES = (
    _mat(f"{_EX} For each example, its {_PROBS} (they add up to 1 over the classes).",
         ("x.softmax(1)", "torch.softmax(x, dim=1)", "x.exp() / x.exp().sum(1, keepdim=True)"),
         (("normalised over the examples", "x.softmax(0)"), ("normalised over the whole table", "x.exp() / x.exp().sum()"))),
    _mat(f"{_CL} For each example, its {_PROBS} (they add up to 1 over the classes).",
         ("x.softmax(0)", "F.softmax(x, dim=0)", "x.exp() / x.exp().sum(0)"),
         (("normalised over the classes' rows", "x.softmax(1)"),)),
    _mat(f"{_EX} For each example, probabilities over the classes proportional to the exponentials of the scores "
         "divided by a temperature of 2.",
         ("(x / 2).softmax(1)", "torch.softmax(x / 2, dim=1)", "(x / 2).exp() / (x / 2).exp().sum(1, keepdim=True)"),
         (("forgot the temperature", "x.softmax(1)"), ("multiplied by the temperature", "(x * 2).softmax(1)"))),
    _mat(f"{_CL} For each example, probabilities over the classes proportional to the exponentials of the scores "
         "divided by a temperature of 3.",
         ("(x / 3).softmax(0)", "F.softmax(x / 3, dim=0)", "(x / 3).exp() / (x / 3).exp().sum(0)"),
         (("forgot the temperature", "x.softmax(0)"),)),
    _mat(f"{_EX} For each example, the natural log of each class's probability, the {_PROBS}.",
         ("x.log_softmax(1)", "x - x.logsumexp(1, keepdim=True)", "F.log_softmax(x, dim=1)"),
         (("took the probabilities themselves", "x.softmax(1)"), ("normalised over the examples", "x.log_softmax(0)"))),
    _mat(f"{_CL} For each example, the natural log of each class's probability, the {_PROBS}.",
         ("x.log_softmax(0)", "x - torch.logsumexp(x, dim=0)", "F.log_softmax(x, dim=0)"),
         (("normalised over the classes' rows", "x.log_softmax(1)"),)),
    _mat(f"{_EX} For each example, the natural log of the sum of the exponentials of its scores.",
         ("x.logsumexp(1)", "torch.logsumexp(x, dim=1)", "x.exp().sum(1).log()"),
         (("took the largest score only", "x.max(1).values"),)),
    _mat(f"{_CL} For each example, the natural log of the sum of the exponentials of its scores.",
         ("x.logsumexp(0)", "torch.logsumexp(x, dim=0)", "x.exp().sum(0).log()")),
    _mat(f"{_EX} For each example, the probability of its most likely class, the {_PROBS}.",
         ("x.softmax(1).max(1).values", "1 / (x - x.amax(1, keepdim=True)).exp().sum(1)", "torch.softmax(x, dim=1).amax(1)"),
         (("took the largest score", "x.max(1).values"),)),
    _mat(f"{_EX} For each example, the entropy (natural log) of its {_PROBS}.",
         ("-(x.softmax(1) * x.log_softmax(1)).sum(1)", "x.logsumexp(1) - (x.softmax(1) * x).sum(1)",
          "-(F.softmax(x, dim=1) * F.log_softmax(x, dim=1)).sum(1)"),
         (("left out the minus sign", "(x.softmax(1) * x.log_softmax(1)).sum(1)"),)),
    _mat("`x` holds scores. One distribution over all its entries at once, laid out like `x`: probabilities "
         "proportional to the exponentials of the scores, adding up to 1 over the whole table.",
         ("x.flatten().softmax(0).reshape(x.shape)", "x.exp() / x.exp().sum()", "torch.softmax(x.flatten(), dim=0).view(x.shape)"),
         (("normalised each row", "x.softmax(1)"),)),
    _seq(f"{_SEQ} For each sequence and position, the {_PROBS} over the vocabulary.",
         ("x.softmax(-1)", "torch.softmax(x, dim=2)", "x.exp() / x.exp().sum(-1, keepdim=True)"),
         (("normalised over the positions", "x.softmax(1)"),)),
    _seq(f"{_SEQ} For each sequence and vocabulary token, a distribution over the positions, proportional to the "
         "exponentials of the scores.",
         ("x.softmax(1)", "torch.softmax(x, dim=1)", "x.exp() / x.exp().sum(1, keepdim=True)"),
         (("normalised over the vocabulary", "x.softmax(-1)"),)),
    _seq(f"{_SEQ} For each sequence and position, the natural log of each token's probability, the {_PROBS} over "
         "the vocabulary.",
         ("x.log_softmax(-1)", "x - x.logsumexp(-1, keepdim=True)", "F.log_softmax(x, dim=2)"),
         (("took the probabilities themselves", "x.softmax(-1)"),)),
)

TASK_HINTS = ("Over which axis must the result's probabilities add up to 1?",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="Softmax and logsumexp",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=2,
    summary="Compute softmax, log-softmax and logsumexp of log-count logits by hand; write a stable softmax in one line.",
    code_spec=CODE,
)
