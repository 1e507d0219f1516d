"""The configurations the paper finds, recognised by their feature dimensionality.

Trained features settle into regular shapes, each in its own hidden subspace, and a feature's
dimensionality \\(D_i\\) names the shape: its own dimension 1, tetrahedron 3/4, triangle 2/3,
antipodal pair 1/2, pentagon 2/5, square antiprism 3/8, unrepresented 0. Two forms:

* ``value`` — a W built from such configurations (features shuffled, each configuration in its
  own hidden dimensions): what is \\(D_i\\) of one feature? The skill is recognising the shape;
  computing D by the formula on an arbitrary W is ``superposition.dimensionality``'s card.
* ``read`` — alternating by seed: the D values of a run's features, which configuration is a
  feature part of? Or a picture of a 2-d configuration: what is a feature's D?

Every D comes from ``superpos_core.feature_dimensionality`` run on the W.
"""
from __future__ import annotations

import math
import random

from exercises.base import Family, Variant
from exercises.checking import ChoiceCheck, NumberCheck, Precision
from exercises.superposition._common import (
    clean,
    give,
    indent_rows,
    number_mistakes,
    number_spellings,
    png_image,
    variant,
)

ID = "superposition.geometry"

# name: (features, hidden dimensions); the shape's D is dims/features (a tight frame)
CONFIGS = {
    "dimension of its own": (1, 1),
    "antipodal pair": (2, 1),
    "triangle": (3, 2),
    "tetrahedron": (4, 3),
    "pentagon": (5, 2),
    "square antiprism": (8, 3),
}
OPTIONS = (*CONFIGS, "not represented")
VALUE_TARGETS = ("dimension of its own", "antipodal pair", "triangle", "tetrahedron", "pentagon")
READ_TARGETS = tuple(CONFIGS)
# the shape a learner mistakes each one for (nearby D, or the same D-reading error)
CONFUSED = {
    "dimension of its own": "antipodal pair",
    "antipodal pair": "dimension of its own",
    "triangle": "tetrahedron",
    "tetrahedron": "triangle",
    "pentagon": "square antiprism",
    "square antiprism": "pentagon",
}


def shape_rows(name: str, rng: random.Random) -> list[list[float]]:
    """Unit vectors of one configuration in its own ``dims`` coordinates (a random rotation for 2-d)."""
    if name == "dimension of its own":
        return [[1.0]]
    if name == "antipodal pair":
        return [[1.0], [-1.0]]
    if name in ("triangle", "pentagon"):
        k = 3 if name == "triangle" else 5
        start = rng.choice([0, 15, 30, 45, 90])
        return [[math.cos(math.radians(start + 360 * t / k)), math.sin(math.radians(start + 360 * t / k))]
                for t in range(k)]
    if name == "tetrahedron":
        s = 1 / math.sqrt(3)
        return [[s, s, s], [s, -s, -s], [-s, s, -s], [-s, -s, s]]
    # square antiprism: squares at heights ±h, the lower one turned by 45°; r² = 2/3, h² = 1/3
    r, h = math.sqrt(2 / 3), math.sqrt(1 / 3)
    return [[r * math.cos(math.radians(a + off)), r * math.sin(math.radians(a + off)), z]
            for z, off in ((h, 0), (-h, 45)) for a in (0, 90, 180, 270)]


def assemble(blocks: list[str], n_dead: int, rng: random.Random, digits: int = 3):
    """W [features, hidden] of the configurations side by side, features and dimensions shuffled.

    Returns the rows (rounded to ``digits``) and each feature's configuration name."""
    m = sum(CONFIGS[b][1] for b in blocks)
    rows, names, col = [], [], 0
    for b in blocks:
        for r in shape_rows(b, rng):
            full = [0.0] * m
            full[col:col + len(r)] = r
            rows.append(full)
            names.append(b)
        col += CONFIGS[b][1]
    rows += [[0.0] * m for _ in range(n_dead)]
    names += ["not represented"] * n_dead
    order = list(range(len(rows)))
    rng.shuffle(order)
    dims = list(range(m))
    rng.shuffle(dims)
    out = [[clean(round(rows[f][d], digits)) for d in dims] for f in order]
    return out, [names[f] for f in order]


def dimensionalities(rows: list[list[float]]) -> list[float]:
    """``superpos_core.feature_dimensionality`` of one instance, as plain floats."""
    import torch

    import superpos_core

    return [float(v) for v in superpos_core.feature_dimensionality(torch.tensor(rows, dtype=torch.float64))]


def _others(rng: random.Random, target: str, max_dims: int, max_features: int) -> list[str]:
    pool = [c for c in CONFIGS if c != target]
    while True:
        out = rng.sample(pool, rng.randint(1, 2))
        dims = sum(CONFIGS[b][1] for b in [target, *out])
        feats = sum(CONFIGS[b][0] for b in [target, *out])
        if dims <= max_dims and feats <= max_features:
            return out


def _value_mistakes(rows, names, i: int, ideal: float, D: list[float]) -> list[tuple[str, float]]:
    k, d = CONFIGS[names[i]]
    m = len(rows[0])
    fro2 = sum(x * x for r in rows for x in r)
    out = [
        ("counted the features sharing its dimensions, not the dimensions: 1/k", 1 / k),
        ("features per dimension, upside down", k / d),
        ("assumed a dimension of its own", 1.0),
        ("the whole instance's dimensions per feature m/||W||_F^2", m / fro2),
    ]
    seen = {names[i]}
    for j, n in enumerate(names):
        if n not in seen and n != "not represented":
            seen.add(n)
            out.append((f"read feature {j}'s configuration ({n})", D[j]))
    # a "mistake" that gives the right D by the shape's own arithmetic (1/k of a pair) is no mistake
    return [(w, v) for w, v in out if abs(v - ideal) > 1e-3]


def _make_value(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(2)
    target = VALUE_TARGETS[seed % len(VALUE_TARGETS)]
    for _ in range(500):
        blocks = [target, *_others(rng, target, max_dims=5, max_features=9)]
        rows, names = assemble(blocks, rng.randint(0, 1), rng)
        i = rng.choice([f for f, n in enumerate(names) if n == target])
        D = dimensionalities(rows)
        k, d = CONFIGS[target]
        value = clean(D[i], 6)
        check = NumberCheck(value, precision=precision)
        found = _value_mistakes(rows, names, i, d / k, D)
        mistakes = number_mistakes(check, precision, found) if found else None
        if mistakes:
            break
    else:  # pragma: no cover - the draws above always succeed within a few tries
        raise RuntimeError(f"{ID}: no variant for seed {seed}")
    F, m = len(rows), len(rows[0])
    k, d = CONFIGS[target]
    mates = [f for f, n in enumerate(names) if n == target]
    return variant(
        ID, form, seed,
        params={"W": rows, "feature": i},
        prompt=(
            f"`W[0]` below stores {F} features (rows) in {m} hidden dimensions. Its features sit in configurations "
            "the paper finds, each configuration in its own hidden dimensions (entries rounded to 3 decimals). "
            f"What is the feature dimensionality \\(D_{{{i}}}\\) of feature {i}?" + give(precision)
        ),
        answer=value,
        check=check,
        code=indent_rows("W[0]", rows, f"instance 0: {F} features x {m} hidden"),
        explanation=(
            f"Feature {i} forms a {target} with features {', '.join(map(str, mates))}: {k} unit feature(s) sharing "
            f"{d} dimension(s) evenly, so \\(D_{{{i}}} = {d}/{k} \\approx {precision.format(value)}\\). A regular "
            "configuration gives each of its features dims/features of a dimension."
        ),
        hints=(
            f"Find the rows that use the same hidden dimensions as feature {i}; the others do not interfere with it.",
            "The paper's configurations share their dimensions evenly: D = (dimensions used) / (features sharing them).",
            (f"Feature {i}'s group has {k} feature(s) in {d} dimension(s)."
             " Check: \\(D_i = \\|W_i\\|^2 / \\sum_j (\\hat W_i \\cdot W_j)^2\\)."),
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value) + [f"{d}/{k}"],
        mistakes=mistakes,
    )


def _make_read(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np

    target = READ_TARGETS[(seed // 2) % len(READ_TARGETS)]
    noise = np.random.default_rng(seed)
    for _ in range(500):
        blocks = [target, *_others(rng, target, max_dims=7, max_features=14)]
        exact, names = assemble(blocks, rng.randint(0, 2), rng, digits=9)
        # a trained run is never exact: a little noise on the represented rows
        W = np.array(exact) + np.where(np.abs(np.array(exact)) > 0, noise.normal(0, 0.006, (len(exact), len(exact[0]))), 0)
        D = dimensionalities(W.tolist())
        shown = [round(x, 2) for x in D]
        ideal = [CONFIGS[n][1] / CONFIGS[n][0] if n in CONFIGS else 0.0 for n in names]
        if all(abs(s - t) <= 0.015 for s, t in zip(shown, ideal)):
            break
    else:  # pragma: no cover - the draws above always succeed within a few tries
        raise RuntimeError(f"{ID}: no variant for seed {seed}")
    i = rng.choice([f for f, n in enumerate(names) if n == target])
    answer = OPTIONS.index(target)
    check = ChoiceCheck(OPTIONS, answer)
    labels = "ABCDEFGH"
    confused = OPTIONS.index(CONFUSED[target])
    mistakes = [(f"took it for a {CONFUSED[target]}", labels[confused])]
    listed = "; ".join(f"{labels[j]}) {o}" for j, o in enumerate(OPTIONS))
    D_text = "[" + ", ".join(f"{s:.2f}" for s in shown) + "]"
    k, d = CONFIGS[target]
    mates = [f for f, n in enumerate(names) if n == target]
    return variant(
        ID, form, seed,
        params={"W": W.round(4).tolist(), "feature": i, "target": target},
        prompt=(
            f"In a trained run, `superpos_core.feature_dimensionality(W)[0]` gives, for features 0 to {len(D) - 1}: "
            f"{D_text}. Which configuration is feature {i} part of? Options: {listed}."
        ),
        answer=target,
        check=check,
        answer_text=check.expected_text,
        explanation=(
            f"Feature {i} has D ≈ {shown[i]:.2f} ≈ {d}/{k}, and {k} feature(s) ({', '.join(map(str, mates))}) share "
            f"that value: a {target}, {k} feature(s) evenly sharing {d} dimension(s)."
        ),
        hints=(
            "A regular configuration gives each feature D = (dimensions it spans) / (features in it).",
            f"Count how many features share feature {i}'s D value: that is the configuration's size.",
            "Sticky values: 1, 3/4 tetrahedron, 2/3 triangle, 1/2 antipodal pair, 2/5 pentagon, 3/8 square antiprism.",
        ),
        wrong=[labels[j] for j in range(len(OPTIONS)) if j != answer],
        right=[target],
        mistakes=mistakes,
    )


# 2-d layouts for the picture: (name, configurations side by side, the one asked about)
PICTURES = (
    ("a triangle", ["triangle"], "triangle"),
    ("a pentagon", ["pentagon"], "pentagon"),
    ("two antipodal pairs at right angles", ["antipodal pair", "antipodal pair"], "antipodal pair"),
    ("an antipodal pair and a feature with its own dimension", ["antipodal pair", "dimension of its own"],
     "dimension of its own"),
    ("an antipodal pair and a feature with its own dimension", ["antipodal pair", "dimension of its own"],
     "antipodal pair"),
    ("two orthogonal features", ["dimension of its own", "dimension of its own"], "dimension of its own"),
)


def _rotate(rows: list[list[float]], degrees: float) -> list[list[float]]:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return [[clean(round(c * x - s * y, 3)), clean(round(s * x + c * y, 3))] for x, y in rows]


def _make_picture(rng: random.Random, form: str, seed: int) -> Variant:
    import torch

    from superpos_core.plots import feature_geometry_png

    precision = Precision.decimals(2)
    layout, blocks, target = PICTURES[(seed // 2) % len(PICTURES)]
    for _ in range(500):
        n_dead = rng.randint(0, 1)
        rows, names = assemble(blocks, 0, rng, digits=9)
        rows = _rotate(rows, rng.choice([0, 15, 30, 45, 60, 75]))
        for _d in range(n_dead):  # an ignored feature: a stub at the origin
            a = math.radians(rng.choice(range(0, 360, 30)))
            pos = rng.randrange(len(rows) + 1)
            rows.insert(pos, [clean(round(0.05 * math.cos(a), 3)), clean(round(0.05 * math.sin(a), 3))])
            names.insert(pos, "not represented")
        i = rng.choice([f for f, n in enumerate(names) if n == target])
        D = dimensionalities(rows)
        value = clean(D[i], 6)
        k, d = CONFIGS[target]
        n_rep = sum(n != "not represented" for n in names)
        found = [(w, v) for w, v in (
            ("one over the number of represented features", 1 / n_rep),
            ("assumed a dimension of its own", 1.0),
            ("hidden dimensions over all arrows, 2/n", 2 / len(rows)),
            ("features per dimension, upside down", k / d),
        ) if abs(v - d / k) > 1e-3]
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, found) if found else None
        if mistakes:
            break
    else:  # pragma: no cover - the draws above always succeed within a few tries
        raise RuntimeError(f"{ID}: no variant for seed {seed}")
    png = feature_geometry_png(torch.tensor(rows, dtype=torch.float64))
    return variant(
        ID, form, seed,
        params={"W": rows, "feature": i, "layout": layout},
        prompt=(
            f"The plot shows the directions \\(W_i\\) of the {len(rows)} features of one instance in its 2 hidden "
            f"dimensions (arrows of length about 0 are features the model ignores). What is the feature "
            f"dimensionality \\(D_{{{i}}}\\) of feature {i}?" + give(precision)
        ),
        answer=value,
        check=check,
        image=png_image("geometry-d", png),
        explanation=(
            f"The picture shows {layout}. Feature {i} belongs to a {target}: {k} feature(s) evenly sharing {d} "
            f"dimension(s), so \\(D_{{{i}}} = {d}/{k} \\approx {precision.format(value)}\\)."
        ),
        hints=(
            "Name the configuration first: pair, triangle, pentagon, or a direction nobody else uses.",
            "A regular configuration gives each feature D = (dimensions it spans) / (features in it).",
            f"Which arrows lie along feature {i}'s line, or share its plane evenly?",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value) + [f"{d}/{k}"],
        mistakes=mistakes,
    )


def make(rng: random.Random, form: str, seed: int) -> Variant:
    if form == "value":
        return _make_value(rng, form, seed)
    return _make_read(rng, form, seed) if seed % 2 == 0 else _make_picture(rng, form, seed)


FAMILY = Family(
    id=ID,
    title="Geometry of superposition: configurations and their D",
    make=make,
    forms=("value", "read"),
    difficulty=2,
    summary="Recognise the paper's configurations (pair, triangle, tetrahedron, pentagon, ...) by feature dimensionality.",
)
