"""Read off a trained model which features it represents (or drops).

Features are ordered by importance (feature 0 matters most). Each setting of the cached
grid run (see ``_trained``) is trained several times from different random starts; when
every run keeps the same features the card asks what the model keeps at that setting,
otherwise it asks about the run in the picture ("in this run …") and the explanation
says what the other runs kept: near the transition a less important feature can win a
place over a more important one, depending on the start. Answers come from
``superpos_core.represented`` on the learned W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import SetCheck
from exercises.superposition import _trained as T
from exercises.superposition._common import variant

ID = "superposition.trained_which"
QUANTITIES = {
    "represented": lambda s: s.represented,
    "dropped": lambda s: tuple(i for i in range(T.N_FEATURES) if i not in s.represented),
}


def _text(ids) -> str:
    return ", ".join(map(str, ids)) or "none"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    q = T.pick(T.questions(QUANTITIES), seed, ID)
    run = T.trained_run()
    k = rng.choice(q.runs)
    setting = T.grid()[q.setting]
    which = list(q.answer)
    kept = list(T.summaries(run)[k].represented)
    dropped = [i for i in range(T.N_FEATURES) if i not in kept]
    check = SetCheck(frozenset(which))
    n = len(which)
    top = list(range(len(kept)))
    if q.quantity == "represented":
        ask = (f"which features are represented (\\(\\|W_i\\| > {T.THRESHOLD:g}\\))? "
               "List their indices.")
        mistakes = [
            ("listed the dropped features instead", _text(dropped)),
            ("assumed the most important ones survive", _text(top)),
            ("one feature per hidden dimension", _text(range(T.N_HIDDEN))),
            ("every feature", _text(range(T.N_FEATURES))),
        ]
    else:
        ask = (f"which features are dropped (\\(\\|W_i\\| \\le {T.THRESHOLD:g}\\))? "
               "List their indices, or write none.")
        mistakes = [
            ("listed the represented features instead", _text(kept)),
            ("assumed the least important ones drop", _text(range(len(kept), T.N_FEATURES))),
            ("all but one feature per hidden dimension", _text(range(T.N_HIDDEN, T.N_FEATURES))),
        ]
    mistakes = [(w, r) for w, r in mistakes if r != check.expected_text]
    prefix = kept == top
    if q.scope == "all":
        lead = (f"A TMS model with {T.N_FEATURES} features (feature 0 the most important) and {T.N_HIDDEN} hidden "
                f"dimensions was trained with {T.describe(q.setting)}, {T.runs_text()}. The picture shows the "
                "learned directions \\(W_i\\) of one of the runs. At this setting, ")
        if len(kept) == T.N_FEATURES:
            context = (f"{T.agreement_text(q.agree)} The run shown keeps every feature: the features are "
                       "sparse enough for all "
                       f"{T.N_FEATURES} to share the 2 dimensions.")
        else:
            context = (f"{T.agreement_text(q.agree)} The run shown keeps features {_text(kept)}"
                       + (": the most important ones. Importance decides who gets space first; sparsity decides "
                          "how many fit." if prefix else
                          ", which are not simply the most important ones: here the geometry of what fits "
                          "together decides, not importance alone."))
    else:
        lead = (f"A TMS model with {T.N_FEATURES} features (feature 0 the most important) and {T.N_HIDDEN} hidden "
                f"dimensions was trained with {T.describe(q.setting)}; the picture shows the learned directions "
                "\\(W_i\\) of one training run. In this run, ")
        other_sets = sorted({tuple(o) for o in q.others} - {tuple(q.answer)})
        if other_sets:
            kept_sets = [kept] + [list(o) if q.quantity == "represented" else
                                  [i for i in range(T.N_FEATURES) if i not in o] for o in other_sets]
            ordered = all(ks == list(range(len(ks))) for ks in kept_sets)
            context = (f"In this run features {_text(kept)} are kept. Other runs of this setting "
                       f"{'keep' if q.quantity == 'represented' else 'drop'} "
                       + " or ".join("{" + _text(o) + "}" for o in other_sets)
                       + (": every run keeps the most important features, but how many fit depends on the "
                          "random start (a local minimum)." if ordered else
                          ": near the transition, which features win a place depends on the random start "
                          "(a local minimum), not on importance alone."))
        else:
            context = f"In this run features {_text(kept)} are kept; the other runs of this setting agree."
    explanation = context + " " + T.norms_text(T.summaries(run)[k])
    return variant(
        ID, form, seed,
        params={"instance": k, "setting": q.setting, **setting, "quantity": q.quantity, "scope": q.scope,
                "training": T.run_key()},
        prompt=lead + ask,
        answer=which,
        check=check,
        answer_text=check.expected_text,
        image=T.geometry_picture(run, k),
        explanation=explanation,
        hints=(
            "Look for the long arrows and read their labels; short stubs near the origin are not represented.",
            "Sparser features interfere less often, so more of them fit; which ones is up to training.",
            f"There {'is' if n == 1 else 'are'} {n} such feature{'s' if n != 1 else ''}.",
        ),
        wrong=[r for _, r in mistakes] + [_text(range(min(n + 1, T.N_FEATURES)))],
        right=["[" + ", ".join(map(str, which)) + "]", " ".join(map(str, reversed(which))) or "none",
               " and ".join(map(str, which)) or "[]"],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Trained model: which features?",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Name the features a trained 5→2 toy model represents or drops, reading its feature-geometry plot.",
)
