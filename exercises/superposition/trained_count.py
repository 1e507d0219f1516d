"""Read off a trained model how many features it represents at a given sparsity.

The model is one instance of the cached grid run (see ``_trained``): dense instances keep
only their most important features, sparse ones squeeze more into the 2-d hidden space.
The answer is ``superpos_core.n_represented`` on the instance's learned W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck
from exercises.superposition import _trained as T
from exercises.superposition._common import variant

ID = "superposition.trained_count"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import superpos_core

    run, k = T.pick_instance(rng)
    W = T.instance_W(run, k)
    count = int(superpos_core.n_represented(W)[0])
    setting = T.grid()[k]
    check = NumberCheck(count, atol=1e-9, rtol=0)
    wrong = [str(T.N_FEATURES), str(T.N_HIDDEN), str(count + 1), str(count - 1)]
    return variant(
        ID, form, seed,
        params={"instance": k, **setting, "training": T.run_key()},
        prompt=(
            f"A TMS model with {T.N_FEATURES} features and {T.N_HIDDEN} hidden dimensions was trained with "
            f"{T.describe(k)}. The picture shows each feature's learned direction \\(W_i\\) in the hidden plane. "
            f"How many features does it represent, i.e. have \\(\\|W_i\\| > {T.THRESHOLD:g}\\)?"
        ),
        answer=count,
        check=check,
        image=T.geometry_picture(run, k),
        explanation=(
            f"{count} arrows are long (norm near 1 or more)"
            + ("; the rest have shrunk to almost nothing. " if count < T.N_FEATURES else ", none collapsed. ")
            + ("Sparser features interfere less often, so the model can afford to pack more of them in."
               if count > T.N_HIDDEN else
               "With dense features, interference costs too much, so only the most important get a dimension.")
        ),
        hints=(
            "A represented feature is a long arrow; an ignored one has collapsed to (nearly) the origin.",
            f"Count the arrows longer than {T.THRESHOLD:g}; two hidden dimensions hold 2 features without "
            "interference, more only in superposition.",
            f"At feature probability {setting['feature_probability']:g}, "
            + ("features are dense: expect only the top ones." if setting["feature_probability"] >= 0.5
               else "features are sparse: expect more than 2."),
        ),
        wrong=wrong,
        right=[f"{count}.0", f" {count} "],
    )


FAMILY = Family(
    id=ID,
    title="Trained model: how many features?",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Count the features a trained 5→2 toy model represents at a given sparsity and importance.",
    tags=("tms", "trained"),
)
