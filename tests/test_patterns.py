"""The one pattern engine (exercises/patterns.py): every op, `...`, anonymous and literal axes,
groups, pack/unpack — parsed, described, and run against the libraries themselves."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from exercises.patterns import PatternError, and_list, axes_text, einsum_terms, parse, rename, run, shape_of


@pytest.mark.parametrize("text, implicit_out", [("ij,jk", "ik"), ("ba", "ab"), ("ii", ""), ("...ij,...jk", "...ik")])
def test_implicit_einsum_output_follows_the_library_rule(text, implicit_out):
    p = parse("einsum", text, "torch")
    assert p.side_text(p.output) == implicit_out
    a = torch.randn(2, 2, 2) if "..." in text else torch.randn(2, 2)
    ops = [a] * len(p.inputs)
    explicit = text + "->" + implicit_out
    assert torch.allclose(run("einsum", text, ops, library="torch"), run("einsum", explicit, ops, library="torch"))


def test_einsum_descriptions():
    p = parse("einsum", "b...ik,bkj->bij", "torch")
    assert p.removed() == ["k"] and p.ellipsis_removed()
    assert einsum_terms("bik,bkj->bij") == ([["b", "i", "k"], ["b", "k", "j"]], ["b", "i", "j"])
    assert rename("ik,kj->ij", {"i": "x", "k": "y"}, letters=True) == "xy,yj->xj"


@pytest.mark.parametrize("bad", ["ij,jk->ik->i", "i1->i", "...i...->i", "ij->k", "ij->ii"])
def test_invalid_einsum_strings_are_refused_with_the_pattern_quoted(bad):
    with pytest.raises(PatternError) as e:
        parse("einsum", bad, "numpy")
    assert repr(bad) in str(e.value) or "unexpected" in str(e.value)


def test_einops_layouts_groups_literals_anonymous_and_ellipsis():
    p = parse("rearrange", "b (h w) 1 ... -> b h w () ...")
    assert p.input_names() == ["b", "h", "w"] and p.has_ellipsis
    assert p.needed_lengths() == ["h"]
    sizes = {"b": 2, "h": 3, "w": 5}
    assert shape_of(p.inputs[0], sizes, (4, 6)) == (2, 15, 1, 4, 6)
    assert shape_of("b (h w) 1 ...", sizes, (4, 6)) == (2, 15, 1, 4, 6)
    x = torch.randn(2, 15, 1, 4, 6)
    out = run("rearrange", p.text, [x], lengths={"h": 3})
    assert tuple(out.shape) == shape_of(p.output, sizes, (4, 6)) == (2, 3, 5, 1, 4, 6)
    assert axes_text("b (h w) ()") == "(b, h·w, 1)"
    assert rename("b (h w) -> b h w", {"h": "rows"}) == "b (rows w) -> b rows w"


def test_reduce_repeat_einsum_pack_unpack_run_like_einops():
    import einops

    x = torch.randn(2, 3, 4)
    assert torch.equal(run("reduce", "b n d -> b d", [x], reduction="max"), einops.reduce(x, "b n d -> b d", "max"))
    assert tuple(run("repeat", "b n d -> b n d r", [x], lengths={"r": 5}).shape) == (2, 3, 4, 5)
    y = torch.randn(4, 6)
    assert torch.allclose(run("einsum", "b n d, d e -> b n e", [x, y]), einops.einsum(x, y, "b n d, d e -> b n e"))
    packed = run("pack", "b *", [x, torch.randn(2, 7)])
    assert tuple(packed.shape) == (2, 19)
    pieces = run("unpack", "b *", [packed], packed_shapes=[(3, 4), (7,)])
    assert [tuple(t.shape) for t in pieces] == [(2, 3, 4), (2, 7)]
    assert parse("pack", "b *").removed() == []
    assert tuple(run("einsum", "ij->j", [np.ones((2, 3))], library="numpy").shape) == (3,)


@pytest.mark.parametrize("op, bad", [("rearrange", "b c"), ("rearrange", "b (c -> b c"), ("pack", "b * *"),
                                     ("pack", "b -> b *"), ("einsum", "(a b), c -> a"), ("rearrange", "b * -> b"),
                                     ("rearrange", "b ((c)) -> b c")])
def test_invalid_einops_patterns_are_refused(op, bad):
    with pytest.raises(PatternError):
        parse(op, bad)


def test_the_library_error_propagates_from_run():
    with pytest.raises(Exception) as e:
        run("rearrange", "b c -> b c d", [torch.zeros(2, 3)])
    assert "d" in str(e.value)


def test_and_list():
    assert [and_list([]), and_list(["a"]), and_list(["a", "b"]), and_list(["a", "b", "c"])] == [
        "", "a", "a and b", "a, b and c"]


def test_einmix_runs_with_weights_drawn_from_the_seed():
    x = torch.randn(2, 3, 4)
    a = run("einmix", "b t c -> b t d", [x], weight_shape="c d", bias_shape="d", lengths={"c": 4, "d": 5}, seed=3)
    b = run("einmix", "b t c -> b t d", [x], weight_shape="c d", bias_shape="d", lengths={"c": 4, "d": 5}, seed=3)
    assert tuple(a.shape) == (2, 3, 5) and torch.equal(a, b)
    w = run("einmix", "b t c -> b t d", [torch.eye(4).expand(1, 4, 4)], weight_shape="c d",
            lengths={"c": 4, "d": 5}, seed=3)[0]
    c = run("einmix", "t b c -> t b d", [x.transpose(0, 1)], weight_shape="c d", lengths={"c": 4, "d": 5}, seed=3)
    assert torch.allclose(c.transpose(0, 1), x @ w, atol=1e-5)  # the same weights, whatever the pattern
    assert parse("einmix", "b (h c) -> b h d").input_names() == ["b", "h", "c"]
