"""Read off a trained model which features it represents.

Features are ordered by importance (feature 0 matters most), so a dense instance keeps
the first ones; a sparse one keeps more, and local minima can keep a less important
feature over a more important one. The answer is ``superpos_core.represented`` on the
learned W of one instance of the cached grid run.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import SetCheck
from exercises.superposition import _trained as T
from exercises.superposition._common import variant

ID = "superposition.trained_which"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import superpos_core

    run, k = T.pick_instance(rng)
    W = T.instance_W(run, k)
    mask = [bool(v) for v in superpos_core.represented(W, threshold=T.THRESHOLD)[0]]
    which = sorted(i for i, m in enumerate(mask) if m)
    absent = sorted(set(range(T.N_FEATURES)) - set(which))
    setting = T.grid()[k]
    check = SetCheck(frozenset(which))
    n = len(which)
    wrong = [
        ", ".join(map(str, range(T.N_FEATURES))),  # all of them
        ", ".join(map(str, absent)),  # the complement
        ", ".join(map(str, range(min(n + 1, T.N_FEATURES)))),  # one too many
        ", ".join(map(str, range(max(1, n - 1)))),  # one too few
        ", ".join(map(str, range(T.N_FEATURES - n, T.N_FEATURES))),  # the least important
    ]
    return variant(
        ID, form, seed,
        params={"instance": k, **setting, "training": T.run_key()},
        prompt=(
            f"A TMS model with {T.N_FEATURES} features (feature 0 the most important) and {T.N_HIDDEN} hidden "
            f"dimensions was trained with {T.describe(k)}. The picture shows the learned directions \\(W_i\\). "
            f"Which features are represented (\\(\\|W_i\\| > {T.THRESHOLD:g}\\))? List their indices."
        ),
        answer=which,
        check=check,
        answer_text=check.expected_text,
        image=T.geometry_picture(run, k),
        explanation=(
            f"Features {check.expected_text} have long arrows"
            + (f"; {', '.join(map(str, absent))} collapsed to the origin." if absent else "; none collapsed.")
            + " Importance decides who gets space first; sparsity decides how many fit."
        ),
        hints=(
            "Look for the long arrows and read their labels; short stubs near the origin are not represented.",
            "More important features (lower index) usually win a place, but training can settle in a local minimum.",
            f"There are {n} represented features.",
        ),
        wrong=wrong,
        right=["[" + ", ".join(map(str, which)) + "]", " ".join(map(str, reversed(which))) or "none",
               " and ".join(map(str, which)) or "[]"],
    )


FAMILY = Family(
    id=ID,
    title="Trained model: which features?",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Name the features a trained 5→2 toy model represents, reading its feature-geometry plot.",
    tags=("tms", "trained"),
)
