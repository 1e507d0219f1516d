"""Task forms of the ARENA families that compute a tensor (issue 24): the hidden-ReLU model's forward
pass (``superpos_core.HiddenReLUModel``: ``relu(relu(x W) Wᵀ + b_final)``) and the |x| model's
(``superpos_core.computation.AbsModel``: ``relu(W2 relu(W1 x) + b_final)``), each asked either for
its output or for its neurons (the hidden ReLU's activations), with the inputs and the result in
either batch layout and the weights either way round. The machinery is :mod:`._tasks`'s.

Why the neurons too: the inputs' layouts are printed, so a learner recognising a card by its inputs
could recall the one answer those inputs had; asking the output or the neurons, in either layout,
leaves four answers per look of the inputs.
"""
from __future__ import annotations

from exercises.superposition._tasks import _Task, _bias, _from_ib, _spaced, _to_ib, _weights_note, _words


def _ein(a: str, b: str, out: str, x: str, w: str) -> tuple[str, str]:
    """The contraction as torch.einsum and as einops.einsum."""
    return (f'torch.einsum("{a},{b}->{out}", {x}, {w})',
            f'einops.einsum({x}, {w}, "{_spaced(a)}, {_spaced(b)} -> {_spaced(out)}")')


def hidden_relu_task(xl: str, wl: str, ol: str, neurons: bool) -> _Task:
    """The hidden-ReLU model with ``x`` as ``xl`` (bif / ibf) and ``W`` as ``wl`` (ifh / ihf): its output
    laid out as ``ol`` (bif / ibf), or with ``neurons`` its hidden activations (``ol`` with h for f)."""
    hl = xl.replace("f", "h")
    hidden, e_hidden = _ein(xl, wl, hl, "x", "W")
    wf, wb = ("W", "W.mT") if wl == "ifh" else ("W.mT", "W")
    plain_h = f"torch.relu({_to_ib('x', xl)} @ {wf})"  # (instance, sample, hidden)
    if neurons:
        rl = ol.replace("f", "h")
        t_h, e_h = _ein(xl, wl, rl, "x", "W")
        solutions = (f"torch.relu({t_h})", f"torch.relu({e_h})", _from_ib(plain_h, rl))
        mistakes = (("no ReLU on the neurons", t_h),)
        ask = ("the activations of its hidden neurons (after their ReLU) for every sample and instance, the result "
               "laid out as its shape below shows.")
        result = rl
    else:
        back, e_back = _ein(hl, wl, ol, f"torch.relu({hidden})", "W")
        e_back = e_back.replace(f"torch.relu({hidden})", f"torch.relu({e_hidden})")
        bias = _bias("b_final", ol)
        solutions = (f"torch.relu({back} + {bias})", f"torch.relu({e_back} + {bias})",
                     _from_ib(f"torch.relu({plain_h} @ {wb} + b_final[:, None, :])", ol))
        plain_back, _ = _ein(hl, wl, ol, hidden, "W")
        mistakes = (("no ReLU on the hidden layer (the plain model)", f"torch.relu({plain_back} + {bias})"),
                    ("no ReLU on the output", f"{back} + {bias}"),
                    ("no bias", f"torch.relu({back})"))
        ask = ("its output for every sample and instance: map the features `x` into the hidden space with the "
               "instance's weights `W`, keep the positive part (each hidden dimension is a neuron), map back to "
               "feature space with the same weights, add the bias `b_final` and keep the positive part; the result "
               "laid out as its shape below shows.")
        result = ol
    return _Task(
        story="A toy model of superposition with a ReLU on its hidden layer (the privileged-basis model), each "
              "instance its own small model. Compute " + ask + _weights_note("W", wl, "ifh"),
        inputs=(("x", xl, _words(xl)), ("W", wl, _words(wl)), ("b_final", "if", _words("if"))),
        solutions=solutions, mistakes=mistakes, result=result,
    )


def abs_task(xl: str, w1l: str, w2l: str, ol: str, neurons: bool) -> _Task:
    """The |x| model with ``x`` as ``xl``, ``W1`` as ``w1l`` (ihf / ifh), ``W2`` as ``w2l`` (ifh / ihf):
    its output laid out as ``ol``, or with ``neurons`` its hidden activations."""
    hl = xl.replace("f", "h")
    w1 = "W1" if w1l == "ifh" else "W1.mT"  # as (instance, feature, hidden)
    w2 = "W2.mT" if w2l == "ifh" else "W2"  # as (instance, hidden, feature)
    plain_h = f"torch.relu({_to_ib('x', xl)} @ {w1})"
    if neurons:
        rl = ol.replace("f", "h")
        t_h, e_h = _ein(xl, w1l, rl, "x", "W1")
        solutions = (f"torch.relu({t_h})", f"torch.relu({e_h})", _from_ib(plain_h, rl))
        mistakes = (("no ReLU on the neurons", t_h),)
        ask = "the activations of its hidden neurons (after their ReLU) for every sample and instance"
        result = rl
    else:
        hidden, e_hidden = _ein(xl, w1l, hl, "x", "W1")
        back, e_back = _ein(hl, w2l, ol, f"torch.relu({hidden})", "W2")
        e_back = e_back.replace(f"torch.relu({hidden})", f"torch.relu({e_hidden})")
        bias = _bias("b_final", ol)
        solutions = (f"torch.relu({back} + {bias})", f"torch.relu({e_back} + {bias})",
                     _from_ib(f"torch.relu({plain_h} @ {w2} + b_final[:, None, :])", ol))
        mistakes = (("no ReLU on the hidden layer", f"torch.relu({_ein(hl, w2l, ol, hidden, 'W2')[0]} + {bias})"),
                    ("no ReLU on the output", f"{back} + {bias}"))
        ask = ("its output for every sample and instance: map the signed features `x` to the hidden neurons with "
               "`W1`, keep the positive part, map the neurons back to feature space with `W2`, add the bias "
               "`b_final` and keep the positive part")
        result = ol
    notes = _weights_note("W1", w1l, "ihf") + _weights_note("W2", w2l, "ifh")
    return _Task(
        story="The model that learns to compute the absolute value of each feature, each instance its own small "
              "model with separate weights in (`W1`) and out (`W2`). Compute " + ask
              + ", the result laid out as its shape below shows." + notes,
        inputs=(("x", xl, _words(xl)), ("W1", w1l, _words(w1l)), ("W2", w2l, _words(w2l)),
                ("b_final", "if", _words("if"))),
        solutions=solutions, mistakes=mistakes, result=result,
    )


#: x and the result in either batch layout, W either way round, output or neurons: four answers per look
HIDDEN_RELU = tuple(hidden_relu_task(x, w, o, n) for x in ("bif", "ibf") for w in ("ifh", "ihf")
                    for o in ("bif", "ibf") for n in (False, True))
#: the |x| model: both weights in the model's layouts or both the other way round (16 cases, as the hidden-ReLU model)
ABS = tuple(abs_task(x, w1, w2, o, n) for x in ("bif", "ibf") for w1, w2 in (("ihf", "ifh"), ("ifh", "ihf"))
            for o in ("bif", "ibf") for n in (False, True))
