"""The card id of a found call: its file, a digest of its slot and a digest of what the exercise
depends on (see :mod:`cardgen.fromcode.ids`, which resolves an id back to the call).

This is the layer both the exercises (which print the id on each card) and the resolver use,
so neither imports the other.

    models/attn.py#3fa2c1b9d0.8e1f2a
"""
from __future__ import annotations

import hashlib
import json

from cardgen.fromcode.scan import Call


def digest(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def content(call: Call) -> str:
    """What an exercise of ``call`` depends on besides its slot."""
    return json.dumps([call.op, call.library, call.pattern, sorted(call.lengths, key=str), call.star_kwargs,
                       call.reduction, call.reduction_source, list(call.operands), call.operands_known,
                       call.layer, call.result], default=str)


def card_id(call: Call) -> str:
    return f"{call.path}#{digest(call.slot, 10)}.{digest(content(call), 6)}"


def is_card_id(text: str) -> bool:
    path, sep, rest = text.rpartition("#")
    return bool(sep and path) and "." in rest
