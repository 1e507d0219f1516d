"""Exercise families: a variant is data drawn from a seed, and its answer is a computation.

Public API::

    from exercises import get_family, all_families, TOPICS
    v = get_family("einsum.batched_matmul").variant(seed=3, form="write")
    v.prompt, v.answer_text, v.check("bik,bkj->bij")
"""
from exercises.base import CodeSpec, Family, Image, Mistake, Variant, Verdict, FORMS
from exercises.registry import TOPICS, all_families, family_ids, register
from exercises.registry import get_family as _registered

_MIXED_ALL: list[Family] = []


def get_family(family_id: str) -> Family:
    """The family ``family_id``: a registered one, or ``mixed.tasks`` (the task mix across topics,
    which no topic's listing holds; see :mod:`exercises.mixed`)."""
    if family_id == "mixed.tasks":
        if not _MIXED_ALL:
            from exercises.mixed import mixed_family

            _MIXED_ALL.append(mixed_family(None))
        return _MIXED_ALL[0]
    return _registered(family_id)

__all__ = [
    "CodeSpec", "Family", "Image", "Mistake", "Variant", "Verdict", "FORMS",
    "TOPICS", "all_families", "family_ids", "get_family", "register",
]
