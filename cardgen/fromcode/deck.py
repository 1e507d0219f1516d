"""Code-derived exercises as Anki notes: the deck's own note type and card HTML, one subdeck
per source file (``cardgen::from-code::<path>``).

A note is one question form of one call. Its GUID comes from the call's slot — file, function,
API and pattern, never the line — so re-running after edits that shift lines updates the same
notes (and keeps their review history) instead of adding duplicates. The note type, the GUID
function and the card rendering are :mod:`cardgen.deck`'s, so these cards behave exactly like
the built-in ones (a random variant per review).
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from cardgen.deck.build import Note
    from cardgen.fromcode.patterns import Structure
    from cardgen.fromcode.scan import Call

from cardgen.fromcode.digest import card_id
from cardgen.fromcode.exercises import TOPIC, forms_for, title, variants_for
from cardgen.fromcode.scan import Skip

PARENT = f"cardgen::{TOPIC}"


class FromCodeDeckError(Exception):
    """A failure to write the deck, with a message meant for the user."""


def deck_name(rel: str) -> str:
    return f"{PARENT}::{rel}"


def deck_id(name: str) -> int:
    """The subdeck's ID, derived from its name only (a renamed file is a new subdeck)."""
    from cardgen.deck import model as M

    return M.derived_id(f"cardgen/deck/{name}")


def note_guid(call: "Call", form: str) -> str:
    from cardgen.deck import model as M

    return M.note_guid(call.slot, form)


def seeds_for(seed: int, call: "Call", form: str, count: int) -> list[int]:
    """The variant seeds of one note. Read questions cycle with the seed, so that form uses
    consecutive seeds (every question of the call appears once before any repeats)."""
    from cardgen.deck.build import variant_seed, variant_seeds

    if form == "read":
        base = variant_seed(seed, call.slot, form, 0)
        return [base + k for k in range(count)]
    return variant_seeds(seed, call.slot, form, count)


@dataclass
class FromCodeNote:
    call: "Call"
    note: "Note"  # cardgen.deck's note: fields and GUID
    deck: str
    tags: list[str]


class _Titled:
    """What the card renderer needs of a family: its title."""

    def __init__(self, title: str):
        self.title = title


def _source_html(call: "Call", form: str, seed: int) -> str:
    """Where the call is, and the command that checks an answer to this variant."""

    fn = "module level" if call.function == "<module>" else f"<code>{html.escape(call.function)}</code>"
    cmd = f'cardgen check {card_id(call)} --form {form} --seed {seed} "ANSWER"'
    return (f"From <code>{html.escape(call.where)}</code> · {fn} · <code>{html.escape(call.api)}</code>"
            f"<br>Check: <code>{html.escape(cmd)}</code>")


def build_notes(items: Iterable[tuple["Call", "Structure"]], variants: int, seed: int,
                on_note=None, skipped: list | None = None) -> list[FromCodeNote]:
    """Render each call's forms as notes with ``variants`` variants each (read: its distinct
    questions). A call whose variants cannot be drawn is left out and, when ``skipped`` is
    given, listed there with the reason — one odd call never stops the deck."""
    from cardgen import __version__
    from cardgen.deck.build import Note
    from cardgen.deck.render import render_variant

    notes: list[FromCodeNote] = []
    for call, st in items:
        try:
            by_form = variants_for(call, st, {f: seeds_for(seed, call, f, variants) for f in forms_for(call, st)})
        except Exception as e:  # reported as skipped, with the reason
            if skipped is not None:
                skipped.append(skip_for(call, e))
            continue
        for form in forms_for(call, st):
            entries = []
            for k, v in enumerate(by_form[form]):
                entry, _ = render_variant(v, _Titled(title(call)), k, reproduce=_source_html(call, form, v.seed))
                entries.append(entry)
            source = (f"cardgen {__version__} · cardgen from-code --seed {seed} --variants {variants} · "
                      f"{call.where} · {call.function} · {call.api} {call.pattern!r} · form {form} · "
                      f"variant seeds: {', '.join(str(e['seed']) for e in entries)}")
            note = Note(family=call.slot, form=form, topic=TOPIC, difficulty=2, entries=entries, media={},
                        source=source)
            tags = ["cardgen::from-code", f"form::{form}", f"from-code::{call.op}"]
            notes.append(FromCodeNote(call, note, deck_name(call.path), tags))
            if on_note:
                on_note(notes[-1])
    return notes


def skip_for(call: "Call", e: Exception):
    """The skip-list entry for a call whose exercises failed to draw."""

    why = str(e) if isinstance(e, ValueError) else f"unexpected {type(e).__name__}: {e}"
    return Skip(call.path, f"`{call.api}` with {call.pattern!r}: {why}", call.line, call.cell)


def write_deck(out: Path, notes: list[FromCodeNote]) -> None:
    """Write ``notes`` to ``out`` as an .apkg (via a temporary file, so a failure leaves no
    broken package behind)."""
    import genanki

    from cardgen.deck import model as M
    from cardgen.deck.build import DeckError, open_output, write_apkg

    anki_model = M.make_model()
    decks: dict[str, genanki.Deck] = {
        PARENT: genanki.Deck(deck_id(PARENT), PARENT,
                             description="Exercises made by `cardgen from-code` from einsum/einops calls in your "
                                         "own code; one subdeck per source file."),
    }
    for n in notes:
        if n.deck not in decks:
            decks[n.deck] = genanki.Deck(deck_id(n.deck), n.deck,
                                         description=f"cardgen · exercises from {html.escape(n.call.path)}")
        decks[n.deck].add_note(genanki.Note(model=anki_model, fields=n.note.fields, tags=n.tags, guid=n.note.guid))
    out = Path(out)
    try:
        tmp = open_output(out)
    except DeckError as e:
        raise FromCodeDeckError(str(e)) from None
    try:
        write_apkg(list(decks.values()), {}, tmp)
        os.replace(tmp, out)
    except OSError as e:
        raise FromCodeDeckError(f"cannot write {out}: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
