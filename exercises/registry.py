"""The registry of families, filled by importing every module of the topic packages.

Adding a family means adding one file to ``exercises/<topic>/`` whose module-level ``FAMILY``
is a :class:`~exercises.base.Family`; modules whose names start with ``_`` are helpers and are
not scanned. Collecting ``FAMILY`` (instead of registering as a side effect) keeps one way to
declare a family.
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil

from exercises.base import Family

TOPICS: tuple[str, ...] = ("einsum", "einops", "superposition", "tensors")

_FAMILIES: dict[str, Family] = {}
_loaded = False


def register(family: Family) -> Family:
    if family.topic not in TOPICS:
        raise ValueError(f"family {family.id!r}: topic must be one of {TOPICS}")
    if family.id in _FAMILIES and _FAMILIES[family.id] is not family:
        raise ValueError(f"family {family.id!r} is registered twice")
    _FAMILIES[family.id] = family
    return family


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for topic in TOPICS:
        pkg = importlib.import_module(f"exercises.{topic}")
        for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if mod.name.startswith("_"):
                continue
            module = importlib.import_module(f"exercises.{topic}.{mod.name}")
            family = getattr(module, "FAMILY", None)
            if not isinstance(family, Family) or family.id != f"{topic}.{mod.name}":
                raise TypeError(
                    f"exercises/{topic}/{mod.name}.py must define FAMILY = Family(id={topic}.{mod.name!r}, ...)"
                )
            register(family)
    _loaded = True


def all_families(topic: str | None = None) -> list[Family]:
    """Families sorted by topic order, then id; only ``topic``'s when given."""
    _load()
    if topic is not None and topic not in TOPICS:
        raise KeyError(f"unknown topic {topic!r}; topics are: {', '.join(TOPICS)}")
    fams = [f for f in _FAMILIES.values() if topic is None or f.topic == topic]
    return sorted(fams, key=lambda f: (TOPICS.index(f.topic), f.id))


def family_ids() -> list[str]:
    return [f.id for f in all_families()]


def get_family(family_id: str) -> Family:
    """The family registered as ``family_id``; KeyError with a suggestion otherwise."""
    _load()
    try:
        return _FAMILIES[family_id]
    except KeyError:
        close = difflib.get_close_matches(family_id, list(_FAMILIES), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else " Run `cardgen list` to see them."
        raise KeyError(f"unknown family {family_id!r}.{hint}") from None
