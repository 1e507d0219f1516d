"""The build-deck pipeline: plan notes, compute (or reuse) their variants, write the .apkg.

One note per (family, form). Its K variants use seeds derived from (deck seed, family, form,
k), so the same command always yields the same notes, GUIDs and fields. Rendered notes are
cached with :func:`exercises.cache.cached_json`, keyed by those inputs *and* a hash of the
code that produces them (the exercises, superpos_core and this package, plus the versions of
the libraries that compute answers), so an unchanged rebuild skips all computation and a code
change recomputes. The package is written to a temporary file in the target directory and
renamed into place: a failed build never leaves a broken .apkg behind.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import os
import sqlite3
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from cardgen import __version__
from cardgen.deck import model as M

#: Seeds of deck variants are drawn below this bound, so `cardgen show --seed N` stays short.
SEED_SPACE = 1_000_000
#: Directories hashed into the code version (relative to their package's root).
_CODE_PACKAGES = ("exercises", "superpos_core", "cardgen.deck")
_LIBRARIES = ("torch", "einops", "numpy", "pygments", "matplotlib", "genanki")


class DeckError(Exception):
    """A build failure with a message meant for the user."""


@dataclass
class Note:
    """A rendered note, ready for genanki."""

    family: str
    form: str
    topic: str
    difficulty: int
    entries: list[dict[str, Any]]
    media: dict[str, bytes]
    source: str

    @property
    def fields(self) -> list[str]:
        from cardgen.deck.render import media_field, variants_json

        first = self.entries[0]
        values = {
            "Id": M.note_id_field(self.family, self.form),
            "Question": first["q"],
            "Answer": first["a"],
            "Variants": variants_json(self.entries),
            "Media": media_field([e["image"] for e in self.entries if e["image"]]),
            "Topic": self.topic,
            "Source": self.source,
        }
        return [values[name] for name in M.FIELD_NAMES]

    @property
    def guid(self) -> str:
        return M.note_guid(self.family, self.form)

    @property
    def tags(self) -> list[str]:
        return M.tags_for(self.family, self.topic, self.form, self.difficulty)


@dataclass
class Report:
    """What a build produced, for the summary table and for tests."""

    path: Path
    seed: int
    variants: int
    notes: list[Note] = field(default_factory=list)
    media_bytes: int = 0
    cached: int = 0  # notes read from the cache
    seconds: float = 0.0

    def per_topic(self) -> dict[str, tuple[int, int, int, int]]:
        """topic -> (families, notes, variants, images)."""
        out: dict[str, tuple[int, int, int, int]] = {}
        for topic in dict.fromkeys(n.topic for n in self.notes):
            ns = [n for n in self.notes if n.topic == topic]
            out[topic] = (
                len({n.family for n in ns}),
                len(ns),
                sum(len(n.entries) for n in ns),
                len({name for n in ns for name in n.media}),
            )
        return out

    @property
    def media_count(self) -> int:
        return len({name for n in self.notes for name in n.media})


# ----------------------------------------------------------------------------- planning


#: How many draws per variant a note may spend looking for variants that differ.
MAX_REDRAWS = 4


def variant_seed(seed: int, family_id: str, form: str, k: int) -> int:
    """The seed of variant ``k`` of a note: a hash of the deck seed and the note's slot."""
    digest = hashlib.sha256(f"cardgen-deck/{seed}/{family_id}/{form}/{k}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_SPACE


def variant_seeds(seed: int, family_id: str, form: str, count: int) -> list[int]:
    """``count`` distinct seeds for one note (a rare collision is re-drawn deterministically)."""
    seeds: list[int] = []
    k = 0
    while len(seeds) < count:
        s = variant_seed(seed, family_id, form, k)
        if s not in seeds:
            seeds.append(s)
        k += 1
    return seeds


def plan(topics: Iterable[str] | None = None, families: Iterable[str] | None = None):
    """The (family, form) slots to build: every form of every family of ``topics``.

    ``families`` narrows to those ids (used by tests and scripts).
    """
    from exercises import TOPICS, all_families, get_family

    chosen_topics = list(topics) if topics is not None else list(TOPICS)
    if families is not None:
        fams = [get_family(f) for f in dict.fromkeys(families)]
        fams = [f for f in fams if f.topic in chosen_topics]
    else:
        fams = [f for t in chosen_topics for f in all_families(t)]
        if set(chosen_topics) == set(TOPICS):  # the mix of tasks across every topic (exercises.mixed)
            fams.append(get_family("mixed.tasks"))
    return [(f, form) for f in fams for form in f.forms]


# ----------------------------------------------------------------------------- computing


def code_version() -> str:
    """A hash of the code and library versions that determine a rendered note."""
    from exercises.cache import code_digest

    digest = code_digest(_CODE_PACKAGES, _LIBRARIES)
    return hashlib.sha256(f"cardgen {__version__}; model {M.MODEL_ID}; {digest}".encode()).hexdigest()[:20]


def compute_note(
    family_id: str, form: str, seed: int, count: int, reword: Callable[[Any], str] | None = None
) -> dict[str, Any]:
    """Generate and render the ``count`` variants of one note, as JSON-ready data.

    ``reword(variant)`` (the optional LLM) may replace each prompt's wording; it never
    touches the answer, which was computed by running code.
    """
    from exercises import get_family

    from cardgen.deck.render import render_variant

    fam = get_family(family_id)
    entries: list[dict[str, Any]] = []
    media: dict[str, str] = {}
    seen: set[tuple] = set()
    draws = 0
    while len(entries) < count:
        s = variant_seed(seed, family_id, form, draws)
        draws += 1
        try:
            v = fam.variant(seed=s, form=form)
        except Exception as e:  # a family bug: name the variant so it can be reproduced
            raise DeckError(
                f"{family_id} (form {form}, seed {s}) failed: {type(e).__name__}: {e}. "
                f"Reproduce with: cardgen show {family_id} --form {form} --seed {s}"
            ) from e
        # no two variants of a note alike: a repeat is drawn again (a family with fewer questions
        # than the note has variants repeats only after MAX_REDRAWS tries per variant)
        same = (v.prompt, v.code, hashlib.sha256(v.image.data).hexdigest() if v.image else None)
        if same in seen and draws < MAX_REDRAWS * count:
            continue
        seen.add(same)
        if reword is not None:
            v = dataclasses.replace(v, prompt=reword(v))
        entry, image = render_variant(v, fam, len(entries))
        entries.append(entry)
        if image is not None:
            media[image[0]] = base64.b64encode(image[1]).decode("ascii")
    return {"entries": entries, "media": media}


def load_note(family, form: str, seed: int, count: int, code: str, reword=None) -> tuple[Note, bool]:
    """The rendered note, from the cache when its inputs and code are unchanged.

    Reworded notes skip this cache: the LLM's replies have their own cache, and a note
    whose rewording failed must not be remembered as final.
    """
    from exercises.cache import cached_json

    hit = True

    def compute() -> dict[str, Any]:
        nonlocal hit
        hit = False
        return compute_note(family.id, form, seed, count, reword)

    payload = {"family": family.id, "form": form, "seed": seed, "count": count, "code": code}
    data = compute() if reword is not None else cached_json("deck-note", payload, compute)
    entries = data["entries"]
    source = (
        f"cardgen {__version__} · cardgen build-deck --seed {seed} --variants {count} · "
        f"{family.id}, form {form} · variant seeds: {', '.join(str(e['seed']) for e in entries)}"
    )
    note = Note(
        family=family.id,
        form=form,
        topic=family.topic,
        difficulty=family.difficulty,
        entries=entries,
        media={name: base64.b64decode(b) for name, b in data["media"].items()},
        source=source,
    )
    return note, hit


# ----------------------------------------------------------------------------- writing


def open_output(out: Path) -> Path:
    """Create the temporary file next to ``out`` now, so an unwritable path fails first."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise DeckError(f"cannot write {out}: the directory {parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as e:
        raise DeckError(f"cannot write {out}: {e.strerror or e}") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a deck is an ordinary file
    return Path(tmp)


def write_package(notes: list[Note], tmp: Path) -> int:
    """Write ``notes`` as an .apkg to ``tmp``; returns the media bytes written."""
    import genanki

    from exercises import TOPICS

    anki_model = M.make_model()
    parent = genanki.Deck(
        M.PARENT_DECK_ID,
        M.PARENT_DECK,
        description=(
            "Randomized practice on einsum, einops and Toy Models of Superposition, made by "
            "cardgen. Each card carries several variants and shows one at random at every review; "
            "every answer was computed by running code."
        ),
    )
    decks: dict[str, Any] = {}
    for note in notes:
        if note.topic not in decks:
            decks[note.topic] = genanki.Deck(
                M.deck_id(note.topic), M.deck_name(note.topic),
                description=f"cardgen · {note.topic} exercises; a fresh variant at every review.",
            )
        decks[note.topic].add_note(
            genanki.Note(model=anki_model, fields=note.fields, tags=note.tags, guid=note.guid)
        )
    ordered = [decks[t] for t in TOPICS if t in decks] + [d for t, d in decks.items() if t not in TOPICS]
    media = {k: v for n in notes for k, v in n.media.items()}
    write_apkg([parent, *ordered], media, tmp)
    return sum(len(d) for d in media.values())


def write_apkg(decks: list, media: dict[str, bytes], dest: Path) -> None:
    """Write genanki ``decks`` and ``media`` (name -> bytes) as an .apkg at ``dest``.

    The layout is genanki's, deflated (the card HTML shrinks ~10x), stamped with the current
    time — never a fixed one: genanki gives every note this mod time, and Anki only updates an
    existing note from an import whose note is newer. Unlike ``Package.write_to_file`` it
    leaves no temporary database behind.
    """
    import genanki

    package = genanki.Package(decks)
    media = dict(sorted(media.items()))
    with tempfile.TemporaryDirectory(prefix="cardgen-build-") as work:
        db_path = os.path.join(work, "collection.anki2")
        now = time.time()
        conn = sqlite3.connect(db_path)
        try:
            package.write_to_db(conn.cursor(), now, itertools.count(int(now * 1000)))
            conn.commit()
        finally:
            conn.close()
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            z.write(db_path, "collection.anki2")
            z.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))
            for i, data in enumerate(media.values()):
                z.writestr(str(i), data)


def build(
    out: Path,
    topics: Iterable[str] | None = None,
    variants: int = 8,
    seed: int = 0,
    families: Iterable[str] | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_note: Callable[[Note, bool], None] | None = None,
    reword: Callable[[Any], str] | None = None,
) -> Report:
    """Build the deck into ``out``. ``on_plan(total_variants)`` and ``on_note(note, cached)``
    report progress; ``reword(variant)`` optionally rewords prompts (the LLM).
    Raises :class:`DeckError` with a user-facing message."""
    if variants < 1:
        raise DeckError("--variants must be at least 1")
    start = time.perf_counter()
    out = Path(out)
    tmp = open_output(out)
    try:
        slots = plan(topics, families)
        if not slots:
            raise DeckError("no exercise families are registered for the chosen topics")
        if on_plan:
            on_plan(len(slots) * variants)
        code = code_version()
        report = Report(path=out, seed=seed, variants=variants)
        for fam, form in slots:
            note, hit = load_note(fam, form, seed, variants, code, reword)
            report.notes.append(note)
            report.cached += hit
            if on_note:
                on_note(note, hit)
        try:
            report.media_bytes = write_package(report.notes, tmp)
            os.replace(tmp, out)
        except OSError as e:  # disk full, a directory removed under us, ...
            raise DeckError(f"cannot write {out}: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    report.seconds = time.perf_counter() - start
    return report
