"""Text laid out for an 80-column terminal breaks only between words (issue 25): a number, a
shape, an index or a `code` span is never split; a code span stays on one line where it fits
and, wider than the terminal, breaks at one of its own spaces with a visible ↩. The drill's
text through :class:`cardgen.console.Prose` (real cards), and ``cardgen grade`` in real tmux."""
from __future__ import annotations

import io
import re
import shutil

import pytest
from rich.console import Console

from cardgen.console import MARK, Prose, render_markup, render_text

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _render(markup: str, width: int = 80) -> list[str]:
    con = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    con.print(Prose(markup))
    return con.file.getvalue().splitlines()


def _unwrapped(lines: list[str]) -> str:
    """The lines joined back: a line ended by the mark continues on the next."""
    return " ".join(ln[:-1] if ln.endswith(MARK) else ln for ln in lines)


def _spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


@pytest.mark.parametrize("family", ["einsum.tms_hidden", "einsum.tms_back"])
def test_drill_text_keeps_code_spans_whole_at_80_columns(family):
    """Their task cards explain with a 100-character `einops.einsum(...)` span, answers as long."""
    from exercises import get_family

    v = get_family(family).variant(seed=1, form="task")
    texts = [(t, render_markup(t)) for t in (v.prompt, v.explanation, *v.hints)]
    texts += [(f"`{a}`", render_text(a)) for a in (v.answer_text, *v.alternatives)]
    long_seen = 0
    for raw, markup in texts:
        for para in raw.split("\n"):
            lines = _render(render_markup(para)) if "`" in para else _render(markup)
            assert all(len(ln) <= 80 for ln in lines), lines
            joined = _unwrapped(lines)
            plain = re.sub(r"`", "", para) if "`" in para else re.sub(r"`", "", raw)
            assert joined.split() == plain.split()  # nothing lost, no word split or merged
            for span in _spans(para if "`" in para else raw):
                if len(span) < 80:  # fits: on one line
                    assert any(span in ln for ln in lines), (span, lines)
                else:  # wider than the terminal: broken at its own spaces, each break marked
                    long_seen += 1
                    pieces = [ln for ln in lines if ln.endswith(MARK)]
                    assert pieces, lines
                    for ln in pieces:
                        assert ln[:-1] and not ln[:-1].endswith(" ")
                    assert span in joined
    assert long_seen >= 2  # the explanation's span and the answer's


def test_a_short_code_span_moves_to_the_next_line_rather_than_split():
    span = "torch.einsum('bhqd,bhkd->bhqk', queries, keys) / scale"
    lines = _render(render_markup("x " * 20 + f"then `{span}` and the rest of the sentence."))
    assert any(span in ln for ln in lines) and not any(ln.endswith(MARK) for ln in lines), lines


def test_a_token_wider_than_the_terminal_is_folded_visibly():
    path = "/tmp/" + "d" * 120 + ".png"
    lines = _render(render_markup(f"see `{path}`"))
    assert all(len(ln) <= 80 for ln in lines) and lines[0] == "see" and lines[1].endswith(MARK)
    assert _unwrapped(lines).replace(" ", "") == f"see{path}"


# ------------------------------------------------------------------------------- cardgen grade

WRONG = '''
    h = torch.einsum('bif,ifh->bih', features, W)
    print('debugging the forward pass with a line of output that goes past eighty columns', h.shape)
    return torch.relu(torch.einsum('bih,ifh->bif', h, W) - b_final)
'''


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_grade_output_at_80_columns_in_tmux(tmp_path):
    """A wrong solution's report (counterexample inputs as code, slices, its printed output, a
    hint): on a terminal every line fits, every number, shape and index is whole on one row,
    and unwrapping the rows gives back the words of the piped (unwrapped) report."""
    from _drill_helpers import drill_env
    from _grade_helpers import cardgen
    from test_drill_tmux import Tmux

    from cardgen.grade.stub import new_exercise

    sol = tmp_path / "f.py"  # the stub `cardgen exercise new superposition.forward --seed 3` writes
    sol.write_text(new_exercise("superposition.forward", 3, "f.py").replace("    raise NotImplementedError\n", WRONG))
    piped = cardgen("grade", "f.py", "--hint", cwd=tmp_path)
    assert piped.rc == 1, piped.err
    assert max(len(ln) for ln in piped.out.splitlines()) > 100  # there is something to wrap

    import sys

    t = Tmux([sys.executable, "-m", "cardgen", "grade", str(sol), "--hint"], 80, drill_env())
    try:
        t.wait_for(r"EXIT=\d+", timeout=120)
        screen, rows = t.screen(), t.rows()
    finally:
        t.close()
    assert "EXIT=1" in screen, screen
    shown = screen[:screen.index("EXIT=")].rstrip("\n").splitlines()
    assert [r.rstrip() for r in screen.splitlines()] == [r.rstrip() for r in rows.splitlines()]  # no terminal wrap
    assert max(len(ln) for ln in shown) <= 80
    text = "\n".join(shown)
    assert NUMBER.findall(text) == NUMBER.findall(piped.out)  # no number split across rows
    for group in set(re.findall(r"\([\d, ]+\)|\[[\d, :]+\]", piped.out)):  # shapes, indices, slices
        assert group in text, group
    words = [w for w in _unwrapped(shown).split() if w != "|"]
    assert words == [w for w in piped.out.split() if w != "|"]
