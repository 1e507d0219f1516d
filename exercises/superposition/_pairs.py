"""The pairs check of the antipodal cards: :class:`exercises.checking.PairsCheck` (unordered
index pairs; ungrouped indices, a repeated pair or an index in two pairs is unreadable).

Kept as a module so the family imports stay put; the one implementation lives in exercises.checking.
"""
from exercises.checking import PairsCheck, format_pairs, parse_pairs

__all__ = ["PairsCheck", "format_pairs", "parse_pairs"]
