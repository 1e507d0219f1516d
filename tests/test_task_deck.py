"""The deck gains task and mixed notes without touching the notes (or the reviews) it had."""
from __future__ import annotations

import collections

import lazy_solvers as L

from tests._deck_helpers import fresh_collection, import_apkg


def _package(tmp_path, name, slots):
    from cardgen.deck.build import code_version, load_note, write_package

    code = code_version()
    notes = [load_note(fam, form, 0, 2, code)[0] for fam, form in slots]
    out = tmp_path / name
    write_package(notes, out)
    return out, notes


def test_task_notes_join_the_deck_and_reviews_survive_reimport(tmp_path):
    from exercises import get_family

    fams = [get_family("einsum.matmul"), get_family("einops.transpose")]
    old_slots = [(f, form) for f in fams for form in f.forms if form != "task"]  # the deck before the task form
    new_slots = [(f, form) for f in fams for form in f.forms] + [(get_family("einops.mixed"), "task")]
    old, old_notes = _package(tmp_path, "old.apkg", old_slots)
    col = fresh_collection(tmp_path)
    try:
        import_apkg(col, old)
        col.decks.select(col.decks.id_for_name("cardgen"))
        card = col.sched.getCard()
        card.start_timer()
        col.sched.answerCard(card, 3)
        state = (card.id, col.get_card(card.id).reps, col.get_card(card.id).ivl)
        guids = {col.get_note(nid).guid for nid in col.find_notes("")}
        new, new_notes = _package(tmp_path, "new.apkg", new_slots)
        log = import_apkg(col, new)
        after = {col.get_note(nid).guid for nid in col.find_notes("")}
        assert guids <= after and len(after) == len(guids) + 3  # two task notes and one mixed note
        assert len(log.new) == 3
        c = col.get_card(state[0])
        assert (c.id, c.reps, c.ivl) == state
        assert col.db.scalar("select count() from revlog") == 1
    finally:
        col.close()


def test_mixed_notes_draw_across_families_and_no_structure_dominates():
    from exercises.mixed import answer_structure, mixed_pool

    for fid, topic in (("einsum.mixed", "einsum"), ("einops.mixed", "einops"), ("mixed.tasks", None)):
        variants = L.variants(fid, "task", 50)  # the session's draws, shared with the stranger tests
        sources = collections.Counter(v.params["source"].split("/")[0] for v in variants)
        assert set(sources) <= set(mixed_pool(topic)) and len(sources) >= min(12, len(mixed_pool(topic)))
        top = collections.Counter(answer_structure(v) for v in variants).most_common(1)[0][1]
        assert top <= 0.10 * len(variants), (fid, top)
        assert all(v.check(v.params["solutions"][-1] if "solutions" in v.params else v.answer_text).correct
                   for v in variants[:5])
        drawn = {s.rsplit("/", 1)[0] for s in (v.params["source"] for v in variants)}
        if topic == "einsum":  # the pooled write form is drawn here, and only here
            assert "einsum.elementwise/write" in drawn
        assert "einsum.matmul/write" not in drawn  # judged alone again: its own note, out of the mix


def test_a_rendered_task_card_names_no_tool():
    from cardgen.deck.render import question_html
    from exercises import get_family

    from tests.test_task_form import _TOOLS

    fam = get_family("einops.broadcast")
    assert "einops" in fam.title  # the family's title names its tool; the task card must not show it
    q = question_html(fam.variant(0, "task"), fam, None)
    assert "A tensor task" in q and not _TOOLS.search(q.replace('class="', ""))


def test_the_default_deck_keeps_every_note_it_had_before_the_task_form():
    """The GUIDs of the deck built from the commit before the task form (listed by running that
    commit's `plan`): the default deck still builds each one, so Anki updates them in place."""
    from pathlib import Path

    from cardgen.deck import model as M
    from cardgen.deck.build import plan
    from exercises import get_family

    listed = Path(__file__).parent / "deck_history" / "notes_before_task_form.txt"
    before = {}
    for line in listed.read_text().splitlines():
        if line and not line.startswith("#"):
            guid, slot = line.split()
            before[guid] = slot
    assert len(before) == 141
    now = {M.note_guid(f.id, form): f"{f.id}/{form}" for f, form in plan()}
    pooled = {f"{f.id}/{form}" for f, form in ((get_family(s.split("/")[0]), s.split("/")[1]) for s in before.values())
              if form in f.pooled}
    # write forms a stranger copies off the card whatever its wording: retired from the deck and the mix
    retired = {"einops.unflatten/write", "einops.pack/write", "einops.unpack/write"}
    assert {g: s for g, s in before.items() if now.get(g) != s} == {
        g: s for g, s in before.items() if s in pooled | retired}
    assert pooled == {"einsum.elementwise/write"}  # retired into the mix
    # pooled once, judged alone again (t18u): the old note comes back under its old GUID, history kept
    back = {"einsum.matmul/write", "einsum.diagonal/write", "einsum.gram/write", "einsum.bilinear/write",
            "einsum.trace/write"}
    assert {s for g, s in before.items() if now.get(g) == s} >= back
    assert all("write" not in get_family(s.split("/")[0]).forms for s in retired)
    added = set(now) - set(before)
    old_families = {s.split("/")[0] for s in before.values()}  # families added since bring their own notes
    assert {now[g].split("/")[1] for g in added if now[g].split("/")[0] in old_families} == {"task"}
    assert "mixed.tasks/task" in {now[g] for g in added}
