"""Read the paper's phase diagram off a trained run: what happens at a marked point.

"Superposition as a Phase Change": 2 features in 1 hidden dimension, feature 0 of
importance 1, feature 1 of relative importance r, both present with probability p = 1 - S.
Dense and r < 1: feature 1 is ignored; dense and r > 1: feature 1 gets the dimension;
sparse: both share it antipodally. The cached coarse grid (``_runs``, 10 training seeds per
cell) is shown with every other cell's trained phase and the asked cell, marked A, blank; the
card asks which phase the model is in there, or what W looks like there. Only cells the
setting decides (``_decide``: 9 of 10 seeds and every seed of the check run, each with both
norms clear of 0.5 by 0.1) and that lie inside a region (at least 2 of their grid neighbours
agree on the same phase, so no isolated cell away from the paper's picture is asked) become
questions.
"""
from __future__ import annotations

import functools
import random

from exercises.base import Family, Variant
from exercises.checking import ChoiceCheck
from exercises.superposition import _decide as D
from exercises.superposition import _runs as R
from exercises.superposition import _trained as T
from exercises.superposition._common import fmt, png_image, variant

ID = "superposition.phase_diagram"
PHASES = ("ignored", "dedicated", "superposed")
PHASE_OPTIONS = (
    "ignored: only feature 0 is represented",
    "dedicated: only feature 1 is represented",
    "superposed: both, in opposite directions",
    "neither is represented",
    "both, on the same side",
)
W_OPTIONS = ("[[w], [0]]", "[[0], [w]]", "[[w], [-v]]", "[[w], [v]]", "[[0], [0]]")  # w, v > 0 up to an overall sign
W_OF_PHASE = {"ignored": 0, "dedicated": 1, "superposed": 2}
NORM_MARGIN = 0.1  # every seed's ||W_i|| at least this far from the 0.5 threshold


def sweep():
    return R.sweeps("phase_diagram")["phase"]


def cell_of(setting: int) -> tuple[int, int]:
    return divmod(setting, len(sweep().col_values))


def seed_phase(W_instance) -> str | None:
    """One run's phase, or None when a feature norm is within NORM_MARGIN of the 0.5 threshold."""
    import numpy as np

    from superpos_core.sweep import classify_phase

    if np.any(np.abs(np.linalg.norm(np.asarray(W_instance, dtype=float), axis=-1) - 0.5) < NORM_MARGIN):
        return None
    return classify_phase(W_instance)


def decided_grid(sw, check) -> list[list[str | None]]:
    """The phase each cell decides (``_decide.decide``: 9 of 10 main seeds and every check seed,
    each clear of the threshold), else None."""
    return [[D.decide([seed_phase(w) for w in sw.W[r][c]], [seed_phase(w) for w in check.W[r][c]])
             for c in range(len(sw.col_values))] for r in range(len(sw.row_values))]


@functools.cache
def _questions(key: str) -> tuple:
    sw = sweep()
    grid = decided_grid(sw, R.check_sweeps("phase_diagram")["phase"])
    rows, cols = len(grid), len(grid[0])
    out = []
    for r in range(rows):
        for c in range(cols):
            p = grid[r][c]
            if p not in PHASES:
                continue
            near = [grid[r + dr][c + dc] for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                    if 0 <= r + dr < rows and 0 <= c + dc < cols]
            if sum(n == p for n in near) < 2:
                continue
            runs = D.agreeing([seed_phase(w) for w in sw.W[r][c]], p)
            for quantity in ("phase", "W"):
                out.append(T.Question(r * cols + c, quantity, "all", p, p, runs, agree=len(runs)))
    return tuple(out)


def questions() -> list:
    return list(_questions(R.run_key("phase_diagram")))


def _why(phase: str) -> str:
    return {
        "ignored": ("Feature 1 matters less than feature 0 (r < 1) and the features are dense enough that "
                    "sharing the one dimension would cost interference on most inputs, so the model keeps "
                    "feature 0 alone and drops feature 1: W ≈ [[w], [0]]."),
        "dedicated": ("Feature 1 matters more than feature 0 (r > 1) and the features are dense enough that "
                      "sharing the one dimension would cost interference on most inputs, so the model gives "
                      "the dimension to feature 1 and drops feature 0: W ≈ [[0], [w]]."),
        "superposed": ("The features are sparse: they are rarely active together, so the model stores both "
                       "in the one dimension with opposite signs, W ≈ [[w], [-v]]; the ReLU and a negative "
                       "bias remove the interference when only one of them is active."),
    }[phase]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np

    from superpos_core.plots import phase_diagram_png

    q = T.pick(questions(), seed, ID)
    sw = sweep()
    r, c = cell_of(q.setting)
    p, imp = sw.row_values[r], sw.col_values[c]
    phase = q.answer
    Ws = np.asarray(sw.W[r][c], dtype=float)[:, :, 0]  # [S, 2]
    runs = "; ".join(f"[[{fmt(a, 2)}], [{fmt(b, 2)}]]" for a, b in Ws)
    dense_pick = "A" if imp < 1 else "B"  # the more important feature keeps the dimension
    if q.quantity == "phase":
        options, answer_index = PHASE_OPTIONS, PHASES.index(phase)
        ask = "What does the trained model do with feature 1 there?"
        mistakes = {
            "ignored": [("swapped which feature keeps the dimension", "B"),
                        ("assumed the features always share the dimension", "C")],
            "dedicated": [("swapped which feature keeps the dimension", "A"),
                          ("assumed the features always share the dimension", "C")],
            "superposed": [("ignored sparsity: the more important feature keeps the dimension alone", dense_pick),
                           ("superposed them on the same side, not antipodally", "E")],
        }[phase]
    else:
        options, answer_index = W_OPTIONS, W_OF_PHASE[phase]
        ask = ("What does the learned W (2 × 1, row i = feature i) look like there? w, v: clearly positive "
               "numbers (up to the sign of the whole W).")
        mistakes = {
            "ignored": [("swapped the rows (which feature keeps the dimension)", "B"),
                        ("put both features in the dimension on the same side", "D")],
            "dedicated": [("swapped the rows (which feature keeps the dimension)", "A"),
                          ("put both features in the dimension on the same side", "D")],
            "superposed": [("superposed them on the same side, not antipodally", "D"),
                           ("ignored sparsity: the more important feature keeps the dimension alone", dense_pick)],
        }[phase]
    # the options in a per-variant order, so no letter is the usual answer
    order = R.arrange(len(options), answer_index, seed, rng)
    options, answer_index = tuple(options[i] for i in order), order.index(answer_index)
    mistakes = [(w, "ABCDE"[order.index("ABCDE".index(m))]) for w, m in mistakes]
    check = ChoiceCheck(options, answer_index)
    mistakes = [(w, m) for w, m in mistakes if not check.check(m).correct]
    letters = "ABCDE"[: len(options)]
    # the trained map of every other cell (its best run's phase; a dot where runs differ), A blank
    image = png_image("phase-diagram", phase_diagram_png(sw, marks=[(r, c)], hidden=[(r, c)]))
    prompt = (
        "2 features in 1 hidden dimension: feature 0 of importance 1, feature 1 of importance r, both present "
        f"with probability p = 1 − S. Each (r, p) cell of a grid was trained "
        f"{R.runs_text()}; the picture shows each other cell's phase (a dot: its runs differ), cell A blank "
        f"(r = {fmt(imp, 3)}, p = {fmt(p, 3)}). {q.agree} of {sw.n_seeds} runs at A agree. {ask}\n"
        + "\n".join(f"{l}) {o}" for l, o in zip(letters, options))
        + "\nAnswer with a letter."
    )
    return variant(
        ID, form, seed,
        params={"cell": [r, c], "feature_probability": p, "importance": imp, "quantity": q.quantity,
                "training": R.run_key("phase_diagram")},
        prompt=prompt,
        answer=options[answer_index],
        check=check,
        explanation=(f"{phase.capitalize()} ({letters[answer_index]}). {_why(phase)} "
                     f"The {sw.n_seeds} runs at A learned W = {runs}. " + D.agreement_text(q.agree)),
        hints=(
            "Two things decide the phase: how sparse the features are (p) and which feature matters more (r).",
            "Dense features: the more important one keeps the dimension. Sparse ones: both share it, antipodally.",
            (f"At A the features are {'dense' if p > 0.3 else 'fairly sparse' if p > 0.05 else 'very sparse'} "
             f"and feature 1 is {'less' if imp < 1 else 'more'} important than feature 0."),
        ),
        wrong=[l for l in letters if l != letters[answer_index]] + [o for o in options if o != options[answer_index]],
        right=[letters[answer_index].lower(), f"{letters[answer_index]})"],
        mistakes=mistakes,
        image=image,
    )


FAMILY = Family(
    id=ID,
    title="Trained phase diagram: 2 features in 1 dimension",
    make=make,
    forms=("read",),
    difficulty=3,
    summary="Which phase (feature ignored, dedicated or superposed) a trained 2→1 model is in at a marked point, and its W.",
)
