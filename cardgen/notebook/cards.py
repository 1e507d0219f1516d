"""``cardgen.show`` and ``cardgen.check``: one variant, and a judged answer, as plain Python.

They return objects that a notebook renders as HTML (``_repr_html_``) and that print as text
anywhere else; nothing here imports IPython, so they work without the ``jupyter`` extra.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cardgen.notebook import html as H

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import Variant, Verdict


def _variant(family: str, form: str | None, seed: int) -> "Variant":
    """The variant a user asked for (a family id or a from-code card id); ValueError with the
    command line's message when it does not exist."""
    import click

    from cardgen.engine_cli import make_variant

    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an integer between 0 and 2**63 - 1, not {seed!r}")
    try:
        return make_variant(family, form, seed)
    except click.ClickException as e:
        raise ValueError(e.format_message()) from None


@dataclass
class Card:
    """One variant; its answer folded away in HTML, listed last in text."""

    variant: "Variant"

    def _repr_html_(self) -> str:
        return H.card_html(self.variant, answer=True, hints=True)

    def _repr_png_(self) -> bytes | None:
        return self.variant.image.data if self.variant.image is not None else None

    def __str__(self) -> str:
        v = self.variant
        lines = [f"{v.family} · {v.form} · seed {v.seed}", v.prompt]
        if v.code:
            lines += ["", v.code.rstrip()]
        if v.image is not None:
            lines.append(f"(image: {v.image.name})")
        lines += ["", f"answer: {v.answer_text}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    @property
    def answer(self) -> str:
        return self.variant.answer_text


@dataclass
class Checked:
    """A response judged by execution: ``correct``, ``reason`` and the expected answer."""

    variant: "Variant"
    response: str
    verdict: "Verdict"

    @property
    def correct(self) -> bool:
        return self.verdict.correct

    def __bool__(self) -> bool:
        return self.verdict.correct

    def _repr_html_(self) -> str:
        v, d = self.variant, self.verdict
        status = "pass" if d.correct else ("error" if d.unreadable else "fail")
        label = "CORRECT" if d.correct else ("UNREADABLE" if d.unreadable else "WRONG")
        rows = [("response", f"<code>{H.esc(self.response)}</code>"), ("why", H.esc(d.reason))]
        if not d.correct and d.expected:
            rows.append(("answer", f"<code>{H.esc(d.expected)}</code>"))
        return (f'<div class="cardgen-check" style="{H.BOX}">{H.badge(status, label)} '
                f'{H.esc(v.family)} · {H.esc(v.form)} · seed {v.seed}{H.table(rows)}</div>')

    def __str__(self) -> str:
        d = self.verdict
        mark = "correct" if d.correct else ("cannot read that" if d.unreadable else "wrong")
        text = f"{mark} — {d.reason}"
        if not d.correct and d.expected:
            text += f"\nanswer: {d.expected}"
        return text

    def __repr__(self) -> str:
        return str(self)


def show(family: str, form: str | None = None, seed: int = 0) -> Card:
    """The variant of ``family`` (in ``form``, default the family's first) drawn from ``seed``."""
    return Card(_variant(family, form, seed))


def check(family: str, response: str, form: str | None = None, seed: int = 0) -> Checked:
    """Judge ``response`` to that variant by running it, as ``cardgen check`` does."""
    v = _variant(family, form, seed)
    return Checked(v, str(response), v.check(str(response)))
