"""Each redraw guard of the superposition value families matters: what it rejects never reaches
a card. Turn a guard off and its test here fails (``python tests/mutation_check.py`` does)."""
import pytest

from exercises import get_family

SEEDS = range(40)


def _variants(fid):
    fam = get_family(f"superposition.{fid}")
    return [fam.variant(seed=s, form="value") for s in SEEDS]


def test_interference_is_never_zero():
    """All-orthogonal rows would make the answer 0: a dull question, answered by typing 0."""
    assert all(v.answer > 0 for v in _variants("interference"))


def test_dims_per_feature_rows_are_distinct_and_not_all_zero():
    for v in _variants("dims_per_feature"):
        rows = [tuple(r) for r in v.params["W"]]
        assert len(set(rows)) == len(rows) and any(any(r) for r in rows), v.key


def test_loss_cards_show_a_model_that_does_not_copy_its_input():
    """``out == batch`` would make the loss 0 whatever the importance."""
    assert all(v.params["out"] != v.params["batch"] for v in _variants("loss"))


def test_w_convention_has_no_zero_feature_and_no_zero_entry():
    for v in _variants("w_convention"):
        assert all(any(r) for r in v.params["W"]) and v.answer != 0, v.key


def test_sae_loss_reconstruction_differs_and_some_preactivation_is_negative():
    """A perfect reconstruction drops a loss term; no negative activation leaves the L1's |·| untested."""
    for v in _variants("sae_loss"):
        assert v.params["h"] != v.params["h_hat"], v.key
        assert any(a < 0 for row in v.params["acts"] for a in row), v.key


@pytest.mark.parametrize("fid", ["dimensionality", "interference", "expected_present", "all_zero_prob",
                                 "linear_lr", "cosine_decay_lr", "loss", "dims_per_feature", "sparsity",
                                 "w_convention", "sae_loss"])
def test_no_listed_mistake_is_accepted(fid):
    """The guard every redraw shares (``number_mistakes``): a draw on which a classic mistake
    would score is drawn again."""
    for v in _variants(fid)[:15]:
        assert v.mistakes, v.key
        assert not any(v.check(r).correct for _, r in v.mistakes), v.key
