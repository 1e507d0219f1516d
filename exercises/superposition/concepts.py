"""The chapter's conceptual questions (issue 24, item 9), each asked as a number or a vector that
running the model decides, so no wording can be memorised:

* **rank** — why WᵀW cannot be the identity: the rank of the [features, features] matrix W Wᵀ of a
  shown W is at most n_hidden (less when columns depend on each other);
* **rotation** — privileged basis: rotate the hidden space (W → W R) and run the model again; the
  main model's output does not change (its hidden layer is linear), the hidden-ReLU model's does;
* **polysemantic** — superposition vs polysemanticity: count the represented features (more than
  dimensions: superposition) or the neurons several features drive (polysemantic neurons);
* **interference** — why antipodal pairs appear near p ≈ 10% for anticorrelated / sparse features:
  two independent features fire together with probability p², one alone with 2p(1 − p).
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import ArrayCheck, NumberCheck, Precision, format_array, format_number
from exercises.redraw import redraw
from exercises.superposition._common import clean, give, indent_rows, literal, variant

ID = "superposition.concepts"
KINDS = ("rank", "rotation", "polysemantic", "interference")
ROTATIONS = {
    "a quarter turn": [[0.0, -1.0], [1.0, 0.0]],
    "a half turn": [[-1.0, 0.0], [0.0, -1.0]],
    "swapping the two hidden axes": [[0.0, 1.0], [1.0, 0.0]],
    "a three-quarter turn": [[0.0, 1.0], [-1.0, 0.0]],
}


def _rank(rng):
    import torch

    F, H = rng.randint(4, 7), rng.randint(2, 5)
    cols = [[rng.choice((-1.5, -0.5, 0.5, 1.5, 2.5)) for _ in range(F)] for _ in range(H)]
    for c in range(1, H):  # dependent columns (a multiple of the first): the rank drops below n_hidden
        if rng.random() < 0.45:
            k = rng.choice([-1, 3])
            cols[c] = [k * v for v in cols[0]]
    W = [list(r) for r in zip(*cols)]  # [features, hidden]
    t = torch.tensor(W, dtype=torch.float64)
    rank = int(torch.linalg.matrix_rank(t @ t.T))
    if rank == 0:
        return None
    check = NumberCheck(rank)
    mistakes = [("took the number of features", F), ("took n_hidden, ignoring dependent columns", H),
                ("took the full rank of an identity", F)]
    mistakes = [(w, str(m)) for w, m in mistakes if m != rank]
    if not mistakes:
        return None
    code = indent_rows("W", W, "[features, hidden]") + "\nG = W @ W.T  # [features, features]"
    prompt = ("The toy model reconstructs x through G = W Wᵀ. What is the rank of G? (It is why G cannot be the "
              f"{F}×{F} identity.)")
    expl = (f"G = W Wᵀ has rank at most n_hidden = {H}, and exactly the number of independent columns of W: {rank}. "
            f"The identity has rank {F}, so with fewer dimensions than features some features must interfere or be dropped.")
    return dict(answer=rank, check=check, mistakes=mistakes, code=code, prompt=prompt, explanation=expl,
                params={"W": W})


def _rotation(rng):
    import torch
    from superpos_core import Config, HiddenReLUModel, Model

    F, H = 3, 2
    kind = rng.choice(("main", "hidden_relu"))
    cls = Model if kind == "main" else HiddenReLUModel
    W = [[rng.choice((-1.0, -0.5, 0.5, 1.0, 0.0)) for _ in range(H)] for _ in range(F)]
    b = [rng.choice((-0.5, 0.0, 0.5)) for _ in range(F)]
    x = [rng.choice((0.0, 0.5, 1.0)) for _ in range(F)]
    name = rng.choice(sorted(ROTATIONS))
    R = torch.tensor(ROTATIONS[name])

    def run(model_cls, w):
        m = model_cls(Config(n_features=F, n_hidden=H, n_instances=1))
        with torch.no_grad():
            m.W.copy_(w[None])
            m.b_final.copy_(torch.tensor([b]))
            return [clean(v, 6) for v in m(torch.tensor([[x]]))[0, 0].tolist()]

    Wt = torch.tensor(W)
    before, after = run(cls, Wt), run(cls, Wt @ R)
    other = run(HiddenReLUModel if kind == "main" else Model, Wt @ R)
    if kind == "hidden_relu" and before == after:
        return None  # the rotation must show the privileged basis
    if len(set(after)) == 1 or other == after:
        return None
    precision = Precision.decimals(3)
    check = ArrayCheck(after, precision=precision)
    mistakes = [("assumed the rotation changes nothing" if kind == "hidden_relu" else
                 "computed the hidden-ReLU model instead", format_array(before if kind == "hidden_relu" else other)),
                ("rotated the features instead of the hidden space", format_array(list(reversed(after))))]
    mistakes = [(w, m) for w, m in mistakes if not check.check(m).correct]
    if not mistakes:
        return None
    label = "the main TMS model, ReLU(W Wᵀ x + b)" if kind == "main" else "the hidden-ReLU model, ReLU(ReLU(x W) Wᵀ + b)"
    code = (indent_rows("W", W, f"[features={F}, hidden={H}]") + f"\nb_final = torch.tensor({literal(b)})\n"
            + f"x = torch.tensor({literal(x)})\n" + f"R = torch.tensor({literal(ROTATIONS[name])})  # {name}\n"
            + "out = model(x)  # with W replaced by W @ R")
    prompt = (f"The model is {label}. Its hidden space is rotated: W becomes W @ R. What is the new output "
              "(a list)?" + give(precision).replace("Give it", "Give each entry"))
    expl = ("W Wᵀ is unchanged by any rotation R (R Rᵀ = I), so the main model's output is the same: its hidden basis is "
            "not privileged." if kind == "main" else
            "The hidden ReLU acts on each hidden coordinate separately, so rotating the hidden space changes which "
            "parts are clipped: the neuron basis is privileged.")
    return dict(answer=after, check=check, mistakes=mistakes, code=code, prompt=prompt, explanation=expl,
                params={"W": W, "b_final": b, "x": x, "R": name, "model": kind})


def _polysemantic(rng):
    import torch

    F, H = rng.randint(4, 6), rng.randint(2, 3)
    W = [[rng.choice((0.0, 0.0, 0.1, -0.1, 0.8, -0.9, 0.7)) for _ in range(H)] for _ in range(F)]
    t = torch.tensor(W)
    represented = int((t.norm(dim=1) > 0.5).sum())
    strong = t.abs() > 0.5
    poly = int((strong.sum(0) >= 2).sum())
    ask = rng.choice(("represented", "polysemantic"))
    ans = represented if ask == "represented" else poly
    if ans == 0:
        return None
    check = NumberCheck(ans)
    wrong = [("counted all features", F), ("counted the hidden dimensions", H),
             ("counted the other quantity", poly if ask == "represented" else represented)]
    mistakes = [(w, str(m)) for w, m in wrong if m != ans]
    if not mistakes:
        return None
    code = indent_rows("W", W, "[features, hidden]: row f is feature f's direction, column k neuron k")
    if ask == "represented":
        prompt = ("A feature counts as represented when its row of W has norm above 0.5. How many features does this "
                  "model represent? (More than its hidden dimensions means superposition.)")
        expl = f"Rows with norm above 0.5: {represented}."
    else:
        prompt = ("A neuron (column of W) is polysemantic when two or more features have a weight above 0.5 in absolute "
                  "value on it. How many neurons are polysemantic?")
        expl = f"Columns with at least two entries of magnitude above 0.5: {poly}."
    expl += (" Superposition (more represented features than dimensions) forces polysemantic neurons; a model can have "
             "polysemantic neurons without superposition, by rotating features off the neuron basis.")
    return dict(answer=ans, check=check, mistakes=mistakes, code=code, prompt=prompt, explanation=expl,
                params={"W": W, "ask": ask})


def _interference(rng):
    p = rng.choice((0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4))
    ask = rng.choice(("both", "one", "rows"))
    precision = Precision.sig(3)
    if ask == "both":
        ans, prompt = p * p, f"Two features are each present independently with probability p = {p}. In what fraction of rows are both present (when an antipodal pair interferes)?"
        wrong = [("took p", p), ("took 2p", 2 * p), ("took exactly one present", 2 * p * (1 - p))]
    elif ask == "one":
        ans, prompt = 2 * p * (1 - p), f"Two features are each present independently with probability p = {p}. In what fraction of rows is exactly one present (when an antipodal pair reconstructs cleanly)?"
        wrong = [("took p(1 − p), one of the two cases", p * (1 - p)), ("took p²", p * p), ("took 2p", 2 * p)]
    else:
        n = rng.choice((1000, 4096, 10_000))
        ans, prompt = n * p * p, f"A batch of {n} rows has two features each present independently with probability p = {p}. How many rows do you expect to carry both (interference)?"
        wrong = [("took n·p", n * p), ("took n·2p(1 − p)", n * 2 * p * (1 - p)), ("took n·p(1 − p)", n * p * (1 - p))]
    ans = clean(ans, 9)
    check = NumberCheck(ans, precision=precision)
    mistakes = [(w, format_number(clean(m, 9), 6)) for w, m in wrong]
    if any(check.check(m).correct for _, m in mistakes):
        return None
    expl = ("Interference costs only when both fire: probability p², which shrinks much faster than the benefit "
            "(one feature present, about 2p) as p falls; that is why sparse features (p ≈ 10% and below) "
            "settle into antipodal pairs.")
    return dict(answer=ans, check=check, mistakes=mistakes, code=None, prompt=prompt + give(precision),
                explanation=expl, params={"p": p, "ask": ask})


DRAWS = {"rank": _rank, "rotation": _rotation, "polysemantic": _polysemantic, "interference": _interference}
HINTS = {
    "rank": ("rank(W Wᵀ) = rank(W) ≤ min(features, hidden).", "Look for a column that is a multiple of another."),
    "rotation": ("Replace W by W @ R and run the model as usual.",
                 "W R (W R)ᵀ = W Wᵀ; but ReLU(x W R) is not ReLU(x W) R."),
    "polysemantic": ("A row's norm is sqrt(sum of its squares).", "Read down each column for entries above 0.5 in size."),
    "interference": ("Independent events multiply.", "Exactly one: the first without the second, or the second without the first."),
}


def make(rng: random.Random, form: str, seed: int) -> Variant:
    # the count kinds have few possible answers (1 to 5): asked less often, so no count dominates
    kind = rng.choices(KINDS, weights=(2, 3, 2, 3))[0]
    d = redraw(lambda: DRAWS[kind](rng), 500, family=ID, form=form, seed=seed)
    return variant(
        ID, form, seed,
        params={"kind": kind, **d["params"]},
        prompt=d["prompt"],
        answer=d["answer"],
        check=d["check"],
        code=d["code"],
        explanation=d["explanation"],
        hints=HINTS[kind],
        wrong=[m for _, m in d["mistakes"]],
        mistakes=d["mistakes"],
    )


FAMILY = Family(
    id=ID,
    title="Conceptual questions, computed",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Rank of W Wᵀ, rotating the hidden space (privileged basis), represented features vs polysemantic neurons, p² interference.",
)
