"""Mixed (interleaved) task families: each variant is the task form of a family drawn from a pool,
so a review starts with recognising what kind of operation is asked, not recalling one template.

API (for the deck and the drill)::

    from exercises.mixed import mixed_pool, MIXED_IDS
    mixed_pool("einsum")   # family ids whose task form the einsum mix draws from
    mixed_pool(None)       # every family with a task form (the mix across all tensor tasks)
    get_family("einsum.mixed").variant(seed, "task")   # params["source"] names the drawn family

``einsum.mixed`` and ``einops.mixed`` are ordinary registered families (their modules only declare
``FAMILY = mixed_family(topic)``); ``mixed.tasks`` mixes every topic and is resolved by
:func:`exercises.get_family` without belonging to a topic's listing.
"""
from __future__ import annotations

import dataclasses
import random
import re

from exercises.base import Family, Variant

#: the mixed families: topic (None for all) -> id
MIXED_IDS = {"einsum": "einsum.mixed", "einops": "einops.mixed", None: "mixed.tasks"}


def mixed_slots(topic: str | None = None) -> list[tuple[str, str]]:
    """The (family id, form) slots a mixed family of ``topic`` (or of all topics) draws from: every
    task form, and every form a family asks only inside the pool (:attr:`Family.pooled`: a write
    form with too few answer structures to stand alone is judged here, among the others)."""
    from exercises.registry import all_families

    return [(f.id, form) for f in all_families(topic) if f.id not in MIXED_IDS.values()
            for form in f.forms if form == "task" or form in f.pooled]


def mixed_pool(topic: str | None = None) -> list[str]:
    """The ids of the families (of ``topic``, or all) a mixed family draws from."""
    return list(dict.fromkeys(fid for fid, _ in mixed_slots(topic)))


def pick(pool: list[str], key: str, seed: int) -> str:
    """The family of ``seed``: each block of ``len(pool)`` consecutive seeds draws every family once,
    in a shuffled order, so no family (and no answer) dominates a note."""
    n = len(pool)
    block = list(range(n))
    random.Random(f"{key}/block/{seed // n}").shuffle(block)
    return pool[block[seed % n]]


def mixed_make(topic: str | None):
    """The ``make`` of the mixed family of ``topic`` (None: across topics)."""
    fid = MIXED_IDS[topic]

    def make(rng: random.Random, form: str, seed: int) -> Variant:
        from exercises.registry import get_family

        slots = mixed_slots(topic)
        source, form = slots[pick(list(range(len(slots))), fid, seed)]
        v = get_family(source).variant(seed, form)
        return dataclasses.replace(v, family=fid, form="task", seed=seed,
                                   params={**v.params, "source": f"{source}/{form}/{seed}"})

    return make


def mixed_family(topic: str | None) -> Family:
    fid = MIXED_IDS[topic]
    where = f"the {topic} families" if topic else "every topic"
    return Family(
        id=fid, title=f"Mixed tasks ({topic or 'all topics'})", make=mixed_make(topic), forms=("task",), difficulty=2,
        summary=f"Interleaved: a task from any of {where}; first recognise the kind of operation.",
    )


_REDUCTIONS = ("max", "min", "sum", "mean", "prod", "any", "all")


def answer_structure(v: Variant) -> str:
    """The reference answer with names canonicalised (operands and axis names by first appearance),
    so two variants that one memorised template answers have the same structure."""
    text = v.answer if isinstance(v.answer, str) else str(v.answer)
    if "(" not in text and "'" not in text and '"' not in text:  # a bare pattern (a pooled write form)
        text = f"'{text}'"
    names: dict[str, str] = {}

    def canon(m: re.Match) -> str:
        w = m.group(0)
        if w in ("torch", "einops", "relu", "einsum", "rearrange", "reduce", "repeat", "shape", "reshape",
                 "permute", "mean", "sum", "max", "min", "transpose"):
            return w
        return names.setdefault(w, f"v{len(names)}")

    def literal(m: re.Match) -> str:
        body = m.group(2)
        if body in _REDUCTIONS:  # a reduction is part of the answer, not a name: 'max' is not 'sum'
            return f"'{body}'"
        tokens = re.findall(r"[A-Za-z_]\w*", body) if " " in body else re.findall(r"[A-Za-z]", body)
        labels: dict[str, str] = {}
        for t in tokens:
            labels.setdefault(t, chr(ord("A") + len(labels) % 26))
        out = re.sub(r"[A-Za-z_]\w*" if " " in body else r"[A-Za-z]", lambda t: labels[t.group(0)], body)
        return f"'{out}'"

    text = re.sub(r"(['\"])(.*?)\1", literal, text)
    parts = re.split(r"('[^']*')", text)
    return "".join(p if p.startswith("'") else re.sub(r"[A-Za-z_]\w*", canon, p) for p in parts)
