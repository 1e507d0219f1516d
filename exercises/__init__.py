"""Exercise families: a variant is data drawn from a seed, and its answer is a computation.

Public API::

    from exercises import get_family, all_families, TOPICS
    v = get_family("einsum.batched_matmul").variant(seed=3, form="write")
    v.prompt, v.answer_text, v.check("bik,bkj->bij")
"""
from exercises.base import CodeSpec, Family, Image, Mistake, Variant, Verdict, FORMS
from exercises.registry import TOPICS, all_families, family_ids, get_family, register

__all__ = [
    "CodeSpec", "Family", "Image", "Mistake", "Variant", "Verdict", "FORMS",
    "TOPICS", "all_families", "family_ids", "get_family", "register",
]
