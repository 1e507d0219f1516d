"""A Variant as card HTML: question, answer, and the JSON that carries all variants of a note.

Prompt text is escaped, `backticks` become ``<code>`` and ``\\( \\)`` / ``\\[ \\]`` math is kept
for MathJax (its contents escaped too: MathJax reads text, so ``&lt;`` is still ``<``). Code
is highlighted by Pygments with CSS classes, styled by the note type's CSS in both day and
night mode. Media names are content-addressed, because Anki never replaces an existing media
file: a changed image must arrive under a new name.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import Family, Variant

# Math first (so backticks inside math stay math), then inline code.
_TOKEN = re.compile(r"(\\\(.*?\\\)|\\\[.*?\\\])|`([^`\n]+)`", re.S)


def markup(text: str) -> str:
    """Prompt-style text to HTML: escaped, `code` as <code>, math kept, newlines as <br>."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(_plain(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append(html.escape(m.group(1), quote=False))
        else:
            out.append(f"<code>{html.escape(m.group(2), quote=False)}</code>")
        pos = m.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def _plain(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


@lru_cache(maxsize=1)
def _pygments():
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(), HtmlFormatter(cssclass="cg-code")


def highlight_code(code: str) -> str:
    """Python code as Pygments HTML with class names (``.cg-code``), no inline styles."""
    from pygments import highlight

    lexer, formatter = _pygments()
    return highlight(code.strip("\n"), lexer, formatter).strip()


def media_name(original: str, data: bytes) -> str:
    """A flat, safe, content-addressed basename such as ``cardgen-gram-<hash>.png``.

    The prefix and the hash are added only when the family's name lacks them.
    """
    stem, dot, ext = original.rpartition(".")
    if not dot:
        stem, ext = original, "png"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:80] or "image"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext).lower() or "png"
    digest = hashlib.sha256(data).hexdigest()[:12]
    if not stem.startswith("cardgen"):
        stem = f"cardgen-{stem}"
    if digest not in stem:
        stem = f"{stem}-{digest}"
    return f"{stem}.{ext}"


def question_html(v: "Variant", family: "Family", image_name: str | None) -> str:
    # a task card names no tool, and many family titles do ("Tile with einops.repeat")
    title = "A tensor task" if v.form == "task" else family.title
    parts = [
        f'<div class="cg-meta">{html.escape(title)}'
        f'<span class="cg-form">{html.escape(v.form)}</span></div>',
        f'<div class="cg-prompt">{markup(v.prompt)}</div>',
    ]
    if v.code:
        parts.append(highlight_code(v.code))
    if image_name:
        alt = f"figure for {v.family}"
        parts.append(f'<img class="cg-img" src="{html.escape(image_name)}" alt="{html.escape(alt)}">')
    if v.hints:
        items = "".join(f"<li>{markup(h)}</li>" for h in v.hints)
        label = "Hint" if len(v.hints) == 1 else "Hints"
        parts.append(f'<details class="cg-hints"><summary>{label}</summary><ol>{items}</ol></details>')
    return "\n".join(parts)


def _answer_value(text: str) -> str:
    if "`" in text or "\\(" in text or "\\[" in text:
        return markup(text)  # already marked up prose
    if "\n" in text:
        return f"<pre>{html.escape(text, quote=False)}</pre>"
    return f"<code>{html.escape(text, quote=False)}</code>"


def reproduce_html(v: "Variant") -> str:
    """The default last line of an answer: the command that shows this very variant."""
    cmd = f"cardgen show {v.family} --form {v.form} --seed {v.seed} --answer"
    return f'Try it: <code>{html.escape(cmd)}</code>'


def answer_html(v: "Variant", reproduce: str | None = None) -> str:
    """The answer side; ``reproduce`` (HTML) replaces the default "Try it" line — from-code
    cards pass their source and their `cardgen check` command."""
    parts = [f'<div class="cg-answer"><span class="cg-label">Answer</span>{_answer_value(v.answer_text)}</div>']
    if v.alternatives:
        alts = ", ".join(f"<code>{html.escape(a, quote=False)}</code>" for a in v.alternatives[:3])
        parts.append(f'<div class="cg-also">Also right: {alts}</div>')
    if v.explanation:
        parts.append(f'<div class="cg-explain">{markup(v.explanation)}</div>')
    parts.append(f'<div class="cg-src">{reproduce if reproduce is not None else reproduce_html(v)}</div>')
    return "\n".join(parts)


def render_variant(v: "Variant", family: "Family", k: int,
                   reproduce: str | None = None) -> tuple[dict[str, Any], tuple[str, bytes] | None]:
    """One entry of the ``Variants`` JSON, and its image as (media name, bytes) if any;
    ``reproduce`` as in :func:`answer_html`."""
    image = None
    name = None
    if v.image is not None:
        name = media_name(v.image.name, v.image.data)
        image = (name, v.image.data)
    entry = {
        "k": k,
        "key": v.key,
        "seed": v.seed,
        "q": question_html(v, family, name),
        "a": answer_html(v, reproduce),
        "answer_text": v.answer_text,
        "image": name,
    }
    return entry, image


def variants_json(entries: list[dict[str, Any]]) -> str:
    """JSON safe inside ``<script type="application/json">`` and inside an Anki field.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e``, ``\\u0026``: no ``</script>``
    can end the element early, no HTML entity is decoded, and Anki sees no tags in the field.
    """
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def media_field(names: list[str]) -> str:
    """The ``Media`` field: an <img> per file, which is what makes Anki import and keep it."""
    return "".join(f'<img src="{html.escape(n)}">' for n in dict.fromkeys(names))
