"""Cross-entropy from logits: log-softmax, pick the label's entry with an index pair, average.

The card shows logits that are logs of small counts, so ``-log(c[y] / sum c)`` follows by hand
(``log(8/3)`` may be typed as such). Misreadings (sum for mean, the normalisation forgotten, the
sign dropped, the label's column taken for every row) run too and must give another answer. The
code exercise is a stable ``cross_entropy(logits, labels)``, ARENA's and every training loop's.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import Precision
from exercises.tensors._common import Structure, generator, value_variant
from exercises.tensors._task import Case, with_task

ID = "tensors.cross_entropy"


def _draw(rng):
    n = rng.randint(1, 3)
    k = rng.randint(3, 4)
    return {"c": [[rng.randint(1, 5) for _ in range(k)] for _ in range(n)], "y": [rng.randrange(k) for _ in range(n)]}


SETUP = ("x = c.log()  # logits [batch, classes]",)
PICK = "x.log_softmax(-1)[torch.arange(len(y)), y]"
F_CE = "torch.nn.functional.cross_entropy"

STRUCTURES = (
    Structure(f"{F_CE}(x, y)", _draw, (
        ("summed over the batch", f"{F_CE}(x, y, reduction='sum')"),
        ("forgot the normalisation (logsumexp)", "-x[torch.arange(len(y)), y].mean()"),
        ("took the probability, not its log", "-x.softmax(-1)[torch.arange(len(y)), y].mean()"),
    ), setup=SETUP),
    Structure(f"{F_CE}(x, y, reduction='sum')", _draw, (
        ("averaged over the batch", f"{F_CE}(x, y)"),
        ("forgot the normalisation (logsumexp)", "-x[torch.arange(len(y)), y].sum()"),
    ), setup=SETUP),
    Structure(f"-{PICK}", _draw, (
        ("dropped the minus sign", PICK),
        ("took the whole label columns", "-x.log_softmax(-1)[:, y].mean(0)"),
        ("forgot the normalisation", "-x[torch.arange(len(y)), y]"),
    ), setup=SETUP),
    Structure("x.logsumexp(-1) - x[torch.arange(len(y)), y]", _draw, (
        ("subtracted the other way", "x[torch.arange(len(y)), y] - x.logsumexp(-1)"),
        ("took the max instead of logsumexp", "x.max(-1).values - x[torch.arange(len(y)), y]"),
    ), setup=SETUP),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a number or a list; `log(8/3)` is read as its value.",
        precision=Precision.decimals(3),
        hints=(
            "With x = c.log(), softmax(x) = c / c.sum(-1): the label's probability is c[y] / sum(c).",
            "Cross-entropy is -log p(label) per row, then the mean over the batch (or the sum, if asked).",
        ),
        explain=lambda s, a: "Each row's loss is log(sum c) - log(c[label]) = -log(c[label] / sum c); then reduce over the batch.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(logits, labels):
    import torch

    return torch.nn.functional.cross_entropy(logits, labels)


def summed(logits, labels):
    import torch

    return torch.nn.functional.cross_entropy(logits, labels, reduction="sum")


def no_logsumexp(logits, labels):
    import torch

    return -logits[torch.arange(len(labels)), labels].mean()


def naive(logits, labels):
    import torch

    return -(logits.exp() / logits.exp().sum(-1, keepdim=True)).log()[torch.arange(len(labels)), labels].mean()


def label_columns(logits, labels):
    return -logits.log_softmax(-1)[:, labels].mean()


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(1, 6)
    k = rng.randint(2, 6)
    logits = torch.randn(n, k, generator=g) * 2
    if case % 3 == 1:
        logits = logits * 300  # exp overflows unless the max is subtracted (logsumexp)
    return {"logits": logits, "labels": torch.randint(0, k, (n,), generator=g)}


CODE = CodeSpec(
    function="cross_entropy",
    signature="def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The mean cross-entropy of logits ([batch, classes]) against integer labels ([batch]):\n"
        "mean over rows of -log softmax(logits[i])[labels[i]], computed stably (logits may be in the\n"
        "hundreds). Returns a 0-d tensor. One line; no F.cross_entropy / F.nll_loss."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("summed", summed, "Average over the batch (mean), not the sum."),
        Mistake("no_logsumexp", no_logsumexp, "Normalise first: -log softmax = logsumexp(row) - logit[label], not -logit[label]."),
        Mistake("naive", naive, "exp overflows for large logits: use log_softmax / logsumexp (they subtract the max)."),
        Mistake("label_columns", label_columns, "x[:, labels] takes whole columns ([batch, batch]): pair the rows, x[torch.arange(batch), labels]."),
    ),
    rules=("one_line", "no_loops"),
    n_cases=20,
)


# ------------------------------------------------------------------ the task form

_EX = "`x` holds scores: one row per example, one column per class; `y` holds each example's correct class."
_CL = "`x` holds scores: one row per class, one column per example; `y` holds each example's correct class."
_SEQ = ("`x` holds scores: one block per sequence, in it one row per position and one column per vocabulary token; "
        "`y` holds the correct token at each position of each sequence.")
_LOSS = ("the negative natural log of the probability given to the correct class (probabilities proportional to "
         "the exponentials of the scores)")
_TOKLOSS = ("the negative natural log of the probability given to the correct token (probabilities over the "
            "vocabulary, proportional to the exponentials of the scores)")
_AR = "torch.arange(x.shape[0])"
_AC = "torch.arange(x.shape[1])"


def _mat(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = (), rows: str = "r") -> Case:
    return Case(story, (("x", "rc", "float"), ("y", "r" if rows == "r" else "c", "index:" + ("c" if rows == "r" else "r"))),
                solutions, mistakes)


def _seq(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "btv", "float"), ("y", "bt", "index:v")), solutions, mistakes)


TASK_CASES = (
    _mat(f"{_EX} The average over the examples of {_LOSS}.",
         ("F.cross_entropy(x, y)", f"-x.log_softmax(1)[{_AR}, y].mean()", "(x.logsumexp(1) - x.gather(1, y[:, None])[:, 0]).mean()"),
         (("added up instead of averaging", "F.cross_entropy(x, y, reduction='sum')"),
          ("took the scores, not the log-probabilities", f"-x[{_AR}, y].mean()"))),
    _mat(f"{_EX} The total over the examples of {_LOSS}.",
         ("F.cross_entropy(x, y, reduction='sum')", "-x.log_softmax(1).gather(1, y[:, None]).sum()",
          f"(x.logsumexp(1) - x[{_AR}, y]).sum()"),
         (("averaged instead of adding up", "F.cross_entropy(x, y)"),)),
    _mat(f"{_EX} For each example, {_LOSS}.",
         ("F.cross_entropy(x, y, reduction='none')", f"x.logsumexp(1) - x[{_AR}, y]", "-x.log_softmax(1).gather(1, y[:, None])[:, 0]"),
         (("took the probability, not its negative log", f"x.softmax(1)[{_AR}, y]"),)),
    _mat(f"{_CL} The average over the examples of {_LOSS}.",
         ("F.cross_entropy(x.T, y)", f"-x.log_softmax(0)[y, {_AC}].mean()", f"(x.logsumexp(0) - x[y, {_AC}]).mean()"),
         (("normalised over the examples", f"-x.log_softmax(1)[y, {_AC}].mean()"),), rows="c"),
    _mat(f"{_CL} For each example, {_LOSS}.",
         ("F.cross_entropy(x.T, y, reduction='none')", f"x.logsumexp(0) - x[y, {_AC}]", "-x.log_softmax(0).gather(0, y[None, :])[0]"),
         (("normalised over the examples", f"-x.log_softmax(1)[y, {_AC}]"),), rows="c"),
    _mat(f"{_EX} For each example, the probability given to its correct class (probabilities proportional to the "
         "exponentials of the scores).",
         (f"x.softmax(1)[{_AR}, y]", "x.softmax(1).gather(1, y[:, None])[:, 0]", "(-F.cross_entropy(x, y, reduction='none')).exp()"),
         (("took the score itself", f"x[{_AR}, y]"),)),
    _mat(f"{_EX} The average over the examples of the probability given to the correct class (probabilities "
         "proportional to the exponentials of the scores).",
         ("x.softmax(1).gather(1, y[:, None]).mean()", f"x.softmax(1)[{_AR}, y].mean()",
          "(-F.cross_entropy(x, y, reduction='none')).exp().mean()"),
         (("averaged the log-probabilities", "-F.cross_entropy(x, y)"),)),
    _mat(f"{_EX} The exponential of the average over the examples of {_LOSS} (the perplexity).",
         ("F.cross_entropy(x, y).exp()", f"(x.logsumexp(1) - x[{_AR}, y]).mean().exp()"),
         (("left out the exponential", "F.cross_entropy(x, y)"),)),
    _mat(f"{_EX} For each example, the natural log of the probability given to its correct class (probabilities "
         "proportional to the exponentials of the scores).",
         ("x.log_softmax(1).gather(1, y[:, None])[:, 0]", "-F.cross_entropy(x, y, reduction='none')",
          f"x[{_AR}, y] - x.logsumexp(1)"),
         (("negated it", "F.cross_entropy(x, y, reduction='none')"),)),
    _seq(f"{_SEQ} The average, over every position of every sequence, of {_TOKLOSS}.",
         ("F.cross_entropy(x.flatten(0, 1), y.flatten())", "F.cross_entropy(x.transpose(1, 2), y)",
          "-x.log_softmax(-1).gather(2, y[..., None]).mean()"),
         (("normalised over the positions", "-x.log_softmax(1).gather(2, y[..., None]).mean()"),)),
    _seq(f"{_SEQ} For each sequence the total over its positions of {_TOKLOSS}; then the average of those totals "
         "over the sequences.",
         ("F.cross_entropy(x.transpose(1, 2), y, reduction='none').sum(1).mean()",
          "-x.log_softmax(-1).gather(2, y[..., None]).sum() / x.shape[0]",
          "F.cross_entropy(x.flatten(0, 1), y.flatten(), reduction='sum') / x.shape[0]"),
         (("averaged over positions too", "F.cross_entropy(x.transpose(1, 2), y)"),)),
    _seq(f"{_SEQ} The total, over every position of every sequence, of {_TOKLOSS}.",
         ("F.cross_entropy(x.flatten(0, 1), y.flatten(), reduction='sum')", "-x.log_softmax(2).gather(2, y[:, :, None]).sum()",
          "F.cross_entropy(x.transpose(1, 2), y, reduction='sum')"),
         (("averaged instead of adding up", "F.cross_entropy(x.flatten(0, 1), y.flatten())"),)),
)

TASK_HINTS = ("Which axis holds the classes the probabilities are over, and which entry of it is the correct one?",
              "Does the result keep one number per example, or combine them (total or average)?")


FAMILY = Family(
    id=ID,
    title="Cross-entropy",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=2,
    summary="Compute the cross-entropy of log-count logits by hand (mean, sum, via logsumexp); write a stable cross_entropy in one line.",
    code_spec=CODE,
)
