"""Card ids for code-derived exercises, so `cardgen check` can judge an answer to one.

An id names the file (relative to its project root), the call's slot — file, function, API and
pattern, as in the note GUID — and a digest of what the exercise depends on in that call
(pattern, lengths, reduction, operands). Checking rescans that one file: a slot that is gone,
or a digest that differs, means the code changed since the deck was built, and the check says
so instead of judging against stale code.

    models/attn.py#3fa2c1b9d0.8e1f2a
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cardgen.fromcode.scan import Call, project_root


class CardIdError(Exception):
    """The id cannot be used (malformed, file gone, code changed); the message says what to do."""


def _hash(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _content(call: Call) -> str:
    return json.dumps([call.op, call.library, call.pattern, sorted(call.lengths, key=str), call.star_kwargs,
                       call.reduction, call.reduction_source, list(call.operands), call.operands_known,
                       call.layer, call.result], default=str)


def card_id(call: Call) -> str:
    return f"{call.path}#{_hash(call.slot, 10)}.{_hash(_content(call), 6)}"


def is_card_id(text: str) -> bool:
    path, sep, rest = text.rpartition("#")
    return bool(sep and path) and "." in rest


def find(card: str, root: Path | None = None) -> tuple[Call, object]:
    """The call (and its parsed pattern) behind ``card``, from the code as it is now."""
    from cardgen.fromcode.exercises import collect

    path, _, rest = card.rpartition("#")
    slot_h, _, content_h = rest.partition(".")
    if not path or len(slot_h) != 10 or len(content_h) != 6:
        raise CardIdError(f"{card!r} is not a from-code card id (like models/attn.py#3fa2c1b9d0.8e1f2a)")
    here = Path.cwd()
    bases = [b for b in (root, project_root(here), here) if b is not None]
    file = next((b / path for b in bases if (b / path).is_file()), None)
    if file is None:
        raise CardIdError(f"{path} is not found from {bases[0]}; run this in the project the deck was built "
                          f"from")
    found = collect([file])
    for call, st in found.items:
        call.path = path  # as the deck named it, whatever folder the check runs from
        if _hash(call.slot, 10) == slot_h:
            if _hash(_content(call), 6) != content_h:
                raise CardIdError(f"the code behind this card ({call.where}, `{call.pattern}`) has changed since the "
                                  f"deck was built; rebuild it with `cardgen from-code` and answer the new card")
            return call, st
    raise CardIdError(f"the call behind this card is no longer in {path} (its function, API or pattern changed "
                      f"since the deck was built); rebuild it with `cardgen from-code`")


class CallFamily:
    """A found call seen as a family: its forms, and its variant for a seed and form (what a
    review of a from-code deck needs to re-derive the cards)."""

    def __init__(self, call: Call, structure) -> None:
        from cardgen.fromcode.exercises import forms_for, title

        self.call, self.structure = call, structure
        self.forms = forms_for(call, structure)
        self.title = title(call)

    def variant(self, seed: int = 0, form: str | None = None):
        from cardgen.fromcode.exercises import make_variant

        return make_variant(self.call, form or self.forms[0], seed, self.structure)


def call_family(card: str, root: Path | None = None) -> CallFamily:
    return CallFamily(*find(card, root))


def variant(card: str, form: str | None, seed: int, root: Path | None = None):
    """The exercise variant a from-code card showed."""
    from cardgen.fromcode.exercises import forms_for, make_variant

    call, st = find(card, root)
    forms = forms_for(call, st)
    form = form or forms[0]
    if form not in forms:
        raise CardIdError(f"this from-code card has the forms {', '.join(forms)}, not {form!r}")
    return make_variant(call, form, seed, st)
