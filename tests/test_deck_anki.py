"""The built .apkg in the real Anki client (the ``anki`` package): decks, notes, tags, fields,
media, answers recomputed from the families, and re-import keeping notes and review history."""
from __future__ import annotations

import json
import os

import pytest

from _deck_helpers import (
    PROBE_ID,
    build_into,
    fresh_collection,
    image_family,
    import_apkg,
    probe_family,
    small_selection,
    wait_next_second,
)
from cardgen.deck import model as M
from cardgen.deck.render import media_name
from exercises import get_family

K = 3


@pytest.fixture(scope="module")
def probe():
    with probe_family() as fam:
        yield fam


@pytest.fixture(scope="module")
def built(tmp_path_factory, probe):
    """A small deck (two families per topic plus the probe, K = 3) imported into a fresh collection."""
    tmp = tmp_path_factory.mktemp("deck-anki")
    plots = image_family()
    families = small_selection(per_topic=2) + ([plots] if plots else []) + [PROBE_ID]
    apkg, report = build_into(tmp, families=families, variants=K, seed=0)
    col = fresh_collection(tmp)
    log = import_apkg(col, apkg)
    yield col, report, log, plots
    col.close()


def _notes(col):
    return [col.get_note(nid) for nid in col.find_notes("")]


def test_decks_notes_and_tags(built):
    col, report, log, _ = built
    assert len(log.new) == len(report.notes) and not log.updated and not log.duplicate
    names = {d.name for d in col.decks.all_names_and_ids()}
    topics = {n.topic for n in report.notes}
    assert {"cardgen"} | {f"cardgen::{t}" for t in topics} <= names
    notes = _notes(col)
    assert len(notes) == len(report.notes) == len({(n.family, n.form) for n in report.notes})
    expected_slots = {(f, form) for f in {n.family for n in report.notes} for form in get_family(f).forms}
    assert {tuple(n["Id"].split("/")) for n in notes} == expected_slots
    for note in notes:
        family_id, form = note["Id"].split("/")
        fam = get_family(family_id)
        assert note.guid == M.note_guid(family_id, form)
        assert note.note_type()["id"] == M.MODEL_ID
        assert note.note_type()["name"] == M.MODEL_NAME
        assert note["Topic"] == fam.topic
        assert set(note.tags) == {f"cardgen::{fam.topic}", f"family::{family_id}", f"form::{form}",
                                  f"level::{fam.difficulty}"}
        (card,) = note.cards()
        assert col.decks.name(card.did) == f"cardgen::{fam.topic}"
        assert f"--seed 0 --variants {K}" in note["Source"] and family_id in note["Source"]


def test_every_stored_answer_equals_a_recomputation(built):
    col, report, _, _ = built
    for note in _notes(col):
        family_id, form = note["Id"].split("/")
        entries = json.loads(note["Variants"])
        assert [e["k"] for e in entries] == list(range(K))
        assert len({e["seed"] for e in entries}) == K
        assert note["Question"] == entries[0]["q"] and note["Answer"] == entries[0]["a"]
        for e in entries:
            v = get_family(family_id).variant(seed=e["seed"], form=form)
            assert e["key"] == v.key
            assert e["answer_text"] == v.answer_text


def test_media_are_imported_and_referenced(built):
    col, report, _, _ = built
    media_dir = col.media.dir()
    present = set(os.listdir(media_dir))
    wanted = {name for n in report.notes for name in n.media}
    assert wanted, "the probe family carries images, so the deck must have media"
    assert wanted <= present
    for note in report.notes:
        for name, data in note.media.items():
            with open(os.path.join(media_dir, name), "rb") as f:
                assert f.read() == data
    for note in _notes(col):
        images = [e["image"] for e in json.loads(note["Variants"]) if e["image"]]
        for name in images:
            assert f'<img src="{name}">' in note["Media"]
    # Anki's own media check agrees: nothing missing, nothing unused.
    check = col.media.check()
    assert not check.missing and not check.unused


def test_real_plots_are_imported_as_png_media(built):
    col, report, _, plots = built
    assert plots is not None, "superposition.gram_image and geometry_image draw pictures: one must be found"
    notes = [n for n in report.notes if n.family == plots]
    names = {name for n in notes for name in n.media}
    assert names, f"{plots} variant 0 has a picture, so its note must carry media"
    for note in notes:
        for name, data in note.media.items():
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            with open(os.path.join(col.media.dir(), name), "rb") as f:
                assert f.read() == data
    for nid in col.find_notes(f'"Id:{plots}/*"'):
        entries = json.loads(col.get_note(nid)["Variants"])
        for e in entries:
            if e["image"]:
                v = get_family(plots).variant(seed=e["seed"], form=col.get_note(nid)["Id"].split("/")[1])
                assert v.image is not None and e["image"].endswith(".png")
                assert media_name(v.image.name, v.image.data) == e["image"]  # same picture, recomputed
                assert f'src="{e["image"]}"' in e["q"]


def test_text_with_markup_characters_survives_escaping(built, probe):
    col, _, _, _ = built
    (nid,) = col.find_notes(f'"Id:{PROBE_ID}/write"')
    note = col.get_note(nid)
    raw = note["Variants"]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    entries = json.loads(raw)
    for e in entries:
        v = probe.variant(seed=e["seed"], form="write")
        assert e["answer_text"] == v.answer_text  # "< && </script> &" intact
        assert "&lt;/script&gt;" in e["q"] and "</script>" not in e["q"]
        assert "&lt; " in e["a"] and "&amp;&amp;" in e["a"]
    card = note.cards()[0]
    question = card.question()
    # The JSON element holds the whole list: nothing in it ended the script element early.
    start = question.index('<script type="application/json" id="cg-variants">') + len(
        '<script type="application/json" id="cg-variants">')
    assert json.loads(question[start:question.index("</script>", start)]) == entries


def _review_some(col, n: int) -> dict[int, tuple]:
    """Answer ``n`` cards Easy through the real scheduler; their state by card id."""
    col.decks.select(col.decks.id_for_name("cardgen"))
    answered = {}
    for _ in range(n):
        card = col.sched.getCard()
        assert card is not None
        card.start_timer()
        col.sched.answerCard(card, 4)
        answered[card.id] = None
    for cid in answered:
        c = col.get_card(cid)
        answered[cid] = (c.nid, c.type, c.queue, c.ivl, c.due, c.reps)
        assert c.reps == 1 and c.ivl > 0
    return answered


def test_rebuild_updates_the_same_notes_and_keeps_reviews(tmp_path, probe, monkeypatch):
    families = small_selection(per_topic=1) + [PROBE_ID]
    apkg1, r1 = build_into(tmp_path, "v1.apkg", families=families, variants=K, seed=0)
    col = fresh_collection(tmp_path)
    try:
        import_apkg(col, apkg1)
        before = {n.id: n for n in _notes(col)}
        reviewed = _review_some(col, 3)
        revlog = col.db.scalar("select count() from revlog")
        assert revlog == 3

        # Changed content (another seed, one more variant) and a changed style: code changes
        # look exactly like this to Anki.
        wait_next_second()
        original_css = M.card_css()
        monkeypatch.setattr(M, "card_css", lambda: original_css + "\n/* restyled */\n")
        apkg2, r2 = build_into(tmp_path, "v2.apkg", families=families, variants=K + 1, seed=1)
        log = import_apkg(col, apkg2)

        after = {n.id: n for n in _notes(col)}
        assert set(after) == set(before)  # same note ids, no duplicates
        assert len(log.updated) == len(before) and not log.new
        assert col.card_count() == len(before)
        for nid, note in after.items():
            old = before[nid]
            assert note.guid == old.guid and note["Id"] == old["Id"]
            assert note["Variants"] != old["Variants"]
            entries = json.loads(note["Variants"])
            assert len(entries) == K + 1
            family_id, form = note["Id"].split("/")
            assert "--seed 1" in note["Source"]
            assert entries[0]["answer_text"] == get_family(family_id).variant(entries[0]["seed"], form).answer_text
        for cid, state in reviewed.items():
            c = col.get_card(cid)
            assert (c.nid, c.type, c.queue, c.ivl, c.due, c.reps) == state
        assert col.db.scalar("select count() from revlog") == revlog
        # The note type's style (and templates) travel with the deck: the rendered card shows it.
        some_card = col.get_card(next(iter(reviewed)))
        assert "/* restyled */" in some_card.question(reload=True)
        new_media = {name for n in r2.notes for name in n.media}
        assert new_media <= set(os.listdir(col.media.dir()))

        # Importing the same package again changes nothing and duplicates nothing.
        log = import_apkg(col, apkg2)
        assert not log.new and col.note_count() == len(before)
    finally:
        col.close()
