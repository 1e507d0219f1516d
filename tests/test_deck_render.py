"""Rendering and identities of the deck: HTML escaping, JSON safety, IDs, GUIDs, templates,
and every registered family's variants as card HTML."""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest

from cardgen.deck import model as M
from cardgen.deck import render as R
from cardgen.deck.build import variant_seed, variant_seeds
from exercises import all_families


def test_markup_escapes_text_marks_code_and_keeps_math():
    out = R.markup("If `a<b` & x > 0, see \\(x < y\\) and \\[a & b\\]\nnext `</script>`")
    assert "<code>a&lt;b</code>" in out
    assert "&amp; x &gt; 0" in out
    assert "\\(x &lt; y\\)" in out  # MathJax reads text, so the escaped < is still <
    assert "\\[a &amp; b\\]" in out
    assert "<br>next" in out
    assert "<code>&lt;/script&gt;</code>" in out
    assert "<script" not in out


def test_math_wins_over_backticks_inside_it():
    out = R.markup("\\(a`b`c\\) and `x`")
    assert out == "\\(a`b`c\\) and <code>x</code>"


def test_variants_json_is_inert_in_html_and_round_trips():
    entries = [{"q": "</script><script>alert(1)</script>", "a": "a &amp; <b>", "answer_text": "x<y & z>w"}]
    text = R.variants_json(entries)
    assert not set("<>&") & set(text)
    assert json.loads(text) == entries
    assert "\\u003c/script\\u003e" in text


def test_code_is_highlighted_with_classes_and_css_covers_night_mode():
    out = R.highlight_code("import torch\nx = torch.einsum('ij,jk->ik', a, b)  # <matmul>\n")
    assert out.startswith('<div class="cg-code">')
    assert "style=" not in out  # class-based: the note type's CSS colours it
    assert '<span class="kn">import</span>' in out
    assert "&lt;matmul&gt;" in out
    css = M.card_css()
    assert ".cg-code .kn" in css
    assert ".nightMode .cg-code .kn" in css and ".night_mode .cg-code .kn" in css
    assert ".card.nightMode" in css


def test_media_names_are_flat_safe_and_content_addressed():
    a = R.media_name("gram/run 1.png", b"one")
    b = R.media_name("gram/run 1.png", b"two")
    assert a != b
    assert re.fullmatch(r"cardgen-gram-run-1-[0-9a-f]{12}\.png", a)
    assert R.media_name("gram/run 1.png", b"one") == a
    assert not a.startswith("_")  # "_" files are never updated by Anki
    assert R.media_name("_x.png", b"one").startswith("cardgen-x-")
    # A family's own content-addressed name is kept as it is.
    import hashlib

    digest = hashlib.sha256(b"one").hexdigest()
    assert R.media_name(f"cardgen-gram-{digest[:16]}.png", b"one") == f"cardgen-gram-{digest[:16]}.png"


def test_ids_are_literals_derived_from_fixed_labels():
    assert M.MODEL_ID == M.derived_id("cardgen/model/v1")
    assert M.PARENT_DECK_ID == M.derived_id("cardgen/deck/cardgen")
    for topic, did in M.TOPIC_DECK_IDS.items():
        assert did == M.derived_id(f"cardgen/deck/cardgen::{topic}")
    ids = [M.MODEL_ID, M.PARENT_DECK_ID, *M.TOPIC_DECK_IDS.values()]
    assert len(set(ids)) == len(ids)
    assert all((1 << 30) <= i < (1 << 31) for i in ids)
    from exercises import TOPICS

    assert set(TOPICS) <= set(M.TOPIC_DECK_IDS)


def test_guid_comes_from_the_slot_only_and_never_changes():
    # Pinned: changing the scheme would duplicate every note in users' collections.
    assert M.note_guid("einsum.matmul", "write") == "cgWMOmsyHvlCT93K"
    assert M.note_guid("einsum.matmul", "shape") != M.note_guid("einsum.matmul", "write")
    assert M.note_guid("einsum.matmul", "write") != M.note_guid("einsum.matmul2", "write")


def test_field_set_and_templates_are_frozen_for_model_v1():
    # Changing these needs a new MODEL_ID and a migration note (see the module docstring).
    assert M.FIELD_NAMES == ("Id", "Question", "Answer", "Variants", "Media", "Topic", "Source")
    model = M.make_model()
    assert model.model_id == M.MODEL_ID and model.sort_field_index == 0
    (tmpl,) = M.templates()
    front, back = tmpl["qfmt"], tmpl["afmt"]
    assert set(re.findall(r"\{\{.*?\}\}", front)) == {"{{text:Id}}", "{{Question}}", "{{Variants}}"}
    assert set(re.findall(r"\{\{.*?\}\}", back)) == {"{{FrontSide}}", "{{Answer}}"}
    for t in (front, back):
        stripped = re.sub(r"\{\{[A-Za-z:]+\}\}", "", t)
        assert "{{" not in stripped and "}}" not in stripped
    assert back.index('id="cg-back"') < back.index("{{FrontSide}}")
    assert '<script type="application/json" id="cg-variants">{{Variants}}</script>' in front


def test_variant_seeds_are_deterministic_distinct_and_slot_specific():
    a = variant_seeds(0, "einsum.matmul", "write", 8)
    assert a == variant_seeds(0, "einsum.matmul", "write", 8)
    assert len(set(a)) == 8
    assert a[:3] == variant_seeds(0, "einsum.matmul", "write", 3)  # K only adds variants
    assert a != variant_seeds(1, "einsum.matmul", "write", 8)
    assert a != variant_seeds(0, "einsum.matmul", "shape", 8)
    assert a[0] == variant_seed(0, "einsum.matmul", "write", 0)


class _Balance(HTMLParser):
    VOID = {"br", "img", "hr", "meta", "input", "link", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack})")
        else:
            self.stack.pop()


def _assert_balanced(fragment: str):
    p = _Balance()
    p.feed(fragment)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack, fragment[:500])


def _slots():
    return [(f, form) for f in all_families() for form in f.forms]


@pytest.mark.parametrize("slot", _slots(), ids=lambda s: f"{s[0].id}/{s[1]}")
def test_every_registered_family_renders_to_card_html(slot):
    fam, form = slot
    seed = variant_seeds(0, fam.id, form, 1)[0]  # the seed the test decks use, so runs are shared
    v = fam.variant(seed=seed, form=form)
    entry, image = R.render_variant(v, fam, 0)
    _assert_balanced(entry["q"])
    _assert_balanced(entry["a"])
    assert entry["answer_text"] == v.answer_text
    assert html.escape(v.answer_text, quote=False) in entry["a"] or R.markup(v.answer_text) in entry["a"]
    assert "<script" not in entry["q"] + entry["a"]
    if v.code:
        assert 'class="cg-code"' in entry["q"]
    if v.image is not None:
        assert image is not None and image[1] == v.image.data
        assert f'src="{image[0]}"' in entry["q"]
    else:
        assert image is None and "<img" not in entry["q"]
    # The prompt's words survive rendering (backticks become <code>, nothing is lost).
    assert _words(v.prompt) <= _words(html.unescape(re.sub(r"<[^>]+>", " ", entry["q"])))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{4,}", text.replace("`", " ")))
