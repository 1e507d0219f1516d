"""Read monosemantic and polysemantic neurons off a trained hidden-ReLU model ("Superposition
in a Privileged Basis").

With a ReLU on the hidden layer, ``h = ReLU(x W)``, the neuron basis is special: a feature
drives neuron k only through a clearly positive weight ``W[i, k]`` (a negative one just
inhibits it). One cached run (``_runs``) trains 6 features into 3 neurons at several feature
probabilities and importance decays, 3 seeds each. Which features share a neuron is decided by
the random start, so every card is about the run in the picture (``neuron_weights_png``,
neurons x features): which features drive neuron k, or which neurons feature i drives. The
picture labels neurons by number only (no mono/poly/dead, which would give counts away).
Asked only when every weight in the row or column asked
is clear of the 0.5 threshold (superpos_core's NEURON_THRESHOLD) by 0.1 and every driving
weight is visibly coloured (see :func:`drives`).
"""
from __future__ import annotations

import functools
import random

from exercises.base import Family, Variant
from exercises.checking import SetCheck
from exercises.superposition import _runs as R
from exercises.superposition import _trained as T
from exercises.superposition._common import fmt, png_image, variant

ID = "superposition.privileged_basis"
THRESHOLD = 0.5  # superpos_core.NEURON_THRESHOLD
MARGIN = 0.1


def sweep():
    return R.sweeps("privileged_basis")["hidden_relu"]


VISIBLE = 0.25  # a driving weight is at least this share of the picture's colour scale


def drives(W_instance):
    """Boolean [F, H]: feature i drives neuron k (``W[i, k] > 0.5``), and [F, H] clear-cut:
    at most 0.4, or at least 0.6 and a quarter of the colour scale (max |W|; sparse runs
    grow large negative weights, which would wash out a driving weight of 0.6)."""
    import numpy as np

    W = np.asarray(W_instance, dtype=float)
    high = max(THRESHOLD + MARGIN, VISIBLE * float(np.abs(W).max()))
    return W > THRESHOLD, (W <= THRESHOLD - MARGIN) | (W >= high)


@functools.cache
def _questions(key: str) -> tuple:
    sw = sweep()
    R_, C, S = sw.shape
    out = []
    for r in range(R_):
        for c in range(C):
            for s in range(S):
                d, ok = drives(sw.W[r][c][s])
                inst = (r * C + c) * S + s
                for k in range(d.shape[1]):
                    if ok[:, k].all():
                        a = tuple(int(i) for i in d[:, k].nonzero()[0])
                        out.append(T.Question(inst, f"neuron {k}", "run", a, "f" + repr(a), (inst,)))
                for i in range(d.shape[0]):
                    if ok[i].all():
                        a = tuple(int(k) for k in d[i].nonzero()[0])
                        out.append(T.Question(inst, f"feature {i}", "run", a, "n" + repr(a), (inst,)))
    return tuple(out)


def questions() -> list:
    return list(_questions(R.run_key("privileged_basis")))


def _text(ids) -> str:
    return ", ".join(map(str, ids)) or "none"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np

    from superpos_core.plots import neuron_weights_png

    q = T.pick(questions(), seed, ID)
    sw = sweep()
    _, C, S = sw.shape
    cell, s = divmod(q.setting, S)
    r, c = divmod(cell, C)
    p, decay = sw.row_values[r], sw.col_values[c]
    W = np.asarray(sw.W[r][c][s], dtype=float)
    F, H = W.shape
    what, idx = q.quantity.split()
    idx = int(idx)
    a = list(q.answer)
    check = SetCheck(frozenset(a), noun="feature" if what == "neuron" else "neuron")
    lead = (f"A hidden-ReLU toy model, \\(h = \\mathrm{{ReLU}}(W^T x)\\), \\(x' = \\mathrm{{ReLU}}(W h + b)\\), "
            f"maps {F} features into {H} neurons; it was trained with feature probability p = {fmt(p, 3)} and "
            f"importance \\({fmt(decay, 3)}^i\\) for feature i (run {s + 1} of {S} from different random starts). "
            "The picture shows its input weights: row k is neuron k, column i feature i, colour the weight "
            "\\(W_{ik}\\). Feature i drives neuron k when \\(W_{ik} > 0.5\\) (a negative weight only inhibits "
            "the neuron). In this run, ")
    if what == "neuron":
        col = W[:, idx]
        ask = f"which features drive neuron {idx}? Write their indices separated by commas, or none."
        absolute = [i for i in range(F) if abs(col[i]) > THRESHOLD]
        mistakes = [("counted strongly negative weights too", _text(absolute)),
                    ("only the strongest feature", _text([int(np.argmax(col))])),
                    ("read the neuron's row as a feature's column", _text([int(k) for k in np.nonzero(W[idx] > THRESHOLD)[0]]) if idx < F else "none")]
        wrong = [_text([i]) for i in range(F) if i not in a] + ["none", _text(range(F))]
        kind = "dead" if not a else "monosemantic" if len(a) == 1 else "polysemantic"
        found = (f"Neuron {idx}: feature{'s' if len(a) != 1 else ''} {_text(a)} "
                 f"(weights {', '.join(fmt(v, 2) for v in col)}), so it is {kind}.")
    else:
        row = W[idx]
        ask = f"which neurons does feature {idx} drive? Write their indices separated by commas, or none."
        absolute = [k for k in range(H) if abs(row[k]) > THRESHOLD]
        mistakes = [("counted strongly negative weights too", _text(absolute)),
                    ("only the strongest neuron", _text([int(np.argmax(row))])),
                    ("read the feature's column as a neuron's row",
                     _text([int(i) for i in np.nonzero(W[:, idx] > THRESHOLD)[0]]) if idx < H else "none")]
        wrong = [_text([k]) for k in range(H) if k not in a] + ["none", _text(range(H))]
        found = (f"Feature {idx}: neuron{'s' if len(a) != 1 else ''} {_text(a)} "
                 f"(weights {', '.join(fmt(v, 2) for v in row)})"
                 + (", so it is not represented through any neuron." if not a else "."))
    mistakes = [(w, m) for w, m in mistakes if not check.check(m).correct]
    why = (" With dense features every neuron tends to carry one feature (monosemantic) and the rest are "
           "dropped; sparser features let neurons carry several (polysemantic), because they are rarely "
           "active together.")
    image = png_image("neuron-weights", neuron_weights_png(sw.instance(r, c, s), kinds=False))
    return variant(
        ID, form, seed,
        params={"cell": [r, c], "run": s, "feature_probability": p, "importance_decay": decay,
                "quantity": q.quantity, "training": R.run_key("privileged_basis")},
        prompt=lead + ask,
        answer=a,
        check=check,
        explanation=found + why,
        hints=(
            "Only clearly positive (red) weights make a ReLU neuron fire; blue ones inhibit it.",
            f"Look along {'row' if what == 'neuron' else 'column'} {idx} of the picture.",
            f"{len(a)} {'feature' if what == 'neuron' else 'neuron'}{'s' if len(a) != 1 else ''}.",
        ),
        wrong=wrong,
        right=[f"[{_text(a)}]"] if a else [],
        mistakes=mistakes,
        image=image,
    )


FAMILY = Family(
    id=ID,
    title="Trained hidden-ReLU model: mono- and polysemantic neurons",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Which features drive a neuron, and which neurons a feature drives, in a trained hidden-ReLU model's weights.",
)
