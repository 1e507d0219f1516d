"""Card ids of code-derived exercises resolved back to their calls, so `cardgen check` can
judge an answer to one.

An id (:mod:`cardgen.fromcode.digest`) names the file (relative to its project root), the
call's slot — file, function, API and pattern, as in the note GUID — and a digest of what the
exercise depends on in that call. Checking rescans that one file: a slot that is gone, or a
digest that differs, means the code changed since the deck was built, and the check says so
instead of judging against stale code.

The file is looked for under the project of the current folder, the current folder, and the
root each scan recorded for that id (``from-code`` remembers where it found a call, in the
cache folder), so an id resolves from any folder on the machine that built the deck.

    models/attn.py#3fa2c1b9d0.8e1f2a
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from cardgen.fromcode.digest import card_id, content, digest, is_card_id  # noqa: F401 - the id API lives here
from cardgen.fromcode.exercises import Found, collect, forms_for, make_variant, title
from cardgen.fromcode.scan import Call, project_root
from exercises.cache import _write_atomic, cache_dir

#: How many ids the roots file keeps (the most recent scans win).
MAX_ROOTS = 20_000


class CardIdError(Exception):
    """The id cannot be used (malformed, file gone, code changed); the message says what to do."""


def _roots_file() -> Path:
    return cache_dir() / "fromcode-roots.json"


def _key(card: str) -> str:
    return card.rsplit(".", 1)[0]  # path#slot: the call, whatever its content now


def _read_roots() -> dict[str, str]:
    try:
        data = json.loads(_roots_file().read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}


def remember_roots(found: Found) -> None:
    """Record where each found call's file lives, so its card id resolves from any folder.
    An unwritable cache only costs that convenience."""
    new = {_key(card_id(c)): c.root for c, _ in found.items if c.root}
    if not new:
        return
    roots = _read_roots()
    for k in new:
        roots.pop(k, None)
    roots.update(new)
    if len(roots) > MAX_ROOTS:
        roots = dict(list(roots.items())[-MAX_ROOTS:])
    try:
        _write_atomic(_roots_file(), json.dumps(roots).encode())
    except OSError:
        pass


def find(card: str, root: Path | None = None) -> tuple[Call, object]:
    """The call (and its parsed pattern) behind ``card``, from the code as it is now."""
    path, _, rest = card.rpartition("#")
    slot_h, _, content_h = rest.partition(".")
    if not path or len(slot_h) != 10 or len(content_h) != 6:
        raise CardIdError(f"{card!r} is not a from-code card id (like models/attn.py#3fa2c1b9d0.8e1f2a)")
    here = Path.cwd()
    recorded = _read_roots().get(_key(card))
    bases = [b for b in (root, project_root(here), here, Path(recorded) if recorded else None) if b is not None]
    file = next((b / path for b in bases if _is_file(b / path)), None)
    if file is None:
        raise CardIdError(f"{path} is not found from {here}, and no deck built on this machine recorded where it "
                          f"is; run this in the project the deck was built from, or rebuild the deck there with "
                          f"`cardgen from-code`")
    found = collect([file])
    for call, st in found.items:
        call.path = path  # as the deck named it, whatever folder the check runs from
        if digest(call.slot, 10) == slot_h:
            if digest(content(call), 6) != content_h:
                raise CardIdError(f"the code behind this card ({call.where}, `{call.pattern}`) has changed since the "
                                  f"deck was built; rebuild it with `cardgen from-code` and answer the new card")
            return call, st
    raise CardIdError(f"the call behind this card is no longer in {path} (its function, API or pattern changed "
                      f"since the deck was built); rebuild it with `cardgen from-code`")


def _is_file(p: Path) -> bool:
    try:
        return p.is_file() and os.access(p, os.R_OK)
    except (OSError, RuntimeError, ValueError):
        return False


class CallFamily:
    """A found call seen as a family: its forms, and its variant for a seed and form (what a
    review of a from-code deck needs to re-derive the cards)."""

    def __init__(self, call: Call, structure) -> None:
        self.call, self.structure = call, structure
        self.forms = forms_for(call, structure)
        self.title = title(call)

    def variant(self, seed: int = 0, form: str | None = None):
        return make_variant(self.call, form or self.forms[0], seed, self.structure)


def call_family(card: str, root: Path | None = None) -> CallFamily:
    return CallFamily(*find(card, root))


def variant(card: str, form: str | None, seed: int, root: Path | None = None):
    """The exercise variant a from-code card showed."""
    call, st = find(card, root)
    forms = forms_for(call, st)
    form = form or forms[0]
    if form not in forms:
        raise CardIdError(f"this from-code card has the forms {', '.join(forms)}, not {form!r}")
    return make_variant(call, form, seed, st)
