"""The build pipeline: determinism, the rendered-note cache and its code version, atomic
writes, the package format, and the full default deck in the real Anki client."""
from __future__ import annotations

import contextlib
import json
import os
import stat
import zipfile

import pytest

from _deck_helpers import build_into, fresh_collection, import_apkg, small_selection
from cardgen.deck import build as B
from cardgen.deck import model as M
from exercises import Family, all_families, registry


def test_cached_rebuild_and_recomputation_give_the_same_notes(tmp_path, monkeypatch):
    families = small_selection(per_topic=1)
    _, first = build_into(tmp_path, "a.apkg", families=families, variants=2, seed=4242)
    assert first.cached == 0  # this seed is this test's own
    _, cached = build_into(tmp_path, "b.apkg", families=families, variants=2, seed=4242)
    assert cached.cached == len(cached.notes) == len(first.notes)
    # A new code version misses the cache: everything is computed again, and comes out equal.
    monkeypatch.setattr(B, "code_version", lambda: "a-different-code-version")
    _, fresh = build_into(tmp_path, "c.apkg", families=families, variants=2, seed=4242)
    assert fresh.cached == 0
    for a, b, c in zip(first.notes, cached.notes, fresh.notes):
        assert a.fields == b.fields == c.fields
        assert a.guid == b.guid == c.guid and a.tags == b.tags == c.tags
    # Another seed gives other variants in the same slots.
    _, other = build_into(tmp_path, "d.apkg", families=families, variants=2, seed=4243)
    assert [n.guid for n in other.notes] == [n.guid for n in first.notes]
    variants_field = M.FIELD_NAMES.index("Variants")
    assert all(x.fields[variants_field] != y.fields[variants_field] for x, y in zip(other.notes, first.notes))


def test_code_version_follows_source_content(tmp_path, monkeypatch):
    pkg = tmp_path / "cg_deck_probe_pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("X = 1\n")
    (pkg / "sub" / "data.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(B, "_CODE_PACKAGES", ("cg_deck_probe_pkg",))
    v1 = B.code_version()
    assert B.code_version() == v1
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    assert B.code_version() == v1  # byte-code is not source
    (pkg / "sub" / "data.json").write_text('{"changed": true}')
    v2 = B.code_version()
    assert v2 != v1
    (pkg / "__init__.py").write_text("X = 2\n")
    assert B.code_version() not in (v1, v2)


@contextlib.contextmanager
def _broken_family():
    def make(rng, form, seed):
        raise ZeroDivisionError("the family has a bug")

    fam = Family(id="einsum.zz_deck_broken", title="Broken", make=make, forms=("write",))
    registry.register(fam)
    try:
        yield fam
    finally:
        registry._FAMILIES.pop(fam.id, None)


def test_a_failed_build_leaves_the_previous_deck_untouched(tmp_path):
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"the previous deck")
    with _broken_family(), pytest.raises(B.DeckError) as err:
        B.build(out, families=["einsum.zz_deck_broken"], variants=2, seed=0)
    msg = str(err.value)
    seed = B.variant_seeds(0, "einsum.zz_deck_broken", "write", 1)[0]
    assert "einsum.zz_deck_broken" in msg and f"seed {seed}" in msg and "ZeroDivisionError" in msg
    assert f"cardgen show einsum.zz_deck_broken --form write --seed {seed}" in msg
    assert out.read_bytes() == b"the previous deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]


def test_package_is_deflated_has_named_media_and_ordinary_permissions(tmp_path):
    from _deck_helpers import PROBE_ID, probe_family

    with probe_family():
        out, report = build_into(tmp_path, families=[PROBE_ID], variants=2, seed=0)
    with zipfile.ZipFile(out) as z:
        assert z.getinfo("collection.anki2").compress_type == zipfile.ZIP_DEFLATED
        names = json.loads(z.read("media"))
        assert sorted(names.values()) == sorted({n for note in report.notes for n in note.media})
        for idx, name in names.items():
            assert z.read(idx) == next(n.media[name] for n in report.notes if name in n.media)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


@pytest.mark.slow
def test_the_default_deck_imports_completely(tmp_path):
    """What `cardgen build-deck` builds (every registered family, all topics, seed 0) in a fresh
    collection; K = 2 rather than 8 keeps it quick and changes nothing else."""
    out, report = build_into(tmp_path, seed=0, variants=2)
    slots = {(f.id, form) for f in all_families() for form in f.forms} | {("mixed.tasks", "task")}
    assert {(n.family, n.form) for n in report.notes} == slots
    col = fresh_collection(tmp_path)
    try:
        log = import_apkg(col, out)
        assert len(log.new) == len(slots) and col.note_count() == len(slots)
        assert col.card_count() == len(slots)
        wanted = {name for n in report.notes for name in n.media}
        assert wanted <= set(os.listdir(col.media.dir()))
        check = col.media.check()
        assert not check.missing and not check.unused
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            assert len(json.loads(note["Variants"])) == 2
    finally:
        col.close()


def test_no_two_variants_of_a_note_are_alike():
    """Seeds are hashed per note, so a family with a finite pool of questions could repeat one
    inside a note: the builder draws again instead (issue 11: no two variants of a note alike)."""
    from cardgen.deck.build import compute_note

    for fid, form in [("superposition.all_zero_prob", "value"), ("einsum.gram", "write"),
                      ("superposition.forward", "fix"), ("superposition.sparsity", "value")]:
        entries = compute_note(fid, form, 0, 8)["entries"]
        shown = [(e["q"], e.get("image")) for e in entries]
        assert len(set(shown)) == len(shown) == 8, fid
        assert [e["k"] for e in entries] == list(range(8))
