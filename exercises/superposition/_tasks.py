"""Task forms of the superposition families that compute a tensor: the TMS forward pass and the
SAE's encoder and decoder, stated in the model's terms (instances, features, hidden dimensions,
latents) in the project's own layouts (``W: [instance, feature, hidden]``, as ``superpos_core``),
never naming the tool; see :mod:`exercises.task_form`."""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Callable

from exercises.base import Variant
from exercises.task_form import TaskInput, int_tensor, randn, task_variant


@dataclass(frozen=True)
class _Task:
    story: str
    inputs: tuple[tuple[str, str, str], ...]  # (name, axis letters, words)
    solutions: tuple[str, ...]
    mistakes: tuple[tuple[str, str], ...]
    result: str = ""  # the result's layout (axis letters), where it is not the first input's
    case: tuple[tuple[str, str], ...] = ()  # what varies besides the layouts (the model's kind, the quantity)


_SIZE_AXES = "bifhd"  # sample, instance, feature, hidden, latent
_WORDS = {"b": "sample", "i": "instance", "f": "feature", "h": "hidden", "d": "latent"}


def _words(axes: str) -> str:
    return " × ".join(_WORDS[a] for a in axes)


def _spaced(axes: str) -> str:
    return " ".join(axes)


def _to_ib(name: str, layout: str) -> str:
    """``name`` with its sample and instance axes as (instance, sample, ...)."""
    return name if layout.startswith("ib") else f"{name}.transpose(0, 1)"


def _from_ib(expr: str, layout: str) -> str:
    return expr if layout.startswith("ib") else f"({expr}).transpose(0, 1)"


def _bias(name: str, layout: str) -> str:
    """A per-instance bias ``[instance, n]`` added to a tensor laid out as ``layout``."""
    return f"{name}[:, None, :]" if layout.startswith("ib") else name


def _weights_note(name: str, layout: str, model_layout: str, owner: str = "model") -> str:
    if layout == model_layout:
        return ""
    return (f" Here `{name}` is stored {_words(layout)}, unlike the project's {owner}, which stores it "
            f"{_words(model_layout)}.")


#: The project's toy models (superpos_core.MODEL_KINDS): (ReLU on the hidden layer, ReLU on the output,
#: the class and how the card says what it computes)
_KINDS = {
    "relu": (False, True, "the project's `Model`",
             "project the feature vector `x` into the hidden space with the instance's weights `W`, map it back to "
             "feature space with the same weights, add the instance's bias `b_final`, and keep only the positive part"),
    "linear": (False, False, "the project's `LinearModel`, which clips nothing",
               "project the feature vector `x` into the hidden space with the instance's weights `W`, map it back "
               "to feature space with the same weights and add the instance's bias `b_final`; nothing is clipped"),
    "hidden_relu": (True, True, "the project's `HiddenReLUModel`, which clips its hidden layer too",
                    "project the feature vector `x` into the hidden space with the instance's weights `W` and keep "
                    "only the positive part of every hidden activation, map that back to feature space with the same "
                    "weights, add the instance's bias `b_final`, and keep only the positive part again"),
}
_QUANTITIES = {
    "output": "The result is the model's output",
    "error": "The result is how far the output misses its input: the output minus `x` (the error the "
             "reconstruction loss squares)",
}


def _relu(expr: str, on: bool) -> str:
    return f"torch.relu({expr})" if on else expr


def _forward_expr(xl: str, wl: str, ol: str, hidden_relu: bool, output_relu: bool, *, bias: str = "in",
                  minus: str = "", mixed: bool = False, tool: str = "torch") -> str:
    """The forward pass (or a slip of it) as an einsum expression; ``bias`` "in" / "none" / "after"
    (after the output ReLU), ``minus`` "" / "x" (output minus x) / "neg" (x minus the output),
    ``mixed``: the instances summed over (a slip)."""
    hl = xl.replace("f", "h")
    back_in = hl.replace("i", "j") if mixed else hl
    if tool == "torch":
        hidden = _relu(f'torch.einsum("{xl},{wl}->{hl}", x, W)', hidden_relu)
        out = f'torch.einsum("{back_in},{wl}->{ol}", {hidden}, W)'
    else:
        hidden = _relu(f'einops.einsum(x, W, "{_spaced(xl)}, {_spaced(wl)} -> {_spaced(hl)}")', hidden_relu)
        out = f'einops.einsum({hidden}, W, "{_spaced(hl)}, {_spaced(wl)} -> {_spaced(ol)}")'
    b = _bias("b_final", ol)
    out = {"in": _relu(f"{out} + {b}", output_relu), "none": _relu(out, output_relu),
           "after": f"{_relu(out, output_relu)} + {b}"}[bias]
    x_out = "x" if ol == xl else "x.transpose(0, 1)"
    return {"": out, "x": f"{out} - {x_out}", "neg": f"{x_out} - {out}"}[minus]


def _forward_plain(xl: str, wl: str, ol: str, hidden_relu: bool, output_relu: bool, minus: str) -> str:
    wf = "W" if wl == "ifh" else "W.mT"
    wb = "W.mT" if wl == "ifh" else "W"
    if xl == "if":
        hidden = _relu(f"x[:, None, :] @ {wf}", hidden_relu)
        out = _relu(f"({hidden} @ {wb})[:, 0] + b_final", output_relu)
    else:
        hidden = _relu(f"{_to_ib('x', xl)} @ {wf}", hidden_relu)
        core = f"{hidden} @ {wb} + b_final[:, None, :]"
        out = _from_ib(_relu(core, output_relu), ol)
    return f"{out} - {'x' if ol == xl else 'x.transpose(0, 1)'}" if minus else out


def forward_task(xl: str, wl: str, ol: str | None = None, kind: str = "relu", quantity: str = "output") -> _Task:
    """The forward pass of the project's toy model ``kind`` (a key of :data:`_KINDS`) with ``x`` laid out
    as ``xl`` (bif / ibf, or if: one sample), ``W`` as ``wl`` (ifh / ihf) and the result as ``ol`` (bif /
    ibf; ``xl`` by default); ``quantity`` "output" or "error" (the output minus ``x``)."""
    ol = ol or xl
    hidden_relu, output_relu, model, steps = _KINDS[kind]
    minus = "x" if quantity == "error" else ""

    def slip(**kw) -> str:
        args = {"hidden_relu": hidden_relu, "output_relu": output_relu, "minus": minus, **kw}
        return _forward_expr(xl, wl, ol, args.pop("hidden_relu"), args.pop("output_relu"), **args)

    mistakes = [("no bias", slip(bias="none")),
                ("the instances mixed: every sample's features summed over instances", slip(mixed=True))]
    if output_relu:
        mistakes += [("no ReLU" + (" on the output" if hidden_relu else ""), slip(output_relu=False)),
                     ("the bias added after the ReLU", slip(bias="after"))]
    else:
        mistakes.append(("a ReLU on the output (the linear model has none)", slip(output_relu=True)))
    if hidden_relu:
        mistakes.append(("no ReLU on the hidden layer", slip(hidden_relu=False)))
    if minus:
        mistakes += [("the output itself, not its difference from `x`", slip(minus="")),
                     ("`x` minus the output (the sign flipped)", slip(minus="neg"))]
    where = "every sample and instance" if "b" in xl else "one sample: every instance"
    return _Task(
        story=f"The forward pass of a toy model of superposition ({model}), for {where}: {steps}. "
              f"{_QUANTITIES[quantity]}, laid out as its shape below shows." + _weights_note("W", wl, "ifh"),
        inputs=(("x", xl, _words(xl)), ("W", wl, _words(wl)), ("b_final", "if", _words("if"))),
        solutions=(slip(), slip(tool="einops"), _forward_plain(xl, wl, ol, hidden_relu, output_relu, minus)),
        mistakes=tuple(mistakes), result=ol, case=(("kind", kind), ("quantity", quantity)),
    )


def encode_task(hl: str, wl: str, ol: str | None = None, quantity: str = "acts") -> _Task:
    """The SAE encoder with ``h`` laid out as ``hl`` (bih / ibh) and ``W_enc`` as ``wl`` (ihd / idh); the
    result (its sample and instance axes as ``ol``: bi / ib, ``hl``'s by default) is ``quantity``: the
    latent activations ("acts"), their pre-activations before the ReLU ("pre"), or the reconstruction by a
    decoder tied to the encoder ("tied": ``W_dec`` is ``W_enc`` transposed)."""
    ol = (ol or hl[:2])
    al, rl = hl.replace("h", "d"), ol + ("h" if quantity == "tied" else "d")
    pre_al = ol + "d" if quantity != "tied" else al

    def pre(sub: str = "-", bias: bool = True, tool: str = "torch") -> str:
        centred = "h" if not sub else f"h {sub} {_bias('b_dec', hl)}"
        if tool == "torch":
            e = f'torch.einsum("{hl},{wl}->{pre_al}", {centred}, W_enc)'
        else:
            e = f'einops.einsum({centred}, W_enc, "{_spaced(hl)}, {_spaced(wl)} -> {_spaced(pre_al)}")'
        return f"{e} + {_bias('b_enc', pre_al)}" if bias else e

    def finish(p: str, relu: bool = True, tool: str = "torch") -> str:
        acts = _relu(p, relu)
        if quantity != "tied":
            return acts
        # tied: latent d's decoder direction is W_enc[i, :, d], so the same weights contract over d
        if tool == "torch":
            rec = f'torch.einsum("{pre_al},{wl}->{rl}", {acts}, W_enc)'
        else:
            rec = f'einops.einsum({acts}, W_enc, "{_spaced(pre_al)}, {_spaced(wl)} -> {_spaced(rl)}")'
        return f"{rec} + {_bias('b_dec', rl)}"

    relu = quantity != "pre"
    we = "W_enc" if wl == "ihd" else "W_enc.mT"
    plain_pre = f"({_to_ib('h', hl)} - b_dec[:, None, :]) @ {we} + b_enc[:, None, :]"
    if quantity == "tied":
        wt = "W_enc.mT" if wl == "ihd" else "W_enc"
        plain = _from_ib(f"torch.relu({plain_pre}) @ {wt} + b_dec[:, None, :]", ol)
    else:
        plain = _from_ib(_relu(plain_pre, relu), ol)
    mistakes = [("the decoder bias not subtracted", finish(pre(sub=""), relu)),
                ("the decoder bias added instead of subtracted", finish(pre(sub="+"), relu)),
                ("no encoder bias", finish(pre(bias=False), relu))]
    if relu:
        mistakes.append(("no ReLU", finish(pre(), relu=False)))
    else:
        mistakes.append(("a ReLU: the latent activations, not their pre-activations", finish(pre(), relu=True)))
    if quantity == "tied":
        mistakes.append(("the latent activations, not the reconstruction", _relu(pre(), True)))
    what = {
        "acts": "subtract the decoder bias `b_dec` from the activation vector `h`, map it to the latents with the "
                "instance's encoder weights `W_enc`, add the encoder bias `b_enc`, and keep only the positive part: "
                "the result is the latent activations",
        "pre": "subtract the decoder bias `b_dec` from the activation vector `h`, map it to the latents with the "
               "instance's encoder weights `W_enc` and add the encoder bias `b_enc`: the result is the latents' "
               "pre-activations, before any clipping (what a JumpReLU or gated SAE compares with its threshold)",
        "tied": "encode the activation vector `h` as the project's SAE does (subtract the decoder bias `b_dec`, map "
                "it to the latents with the instance's encoder weights `W_enc`, add the encoder bias `b_enc`, keep "
                "only the positive part), then decode it with tied weights — each latent's decoder direction is the "
                "vector of encoder weights that reads it from `h`, as at the project's initialisation — and add "
                "`b_dec` back: the result "
                "is the reconstructed activation vector",
    }[quantity]
    return _Task(
        story="A sparse autoencoder trained on a toy model's hidden activations, for every sample and instance: "
              f"{what}, laid out as its shape below shows." + _weights_note("W_enc", wl, "ihd", "SAE"),
        inputs=(("h", hl, _words(hl)), ("W_enc", wl, _words(wl)), ("b_enc", "id", _words("id")),
                ("b_dec", "ih", _words("ih"))),
        solutions=(finish(pre(), relu), finish(pre(tool="einops"), relu, tool="einops"), plain),
        mistakes=tuple(mistakes), result=rl, case=(("quantity", quantity),),
    )


def decode_task(al: str, wl: str, ol: str | None = None, normalise: bool = False) -> _Task:
    """The SAE decoder with ``acts`` laid out as ``al`` (bid / ibd) and ``W_dec`` as ``wl`` (idh / ihd), the
    result's sample and instance axes as ``ol`` (bi / ib; ``al``'s by default); with ``normalise``, every
    latent's decoder direction rescaled to unit length first (as the project's SAE keeps them)."""
    ol = ol or al[:2]
    hl = ol + "h"
    direction_axis = -1 if wl == "idh" else 1
    wd_n = f"W_dec / W_dec.norm(dim={direction_axis}, keepdim=True)"
    wd = wd_n if normalise else "W_dec"
    wrong_axis = f"W_dec / W_dec.norm(dim={1 if direction_axis == -1 else -1}, keepdim=True)"

    def rec(w: str = wd, tool: str = "torch") -> str:
        if tool == "torch":
            return f'torch.einsum("{al},{wl}->{hl}", acts, {w})'
        return f'einops.einsum(acts, {w}, "{_spaced(al)}, {_spaced(wl)} -> {_spaced(hl)}")'

    bias = _bias("b_dec", hl)
    wdp = (f"({wd_n})" if normalise else "W_dec") + ("" if wl == "idh" else ".mT")
    plain = _from_ib(f"{_to_ib('acts', al)} @ {wdp} + b_dec[:, None, :]", ol)
    mistakes = [("no decoder bias", rec()), ("a ReLU on the reconstruction", f"torch.relu({rec()} + {bias})")]
    if normalise:
        mistakes += [("the decoder directions used as stored, not rescaled to unit length", f"{rec('W_dec')} + {bias}"),
                     ("the weights rescaled along the wrong axis (not each latent's direction)",
                      f"{rec(wrong_axis)} + {bias}")]
    what = ("rebuild the hidden activation vector from the latent activations `acts` with the instance's decoder "
            "weights `W_dec` (one hidden-space direction per latent) and add the decoder bias `b_dec`")
    if normalise:
        what = ("the decoder weights `W_dec` (one hidden-space direction per latent) have drifted from unit length "
                "after a gradient step: rescale every latent's direction to unit length, as the project's SAE does "
                "after each step, then rebuild the hidden activation vector from the latent activations `acts` "
                "with them and add the decoder bias `b_dec`")
    return _Task(
        story=f"The decoder of a sparse autoencoder on a toy model's hidden activations, for every sample and "
              f"instance: {what}; the result laid out as its shape below shows." + _weights_note("W_dec", wl, "idh", "SAE"),
        inputs=(("acts", al, _words(al)), ("W_dec", wl, _words(wl)), ("b_dec", "ih", _words("ih"))),
        solutions=(f"{rec()} + {bias}", f"{rec(tool='einops')} + {bias}", plain),
        mistakes=tuple(mistakes), result=hl, case=(("quantity", "normalised" if normalise else "reconstruction"),),
    )


@cache
def forward_tasks() -> tuple[_Task, ...]:
    """Every layout of x and W, the result in either batch layout, each of the project's three toy models, its
    output or its error: 48 cases with a batch (8 answers for every look of the inputs), 12 with one sample.
    Built on first use, so loading the registry stays cheap."""
    return tuple(forward_task(x, w, o, k, q) for x in ("bif", "ibf") for w in ("ifh", "ihf") for o in ("bif", "ibf")
                 for k in _KINDS for q in _QUANTITIES) \
        + tuple(forward_task("if", w, None, k, q) for w in ("ifh", "ihf") for k in _KINDS for q in _QUANTITIES)


@cache
def encode_tasks() -> tuple[_Task, ...]:
    """The encoder's latents, pre-activations or tied reconstruction, in either result layout: 6 answers per look."""
    return tuple(encode_task(h, w, o, q) for h in ("bih", "ibh") for w in ("ihd", "idh") for o in ("bi", "ib")
                 for q in ("acts", "pre", "tied"))


@cache
def decode_tasks() -> tuple[_Task, ...]:
    """The reconstruction with the decoder as stored or renormalised, in either result layout: 4 answers per look."""
    return tuple(decode_task(a, w, o, n) for a in ("bid", "ibd") for w in ("idh", "ihd") for o in ("bi", "ib")
                 for n in (False, True))


def _make_task(task: _Task, family: str, separate: tuple[str, ...] = ()) -> Callable[[random.Random, int], Variant]:
    """The maker of one task; ``separate``: the references of the family's other tasks on inputs that look
    alike, which the worked example must tell apart from this one's."""
    def make(rng: random.Random, seed: int) -> Variant:
        def tensors(sizes: dict[str, int], draw) -> dict:
            return {name: draw(tuple(sizes[a] for a in axes)) for name, axes, _ in task.inputs}

        axes = sorted({a for _, ax, _ in task.inputs for a in ax}, key=_SIZE_AXES.index)
        small = dict(zip(axes, rng.sample(range(2, 2 + len(axes)), len(axes))))

        def trial(r: random.Random) -> dict:
            sizes = dict(zip(axes, r.sample(range(2, 9), len(axes))))
            return tensors(sizes, lambda s: randn(r, s))

        return task_variant(
            family=family, seed=seed, rng=rng, story=task.story,
            inputs=[TaskInput(name, words) for name, _, words in task.inputs],
            example=lambda r: tensors(small, lambda s: int_tensor(r, s, -2, 2)), trial=trial,
            solutions=task.solutions, mistakes=task.mistakes, separate=separate,
            hints=("Each instance is its own small model: its weights only ever meet its own slice of the input.",
                   "Match each axis of the result to an input axis by its size in the example."),
            params={"layouts": {name: axes for name, axes, _ in task.inputs}
                    | {"result": task.result or task.inputs[0][1]}, **dict(task.case)},
        )

    return make


def with_task(make: Callable[[random.Random, str, int], Variant], *tasks: Callable[[], tuple[_Task, ...]],
              family: str) -> Callable[[random.Random, str, int], Variant]:
    """``make`` extended by the task form: each argument lists task cases (built on first use); the seed
    picks one case in shuffled blocks, so every case — and every answer — is equally frequent."""
    from exercises.mixed import pick

    @cache
    def makers() -> dict[str, Callable[[random.Random, int], Variant]]:
        every = [t for group in tasks for t in group()]
        return {str(k): _make_task(t, family, tuple(o.solutions[0] for o in every if o.inputs == t.inputs and o is not t))
                for k, t in enumerate(every)}

    def make_with_task(rng: random.Random, form: str, seed: int) -> Variant:
        if form == "task":
            return makers()[pick(list(makers()), f"{family}/task", seed)](rng, seed)
        return make(rng, form, seed)

    return make_with_task
