"""The note type, decks and identities of the cardgen deck — the parts that must never drift.

Anki matches an imported note to an existing one by its GUID and updates it (keeping the
review history) when the incoming note is newer, but only while the note type keeps its ID
and its fields/templates *schema*. So:

* the IDs below are literals, derived once from fixed strings (``derived_id``) and checked
  by a test; never recompute them from anything that can change;
* a note's GUID comes from its slot — family id and question form — never from content,
  so a rebuild with new variants, a new seed or changed code updates the same note;
* the field list and the number of templates are frozen for model v1. Changing them needs a
  new ``MODEL_ID`` (and name), which Anki treats as a different note type: see the migration
  note in the README.

Template text and CSS may change freely: Anki replaces them when it imports a newer note
type with the same ID and schema. The card script and style are therefore inlined into the
template and CSS rather than shipped as ``_``-media files, which Anki never overwrites.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources

from exercises.registry import TOPICS

#: Bumped only together with MODEL_ID, when the field list or template count changes.
MODEL_VERSION = 1
MODEL_NAME = "cardgen variant (v1)"


def derived_id(label: str) -> int:
    """An Anki ID in genanki's recommended range [2^30, 2^31), derived from ``label``.

    Used once to produce the literals below; kept so a test can show where they came from.
    """
    h = int(hashlib.sha256(label.encode()).hexdigest()[:16], 16)
    return (1 << 30) + h % (1 << 30)


MODEL_ID = 1422395558  # derived_id("cardgen/model/v1")
PARENT_DECK = "cardgen"
PARENT_DECK_ID = 1244535895  # derived_id("cardgen/deck/cardgen")
#: Subdeck per topic; a topic added later gets its own literal here.
TOPIC_DECK_IDS: dict[str, int] = {
    "einsum": 1482755856,  # derived_id("cardgen/deck/cardgen::einsum")
    "einops": 1661393603,  # derived_id("cardgen/deck/cardgen::einops")
    "superposition": 1807120214,  # derived_id("cardgen/deck/cardgen::superposition")
    "tensors": 1381892476,  # derived_id("cardgen/deck/cardgen::tensors"): ARENA 0.0 / Tensor-Puzzles skills
    "mixed": 1762946793,  # derived_id("cardgen/deck/cardgen::mixed"): the task mix across topics
}

#: The frozen field set of model v1, in order; ``Id`` is the sort field.
FIELDS: tuple[tuple[str, str], ...] = (
    ("Id", "the note's slot: family/form, e.g. einsum.matmul/write (sort field)"),
    ("Question", "variant 0's question as HTML: shown when JavaScript is off"),
    ("Answer", "variant 0's answer as HTML: shown when JavaScript is off"),
    ("Variants", "JSON list of all variants: {k, key, seed, q, a, answer_text, image}"),
    ("Media", "<img> references to every image the variants use, so Anki imports and keeps them"),
    ("Topic", "the family's topic: " + " or ".join(TOPICS)),
    ("Source", "how the note was generated: cardgen version, deck seed, family, form, variant seeds"),
)
FIELD_NAMES: tuple[str, ...] = tuple(name for name, _ in FIELDS)

_GUID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def deck_name(topic: str) -> str:
    return f"{PARENT_DECK}::{topic}"


def deck_id(topic: str) -> int:
    """The literal ID of ``topic``'s subdeck (a KeyError names the missing literal)."""
    try:
        return TOPIC_DECK_IDS[topic]
    except KeyError:
        raise KeyError(
            f"no deck ID for topic {topic!r}: add derived_id('cardgen/deck/cardgen::{topic}') "
            "as a literal to TOPIC_DECK_IDS"
        ) from None


def note_id_field(family_id: str, form: str) -> str:
    """The ``Id`` field: the note's slot, readable in Anki's browser."""
    return f"{family_id}/{form}"


def note_guid(family_id: str, form: str) -> str:
    """The note's GUID: a hash of its slot only, so new content updates the same note."""
    digest = hashlib.sha256(f"cardgen-note/{family_id}/{form}".encode()).digest()
    n = int.from_bytes(digest[:12], "big")
    chars = []
    for _ in range(14):
        n, r = divmod(n, len(_GUID_ALPHABET))
        chars.append(_GUID_ALPHABET[r])
    return "cg" + "".join(chars)


def tags_for(family_id: str, topic: str, form: str, difficulty: int) -> list[str]:
    """Anki tags (no spaces): topic, family, form and level, under their own roots."""
    tags = [f"cardgen::{topic}", f"family::{family_id}", f"form::{form}", f"level::{difficulty}"]
    return [re.sub(r"\s+", "_", t) for t in tags]


# ----------------------------------------------------------------------- templates


def _asset(name: str) -> str:
    return resources.files("cardgen.deck").joinpath("assets", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def card_script() -> str:
    js = _asset("card.js")
    js = re.sub(r"\A/\*.*?\*/\s*", "", js, flags=re.S)  # the header comment is for readers of the file
    if "{{" in js or "}}" in js:  # Anki would parse these as template tags
        raise AssertionError("card.js must not contain '{{' or '}}'")
    if "</script" in js.lower() or "<!--" in js:
        raise AssertionError("card.js must not contain '</script' or '<!--'")
    return js


_FRONT = """<div class="cg" id="cg-root" data-cg-id="{{text:Id}}">
<div class="cg-q" id="cg-q">{{Question}}</div>
</div>
<script type="application/json" id="cg-variants">{{Variants}}</script>
<script>
%(js)s</script>
"""

# The marker comes first: the front's script (inside FrontSide) must know it runs on the back.
_BACK = """<div id="cg-back" hidden></div>
{{FrontSide}}
<hr id="answer">
<div class="cg-a" id="cg-a">{{Answer}}</div>
<script>
%(js)s</script>
"""


def templates() -> list[dict[str, str]]:
    js = card_script()
    return [{"name": "Variant", "qfmt": _FRONT % {"js": js}, "afmt": _BACK % {"js": js}}]


@lru_cache(maxsize=1)
def card_css() -> str:
    """The base style plus Pygments' token colours for light and night mode (class-based)."""
    from pygments.formatters import HtmlFormatter

    night = [".nightMode .cg-code", ".night_mode .cg-code"]
    light = HtmlFormatter(style="friendly").get_token_style_defs(".cg-code")
    dark = HtmlFormatter(style="github-dark").get_token_style_defs(night)
    # Reset the light colours first, so a token the dark style leaves unstyled is not dark-on-dark.
    reset = ", ".join(f"{p} span" for p in night) + (
        " { color: inherit; background-color: transparent; font-weight: inherit; font-style: inherit; }"
    )
    return "\n".join([_asset("card.css"), "/* Pygments: friendly */", *light, reset,
                      "/* Pygments: github-dark (night mode) */", *dark, ""])


def make_model():
    """The genanki Model of model v1 (genanki imported here, not at start-up)."""
    import genanki

    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELD_NAMES],
        templates=templates(),
        css=card_css(),
        sort_field_index=0,
    )

