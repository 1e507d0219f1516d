"""The paper's first result, on a trained run: a linear model keeps only its most important
features, one dimension each; a ReLU-output model superposes more as features get sparser.

One cached run (``_runs``) trains 5 features in 2 hidden dimensions with both models at the
same settings: feature probability p per row, and importances 0.7^rank with the ranks
permuted per column (so *which* features are most important differs from card to card),
3 training seeds each. The picture shows one ReLU run's feature directions; a card asks which
features the linear model represents (the learner must know it keeps the top n_hidden by
importance, whatever p), or which / how many features the ReLU model represents. Only
settings the asked model decides are asked (``_decide``: 9 of 10 seeds and every seed of the
check run, each with every norm clear of the 0.5 threshold by 0.1).
"""
from __future__ import annotations

import functools
import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision, SetCheck
from exercises.superposition import _decide as D
from exercises.superposition import _runs as R
from exercises.superposition import _trained as T
from exercises.superposition._common import fmt, png_image, variant

ID = "superposition.linear_vs_relu"
THRESHOLD = 0.5
NORM_MARGIN = 0.1
QUANTITIES = ("linear which", "relu which", "relu count")


def _sweeps():
    sw = R.sweeps("linear_vs_relu")
    return sw["linear"], sw["relu"]


def represented(W_instance) -> tuple[int, ...]:
    import numpy as np

    return tuple(int(i) for i in np.nonzero(np.linalg.norm(np.asarray(W_instance, dtype=float), axis=-1) > THRESHOLD)[0])


def clear(W_cell) -> bool:
    """Every seed's every feature norm at least NORM_MARGIN from the threshold."""
    import numpy as np

    return bool(np.all(np.abs(np.linalg.norm(np.asarray(W_cell, dtype=float), axis=-1) - THRESHOLD) >= NORM_MARGIN))


def seed_answer(quantity: str, W_instance):
    """One run's answer (None when one of its norms is within NORM_MARGIN of the threshold)."""
    if not clear([W_instance]):
        return None
    s = represented(W_instance)
    return len(s) if quantity == "relu count" else s


def answer(quantity: str, W_cell, W_check):
    """The answer the setting decides (``_decide.decide``: 9 of 10 main seeds and every check
    seed, each clear of the threshold), else None."""
    return D.decide([seed_answer(quantity, w) for w in W_cell], [seed_answer(quantity, w) for w in W_check])


def model_of(quantity: str) -> str:
    return "linear" if quantity.startswith("linear") else "relu"


@functools.cache
def _questions(key: str) -> tuple:
    lin, relu = _sweeps()
    check = R.check_sweeps("linear_vs_relu")
    rows, cols = len(lin.row_values), len(lin.col_values)
    out = []
    for r in range(rows):
        for c in range(cols):
            # the picture shows a clear ReLU run: one giving the answer when the ReLU model is asked
            clear_relu = tuple(k for k, w in enumerate(relu.W[r][c]) if seed_answer("relu which", w) is not None)
            for q in QUANTITIES:
                m = model_of(q)
                a = answer(q, _sweeps()[m == "relu"].W[r][c], check[m].W[r][c])
                if a is None or (q == "linear which" and a != _top(lin.importance[r][c], lin.n_hidden)):
                    continue  # the explanation is the paper's (top n_hidden by importance): ask only where it holds
                agree = D.agreeing([seed_answer(q, w) for w in _sweeps()[m == "relu"].W[r][c]], a)
                runs = agree if m == "relu" else clear_relu
                if runs:
                    out.append(T.Question(r * cols + c, q, "all", a, repr(a), runs, agree=len(agree)))
    return tuple(out)


def questions() -> list:
    return list(_questions(R.run_key("linear_vs_relu")))


def importances(r: int, c: int) -> list[float]:
    return list(_sweeps()[0].importance[r][c])


def _top(imp: list[float], k: int) -> tuple[int, ...]:
    return tuple(sorted(sorted(range(len(imp)), key=lambda i: -imp[i])[:k]))


def _set_text(s) -> str:
    return ", ".join(map(str, sorted(s))) or "none"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np

    from superpos_core.plots import feature_geometry_png

    q = T.pick(questions(), seed, ID)
    lin, relu = _sweeps()
    cols = len(lin.col_values)
    r, c = divmod(q.setting, cols)
    p = lin.row_values[r]
    imp = importances(r, c)
    F, H = lin.n_features, lin.n_hidden
    k = rng.choice(q.runs)
    relu_set = represented(relu.W[r][c][k])  # the ReLU run shown (it gives the answer when ReLU is asked)
    top = _top(imp, H)
    imp_text = ", ".join(f"feature {i}: {fmt(v, 3)}" for i, v in enumerate(imp))
    lead = (f"Two toy models, {F} features in {H} hidden dimensions, were trained at one setting — "
            f"feature probability p = {fmt(p, 3)}, importances {imp_text} — each {R.runs_text()}: the "
            "linear model \\(W^T W x + b\\) and the ReLU-output model \\(\\mathrm{ReLU}(W^T W x + b)\\). "
            f"The picture shows the feature directions \\(W_i\\) of one ReLU run. {q.agree} of {R.SEEDS} runs of the "
            f"model asked about agree. Count feature i as represented when \\(\\|W_i\\| > {THRESHOLD:g}\\). ")
    if q.quantity == "relu count":
        n = int(q.answer)
        check = NumberCheck(n, precision=Precision.exact())
        ask = "How many features does the ReLU model represent?"
        mistakes = [("one feature per hidden dimension, as the linear model", str(H)),
                    ("every feature", str(F)), ("counted the dropped features", str(F - n))]
        wrong = [str(x) for x in range(1, F + 1) if x != n]
        answer_value, right = n, []
    else:
        s = q.answer
        check = SetCheck(frozenset(s))
        model = "linear" if q.quantity == "linear which" else "ReLU"
        ask = f"Which features does the {model} model represent? Write their indices separated by commas."
        mistakes = [("the first features by index", _set_text(range(len(s)))),
                    ("every feature", _set_text(range(F))),
                    ("the least important features", _set_text(_top([-v for v in imp], len(s))))]
        if model == "linear":
            mistakes.insert(0, ("read the ReLU model's picture for the linear model", _set_text(relu_set)))
        else:
            mistakes.insert(0, ("assumed the ReLU model keeps only the top features, like the linear one", _set_text(top)))
        wrong = [_set_text(top), _set_text(relu_set), _set_text(range(F)), _set_text(range(H))]
        answer_value, right = sorted(s), [f"[{_set_text(s)}]", " ".join(map(str, sorted(s)))]
    mistakes = [(w, m) for w, m in mistakes if not check.check(m).correct]
    sparse = len(relu_set) > H
    why = (f"The linear model can only do PCA-like compression: with {H} dimensions it keeps the {H} most "
           f"important features ({_set_text(top)}), each in its own direction, and drops the rest whatever "
           "the sparsity — any superposition would cost it interference it cannot filter out. ")
    why += (f"The ReLU model represents {len(relu_set)} ({_set_text(relu_set)}) in the run shown: "
            + ("at this sparsity features are rarely active together, so the ReLU (with a negative bias) can "
               "filter the interference of superposed features, and it squeezes more features than dimensions."
               if sparse else
               "at this density features are often active together, so superposing them would interfere too "
               "often: it keeps the most important ones, like the linear model."))
    norms = np.linalg.norm(np.asarray(relu.W[r][c][k], dtype=float), axis=-1)
    why += " Norms in the run shown: " + ", ".join(f"{fmt(v, 2)}" for v in norms) + ". " + D.agreement_text(q.agree)
    image = png_image("tms-geometry", feature_geometry_png(relu.instance(r, c, k)))
    return variant(
        ID, form, seed,
        params={"setting": [r, c], "feature_probability": p, "importance": imp, "quantity": q.quantity,
                "instance": k, "training": R.run_key("linear_vs_relu")},
        prompt=lead + ask,
        answer=answer_value,
        check=check,
        explanation=why,
        hints=(
            "A linear model has no way to filter interference: it behaves like PCA.",
            "The ReLU model superposes only when features are sparse; read the long arrows in the picture.",
            f"The {H} most important features are {_set_text(top)}.",
        ),
        wrong=wrong,
        right=right,
        mistakes=mistakes,
        image=image,
    )


FAMILY = Family(
    id=ID,
    title="Trained linear vs ReLU model: which features survive",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="The same setting trained with a linear and a ReLU-output model: which and how many features each represents, and why.",
)
