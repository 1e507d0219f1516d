"""LaTeX maths as Unicode text for the terminal; the cards keep the LaTeX for Anki's MathJax.

One source, two renderings: a prompt marks maths with ``\\( \\)`` (or ``\\[ \\]``); the deck
hands it to MathJax, the terminal shows ``0.85⁴ ≈ 0.522`` and ``D* = m / ‖W‖_F²`` instead of
``0.85^{4} \\approx 0.522``. The LaTeX is parsed by pylatexenc's walker (groups, macro
arguments, ``\\hat W`` without braces); symbols, accents and super/subscript characters come
from unicodeit's tables; pylatexenc's latex2text renders any other macro. Only the layout
rules (fractions, roots, scripts without a Unicode form) are ours.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Macros whose argument is shown as plain text.
_TEXT_MACROS = {"mathrm", "text", "textrm", "operatorname", "mathbf", "mathit", "mathsf", "mathtt",
                "boldsymbol", "textbf", "textit", "mathcal", "mathbb", "emph", "left", "right", "big", "Big"}
#: Macros that name a function: shown as their name.
_FUNCTIONS = {"cos", "sin", "tan", "log", "ln", "exp", "max", "min", "arg", "det", "tr", "softmax", "argmax", "argmin"}
#: Accents whose combining mark unicodeit lacks or names otherwise.
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "vec": "\u20d7", "tilde": "\u0303",
            "dot": "\u0307", "ddot": "\u0308"}


@lru_cache(maxsize=1)
def _tables():
    import unicodeit.data as d

    symbols = {name[1:]: ch for name, ch in d.REPLACEMENTS if name.startswith("\\")}
    sup = {k[1:]: v for k, v in d.SUBSUPERSCRIPTS if k.startswith("^") and len(k) == 2}
    sub = {k[1:]: v for k, v in d.SUBSUPERSCRIPTS if k.startswith("_") and len(k) == 2}
    accents = {name[1:]: ch for name, ch in d.COMBININGMARKS}
    accents.update(_ACCENTS)
    sup.update({"*": "*", "'": "′", "T": "ᵀ"})
    return symbols, sup, sub, accents


@lru_cache(maxsize=512)
def tex_to_unicode(tex: str) -> str:
    """The maths in ``tex`` (without its ``\\( \\)``) as Unicode text; never raises: text the
    parser cannot read is shown with its backslashes dropped."""
    try:
        from pylatexenc.latexwalker import LatexWalker

        nodes, _, _ = LatexWalker(tex, tolerant_parsing=True).get_latex_nodes()
        out = _nodes(nodes)
    except Exception:  # a parser failure must not hide the exercise
        out = re.sub(r"\\([A-Za-z]+|.)", r"\1", tex)
    return unicodedata.normalize("NFC", re.sub(r"[ \t]+", " ", out).strip())


def _nodes(nodes) -> str:
    """Render a node list, applying ``^``/``_`` to the item that follows them."""
    items = _flatten(nodes or [])
    out: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if isinstance(item, str) and item in ("^", "_") and i + 1 < len(items):
            j = i + 1
            while j < len(items) and isinstance(items[j], str) and items[j] == " ":
                j += 1
            if j < len(items):
                out.append(_script(item, _item(items[j])))
                i = j + 1
                continue
        out.append(_item(item))
        i += 1
    return "".join(out)


def _flatten(nodes) -> list:
    """Characters one by one (so a script takes a single character), other nodes whole."""
    from pylatexenc.latexwalker import LatexCharsNode

    items: list = []
    for n in nodes:
        if n is None:
            continue
        if isinstance(n, LatexCharsNode):
            items.extend(n.chars)
        else:
            items.append(n)
    return items


def _item(item) -> str:
    from pylatexenc.latexwalker import LatexGroupNode, LatexMacroNode, LatexMathNode

    if isinstance(item, str):
        return item
    if isinstance(item, (LatexGroupNode, LatexMathNode)):
        return _nodes(item.nodelist)
    if isinstance(item, LatexMacroNode):
        return _macro(item) + (" " if item.macro_post_space and _spaced(item) else "")
    return _latex2text(item)


def _spaced(node) -> bool:
    """Keep the space typed after a symbol macro (``\\approx 0.5``), not after an accent."""
    accents = _tables()[3]
    return node.macroname not in accents and not _args(node)


def _args(node) -> list:
    return [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]


def _macro(node) -> str:
    symbols, _, _, accents = _tables()
    name, args = node.macroname, _args(node)
    if name in ("frac", "dfrac", "tfrac") and len(args) == 2:
        return f"{_operand(_item(args[0]))}/{_operand(_item(args[1]))}"
    if name == "sqrt" and args:
        return "√" + _operand(_item(args[-1]))
    if name in accents:
        body = _item(args[0]) if args else ""
        return body[:1] + accents[name] + body[1:] if body else ""
    if name in _TEXT_MACROS:
        return "".join(_item(a) for a in args)
    if name in _FUNCTIONS:
        return name
    if name in symbols:
        return symbols[name]
    text = _latex2text(node)
    return text if "\\" not in text else name


def _operand(text: str) -> str:
    """A fraction's or root's operand, bracketed unless it is one number or one symbol."""
    t = text.strip()
    return t if re.fullmatch(r"[\w.′]+|\(.*\)", t) else f"({t})"


def _script(kind: str, text: str) -> str:
    """``text`` raised (``^``) or lowered (``_``) with Unicode characters when every character
    has one, else written ``^(…)``/``_…`` so nothing is lost."""
    _, sup, sub, _ = _tables()
    table = sup if kind == "^" else sub
    t = unicodedata.normalize("NFC", text.strip())
    if t and all(c in table for c in t):
        return "".join(table[c] for c in t)
    return f"{kind}{t}" if len(t) == 1 or re.fullmatch(r"\w+", t) else f"{kind}({t})"


def _latex2text(node) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text").nodelist_to_text([node])
