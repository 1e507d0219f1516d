"""When a trained setting *decides* a claim, so that a card may ask it of the setting.

Three runs agreeing is not enough: retrained with new seeds, a setting near a transition
answers otherwise (issue 20). A claim about a setting is asked only when

* at least :data:`AGREE` of the :data:`SEEDS` training seeds of the main run give the same
  answer, each one clear of its deciding threshold by the family's stated margin (a seed
  whose norm, cosine or L0 lies inside the margin counts as *not* agreeing), and
* every one of the :data:`CHECK_SEEDS` seeds of the *check run* gives it too, with the same
  margin. The check run trains the same settings with :data:`CHECK_STEPS` times the steps
  at ``n_batch // CHECK_BATCH_DIVISOR`` (another batch size, the same number of samples):
  an answer that only holds at one budget is a training artefact, not the setting's.

Both runs are batched (every setting x seed is an instance of one model) and cached like
every trained run. :func:`decide` is the one rule every trained family uses.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Hashable, Sequence

SEEDS = 10  # training seeds of the main run (instances of one batched run)
AGREE = 9  # of SEEDS must give the answer
CHECK_SEEDS = 3  # seeds of the check run, all of which must give it
CHECK_STEPS = 2  # the check run trains this many times the steps ...
CHECK_BATCH_DIVISOR = 2  # ... at this fraction of the batch size
CHECK_SEED = 1  # the check run's random seed (the main runs use 0)
FRESH_SEED = 1000  # first run seed of the retraining checks: never used by a cached run


def check_budget(steps: int, n_batch: int) -> dict[str, int]:
    """The check run's training budget for a main run of ``steps`` at ``n_batch``."""
    return {"steps": steps * CHECK_STEPS, "n_batch": max(1, n_batch // CHECK_BATCH_DIVISOR)}


def decide(main: Sequence[Any], check: Sequence[Any], agree: int = AGREE) -> Any | None:
    """The answer the setting decides, or ``None``.

    ``main`` and ``check`` are the per-seed answers (``None`` where a seed is not clear of its
    margin); the answer is the main run's most common one when at least ``agree`` main seeds
    give it and every check seed does."""
    keyed = [repr(a) for a in main if a is not None]
    if not keyed:
        return None
    key, count = Counter(keyed).most_common(1)[0]
    if count < agree or any(c is None or repr(c) != key for c in check):
        return None
    return next(a for a in main if a is not None and repr(a) == key)


def agreeing(main: Sequence[Any], answer: Hashable) -> tuple[int, ...]:
    """The indices of the main seeds that give ``answer``."""
    return tuple(k for k, a in enumerate(main) if a is not None and repr(a) == repr(answer))


def agreement_text(n_agree: int, n_main: int = SEEDS, n_check: int = CHECK_SEEDS, independent: int = 0) -> str:
    """How the claim was decided, in words (card text); ``independent``: how many runs of the
    notebook's own training code agree too (the grid's claims)."""
    return (f"{n_agree} of {n_main} runs give this answer, and so do all {n_check} runs trained twice as long "
            "on half-size batches" + (f" and all {independent} runs of the notebook's own training code."
                                      if independent else "."))


def training_text(n_main: int = SEEDS) -> str:
    """How the runs were trained, in words (card text; :func:`agreement_text` goes in the explanation)."""
    return f"{n_main} times from different random starts"
