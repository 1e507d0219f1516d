"""When a family's draws run out, the error names the card (family, form, seed), never a bare
TypeError from a half-made draw."""
import importlib

import pytest

from exercises import get_family
from exercises.redraw import DrawsExhausted, redraw


def test_redraw_returns_the_first_usable_draw_and_counts_its_tries():
    tries = iter([None, None, 7, 8])
    assert redraw(lambda: next(tries), 5, family="f", form="value", seed=1) == 7
    with pytest.raises(DrawsExhausted, match=r"^f/value/3: none of 4 draws separates"):
        redraw(lambda: None, 4, family="f", form="value", seed=3)


@pytest.mark.parametrize("name", ["expected_present", "all_zero_prob", "linear_lr", "w_convention", "sparsity"])
def test_a_family_whose_every_draw_is_rejected_says_which_card(monkeypatch, name):
    module = importlib.import_module(f"exercises.superposition.{name}")
    monkeypatch.setattr(module, "number_mistakes", lambda *a, **k: None)  # every mistake "scores"
    fam = get_family(f"superposition.{name}")
    seed = 1 if name == "sparsity" else 0  # sparsity's seed 0 asks for p (no redraw)
    with pytest.raises(DrawsExhausted, match=rf"^superposition\.{name}/value/{seed}: none of 500 draws"):
        fam.variant(seed=seed, form="value")
