"""The terminal shows the cards' LaTeX maths as Unicode: every family's text (prompt, hints,
answer, explanation), over several seeds and every form, rendered by show/drill's renderer,
keeps no backslash command; the deck keeps its LaTeX for MathJax."""
import io
import re

import pytest
from rich.console import Console

from cardgen.console import print_variant, render_markup, render_text
from cardgen.termmath import tex_to_unicode
from exercises import all_families

BACKSLASH_COMMAND = re.compile(r"\\[A-Za-z]+|\\[()\[\]{}|]")
SEEDS = range(4)
SLOW_S = 1.0  # a family whose variant takes longer (a trained model) is checked on its first seed only


@pytest.mark.parametrize("tex, shown", [
    (r"0.85^{4} \approx 0.522", "0.85⁴ ≈ 0.522"),
    (r"D^* = m / \|W\|_F^2", "D* = m / ‖W‖_F²"),
    (r"\cos(\frac{\pi}{2} \cdot \frac{19}{57})", "cos(π/2 ⋅ 19/57)"),
    (r"D_i = \|W_i\|^2 / \sum_j (\hat W_i \cdot W_j)^2", "Dᵢ = ‖Wᵢ‖² / ∑ⱼ (Ŵᵢ ⋅ Wⱼ)²"),
    (r"h = \mathrm{ReLU}(W^T x)", "h = ReLU(Wᵀ x)"),
    (r"\frac{a+b}{2}", "(a+b)/2"),
    (r"x_{n+1}", "xₙ₊₁"),
    (r"e^{-x^2}", "e^(-x²)"),  # no Unicode superscript for every character: brackets keep it exact
])
def test_maths_becomes_unicode(tex, shown):
    assert tex_to_unicode(tex) == shown


def test_code_and_maths_in_prompt_text():
    out = render_markup(r"Compute `x @ W` and \(\sqrt{2}/2\) for \(D^*\).")
    assert "\\" not in out and "√2/2" in out and "D*" in out and "[bold cyan]" in out


def _screen(v) -> str:
    buf = io.StringIO()
    con = Console(file=buf, width=80, color_system=None, highlight=False)
    print_variant(v, show_answer=True, target=con)
    for h in v.hints:
        con.print(render_markup(h))
    for alt in v.alternatives:
        con.print(render_text(alt))
    return buf.getvalue()


@pytest.mark.parametrize("fam", all_families(), ids=lambda f: f.id)
def test_no_latex_command_reaches_the_terminal(fam):
    import time

    for form in fam.forms:
        for seed in SEEDS:
            t0 = time.monotonic()
            v = fam.variant(seed=seed, form=form)
            slow = time.monotonic() - t0 > SLOW_S
            code = v.code or ""  # code is Python, shown as is
            shown = _screen(v).replace(code, "") if code else _screen(v)
            left = BACKSLASH_COMMAND.findall(shown)
            assert not left, f"{fam.id}/{form}/{seed}: {left} in\n{shown}"
            if slow:
                break
