"""Small HTML pieces for notebook output: escaped text, a card, a picture, a table.

Everything a learner or a family wrote goes through :func:`esc` (or the deck's ``markup``,
which escapes too), so a cell's output or a hostile function name can never inject markup.
Styles are inline: Jupyter, VS Code and Colab all render them, and none needs a stylesheet.
"""
from __future__ import annotations

import base64
import html
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import Variant

BOX = ("font-family:system-ui,sans-serif;border:1px solid #8884;border-radius:6px;"
       "padding:8px 12px;margin:4px 0;max-width:60em")
MONO = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:90%"
COLORS = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#9a6700", "info": "#0969da"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def pre(text: str) -> str:
    return f'<pre style="{MONO};white-space:pre-wrap;margin:4px 0">{esc(text)}</pre>'


def badge(status: str, label: str | None = None) -> str:
    color = COLORS.get(status, "#57606a")
    return (f'<span style="background:{color};color:white;border-radius:4px;padding:1px 6px;'
            f'font-weight:bold;font-size:85%">{esc(label or status.upper())}</span>')


def table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of (label, already-escaped HTML)."""
    body = "".join(f'<tr><th style="text-align:left;vertical-align:top;padding:2px 8px">{esc(k)}</th>'
                   f'<td style="text-align:left;padding:2px 8px">{v}</td></tr>' for k, v in rows)
    return f'<table style="border-collapse:collapse;margin:4px 0">{body}</table>'


@lru_cache(maxsize=1)
def _pygments():
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True, style="default")


def code_html(code: str) -> str:
    """Python code highlighted with inline styles (no stylesheet needed)."""
    from pygments import highlight

    lexer, formatter = _pygments()
    return highlight(code.strip("\n"), lexer, formatter).strip()


def image_html(data: bytes, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" alt="{esc(alt)}" style="max-width:100%">'


def card_html(v: "Variant", *, title: str = "", answer: bool = False, hints: bool = False,
              image: bool = True) -> str:
    """A variant as a card: prompt, code, picture; the answer folded in ``<details>`` when
    ``answer``. ``data-*`` attributes name the variant (family, form, seed) for tools."""
    from cardgen.deck.render import markup

    head = title or f"{v.family} · {v.form} · seed {v.seed}"
    parts = [f'<div class="cardgen-card" data-family="{esc(v.family)}" data-form="{esc(v.form)}" '
             f'data-seed="{v.seed}" style="{BOX}">',
             f'<div style="color:#57606a;font-size:85%">{esc(head)}</div>',
             f'<div style="margin:6px 0">{markup(v.prompt)}</div>']
    if v.code:
        parts.append(f'<div style="{MONO}">{code_html(v.code)}</div>')
    if image and v.image is not None:
        parts.append(image_html(v.image.data, f"figure for {v.family}"))
    if hints and v.hints:
        items = "".join(f"<li>{markup(h)}</li>" for h in v.hints)
        parts.append(f"<details><summary>Hints</summary><ol>{items}</ol></details>")
    if answer:
        inner = [f"<div><b>Answer:</b> <code>{esc(v.answer_text)}</code></div>"]
        if v.alternatives:
            inner.append("<div>Also right: " + ", ".join(f"<code>{esc(a)}</code>" for a in v.alternatives[:3])
                         + "</div>")
        if v.explanation:
            inner.append(f'<div style="color:#57606a">{markup(v.explanation)}</div>')
        parts.append(f'<details class="cardgen-answer"><summary>Answer</summary>{"".join(inner)}</details>')
    parts.append("</div>")
    return "\n".join(parts)
