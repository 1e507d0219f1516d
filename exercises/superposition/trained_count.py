"""Read off a trained model how many features it represents (or drops) at a given setting.

Each setting of the cached grid run (see ``_trained``) is trained several times from
different random starts. When every run gives the same count the card asks what the
model does at that setting; otherwise it asks about the run in the picture ("in this
run …") and the explanation names what the other runs did. Dense settings keep only
their most important features, sparse ones squeeze more into the 2-d hidden space. The
answer is ``superpos_core.represented`` on the learned W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.superposition import _trained as T
from exercises.superposition._common import variant

ID = "superposition.trained_count"
QUANTITIES = {
    "represented": lambda s: len(s.represented),
    "dropped": lambda s: T.N_FEATURES - len(s.represented),
}


def make(rng: random.Random, form: str, seed: int) -> Variant:
    q = T.pick(T.questions(QUANTITIES), seed, ID)
    run = T.trained_run()
    k = rng.choice(q.runs)
    setting = T.grid()[q.setting]
    count = int(q.answer)
    shown = T.summaries(run)[k]
    kept = len(shown.represented)
    check = NumberCheck(count, precision=Precision.exact())
    if q.quantity == "represented":
        ask = f"how many features does it represent, i.e. have \\(\\|W_i\\| > {T.THRESHOLD:g}\\)?"
        mistakes = [
            ("counted the dropped features instead", str(T.N_FEATURES - count)),
            ("one feature per hidden dimension", str(T.N_HIDDEN)),
            ("every feature", str(T.N_FEATURES)),
        ]
    else:
        ask = (f"how many of its {T.N_FEATURES} features does it drop, i.e. have "
               f"\\(\\|W_i\\| \\le {T.THRESHOLD:g}\\)?")
        mistakes = [
            ("counted the represented features instead", str(T.N_FEATURES - count)),
            ("all but one feature per hidden dimension", str(T.N_FEATURES - T.N_HIDDEN)),
        ]
    mistakes = [(w, r) for w, r in mistakes if r != str(count)]
    if q.scope == "all":
        lead = (f"A TMS model with {T.N_FEATURES} features and {T.N_HIDDEN} hidden dimensions was trained with "
                f"{T.describe(q.setting)}, {T.runs_text()}. The picture shows each feature's learned direction "
                f"\\(W_i\\) in one of the runs. At this setting, ")
        agree = T.agreement_text(q.agree) + " "
    else:
        lead = (f"A TMS model with {T.N_FEATURES} features and {T.N_HIDDEN} hidden dimensions was trained with "
                f"{T.describe(q.setting)}; the picture shows each feature's learned direction \\(W_i\\) in one "
                "training run. In this run, ")
        others = sorted({int(o) for o in q.others})
        agree = ("The other runs of this setting give the same count. " if others == [count] else
                 f"Other runs of this setting give {', '.join(map(str, others))}: near this sparsity the count "
                 "depends on the random start. ")
    why = ("Sparser features interfere less often, so the model can afford to pack more of them in."
           if kept > T.N_HIDDEN else
           "With dense features, interference costs too much, so only the most important get a dimension.")
    explanation = (
        agree + T.norms_text(shown) + " "
        + (f"So it drops {T.N_FEATURES - kept}. " if q.quantity == "dropped" else "")
        + why
    )
    return variant(
        ID, form, seed,
        params={"instance": k, "setting": q.setting, **setting, "quantity": q.quantity, "scope": q.scope,
                "training": T.run_key()},
        prompt=lead + ask,
        answer=count,
        check=check,
        image=T.geometry_picture(run, k),
        explanation=explanation,
        hints=(
            "A represented feature is a long arrow; a dropped one has collapsed to (nearly) the origin.",
            f"Count the arrows longer than {T.THRESHOLD:g}; two hidden dimensions hold 2 features without "
            "interference, more only in superposition.",
            f"At feature probability {setting['feature_probability']:g} features are "
            + ("dense" if setting["feature_probability"] >= 0.5 else "sparse")
            + ": the sparser they are, the more fit into 2 dimensions.",
        ),
        wrong=[r for _, r in mistakes] + [str(count + 1), str(abs(count - 1))],
        right=[f"{count}.0", f" {count} "],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Trained model: how many features?",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Count the features a trained 5→2 toy model represents (or drops) at a given sparsity and importance.",
)
