"""Task forms of the superposition families that compute a tensor: the TMS forward pass and the
SAE's encoder and decoder, stated in the model's terms (instances, features, hidden dimensions,
latents) in the project's own layouts (``W: [instance, feature, hidden]``, as ``superpos_core``),
never naming the tool; see :mod:`exercises.task_form`."""
from __future__ import annotations

import random
from dataclasses import dataclass
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


def _weights_note(name: str, layout: str, model_layout: str) -> str:
    if layout == model_layout:
        return ""
    return (f" Here `{name}` is stored {_words(layout)}, unlike the project's model, which stores it "
            f"{_words(model_layout)}.")


def forward_task(xl: str, wl: str, ol: str | None = None) -> _Task:
    """The TMS forward pass with ``x`` laid out as ``xl`` (bif / ibf, or if: one sample), ``W`` as
    ``wl`` (ifh / ihf) and the result as ``ol`` (bif / ibf; ``xl`` by default)."""
    ol = ol or xl
    hl = xl.replace("f", "h")
    hidden = f'torch.einsum("{xl},{wl}->{hl}", x, W)'
    back = f'torch.einsum("{hl},{wl}->{ol}", {hidden}, W)'
    bias = _bias("b_final", ol)
    e_hidden = f'einops.einsum(x, W, "{_spaced(xl)}, {_spaced(wl)} -> {_spaced(hl)}")'
    e_back = f'einops.einsum({e_hidden}, W, "{_spaced(hl)}, {_spaced(wl)} -> {_spaced(ol)}")'
    wf = "W" if wl == "ifh" else "W.mT"
    wb = "W.mT" if wl == "ifh" else "W"
    if xl == "if":
        plain = f"(x[:, None, :] @ {wf} @ {wb})[:, 0] + b_final"
    else:
        plain = _from_ib(f"{_to_ib('x', xl)} @ {wf} @ {wb} + b_final[:, None, :]", ol)
    mixed = back.replace(f'"{hl},', f'"{hl.replace("i", "j")},', 1)
    where = "every sample and instance" if "b" in xl else "one sample: every instance"
    mistakes = [
        ("no ReLU", f"{back} + {bias}"),
        ("no bias", f"torch.relu({back})"),
        ("the bias added after the ReLU", f"torch.relu({back}) + {bias}"),
        ("the instances mixed: every sample's features summed over instances", f"torch.relu({mixed} + {bias})"),
    ]
    return _Task(
        story=f"The forward pass of a toy model of superposition, for {where}: project the "
              "feature vector `x` into the hidden space with the instance's weights `W`, map it back to feature "
              "space with the same weights, add the instance's bias `b_final`, and keep only the positive part; "
              "the result laid out as its shape below shows."
              + _weights_note("W", wl, "ifh"),
        inputs=(("x", xl, _words(xl)), ("W", wl, _words(wl)), ("b_final", "if", _words("if"))),
        solutions=(f"torch.relu({back} + {bias})", f"torch.relu({e_back} + {bias})", f"torch.relu({plain})"),
        mistakes=tuple(mistakes), result=ol,
    )


def encode_task(hl: str, wl: str) -> _Task:
    """The SAE encoder with ``h`` laid out as ``hl`` (bih / ibh) and ``W_enc`` as ``wl`` (ihd / idh)."""
    al = hl.replace("h", "d")
    pre = f'torch.einsum("{hl},{wl}->{al}", h - {_bias("b_dec", hl)}, W_enc)'
    e_pre = f'einops.einsum(h - {_bias("b_dec", hl)}, W_enc, "{_spaced(hl)}, {_spaced(wl)} -> {_spaced(al)}")'
    we = "W_enc" if wl == "ihd" else "W_enc.mT"
    plain = _from_ib(f"({_to_ib('h', hl)} - b_dec[:, None, :]) @ {we} + b_enc[:, None, :]", hl)
    bias = _bias("b_enc", al)
    return _Task(
        story="The encoder of a sparse autoencoder trained on a toy model's hidden activations, for every sample "
              "and instance: subtract the decoder bias `b_dec` from the activation vector `h`, map it to the latents "
              "with the instance's encoder weights `W_enc`, add the encoder bias `b_enc`, and keep only the positive part."
              + _weights_note("W_enc", wl, "ihd"),
        inputs=(("h", hl, _words(hl)), ("W_enc", wl, _words(wl)), ("b_enc", "id", _words("id")),
                ("b_dec", "ih", _words("ih"))),
        solutions=(f"torch.relu({pre} + {bias})", f"torch.relu({e_pre} + {bias})", f"torch.relu({plain})"),
        mistakes=(
            ("no ReLU", f"{pre} + {bias}"),
            ("the decoder bias not subtracted",
             f'torch.relu(torch.einsum("{hl},{wl}->{al}", h, W_enc) + {bias})'),
            ("the decoder bias added instead of subtracted",
             f'torch.relu(torch.einsum("{hl},{wl}->{al}", h + {_bias("b_dec", hl)}, W_enc) + {bias})'),
            ("no encoder bias", f"torch.relu({pre})"),
        ),
    )


def decode_task(al: str, wl: str) -> _Task:
    """The SAE decoder with ``acts`` laid out as ``al`` (bid / ibd) and ``W_dec`` as ``wl`` (idh / ihd)."""
    hl = al.replace("d", "h")
    rec = f'torch.einsum("{al},{wl}->{hl}", acts, W_dec)'
    e_rec = f'einops.einsum(acts, W_dec, "{_spaced(al)}, {_spaced(wl)} -> {_spaced(hl)}")'
    wd = "W_dec" if wl == "idh" else "W_dec.mT"
    plain = _from_ib(f"{_to_ib('acts', al)} @ {wd} + b_dec[:, None, :]", al)
    bias = _bias("b_dec", hl)
    return _Task(
        story="The decoder of a sparse autoencoder on a toy model's hidden activations, for every sample and "
              "instance: rebuild the hidden activation vector from the latent activations `acts` with the instance's "
              "decoder weights `W_dec` (one hidden-space direction per latent) and add the decoder bias `b_dec`."
              + _weights_note("W_dec", wl, "idh"),
        inputs=(("acts", al, _words(al)), ("W_dec", wl, _words(wl)), ("b_dec", "ih", _words("ih"))),
        solutions=(f"{rec} + {bias}", f"{e_rec} + {bias}", plain),
        mistakes=(
            ("no decoder bias", rec),
            ("a ReLU on the reconstruction", f"torch.relu({rec} + {bias})"),
        ),
    )


#: x in either batch layout or one sample, W either way round, the result in either batch layout:
#: 10 layouts, so no remembered one answers many seeds
FORWARD = tuple(forward_task(x, w, o) for x in ("bif", "ibf") for w in ("ifh", "ihf") for o in ("bif", "ibf")) \
    + tuple(forward_task("if", w) for w in ("ifh", "ihf"))
ENCODE = tuple(encode_task(h, w) for h in ("bih", "ibh") for w in ("ihd", "idh"))
DECODE = tuple(decode_task(a, w) for a in ("bid", "ibd") for w in ("idh", "ihd"))


def _make_task(task: _Task, family: str) -> Callable[[random.Random, int], Variant]:
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
            solutions=task.solutions, mistakes=task.mistakes,
            hints=("Each instance is its own small model: its weights only ever meet its own slice of the input.",
                   "Match each axis of the result to an input axis by its size in the example."),
            params={"layouts": {name: axes for name, axes, _ in task.inputs}
                    | {"result": task.result or task.inputs[0][1]}},
        )

    return make


def with_task(make: Callable[[random.Random, str, int], Variant], *tasks: tuple[_Task, ...],
              family: str) -> Callable[[random.Random, str, int], Variant]:
    """``make`` extended by the task form: each argument is one task in its layouts; the seed picks
    one (task, layout) in shuffled blocks, so every layout — and every answer — is equally frequent."""
    from exercises.mixed import pick

    makers = {str(k): _make_task(t, family) for k, t in enumerate(t for group in tasks for t in group)}

    def make_with_task(rng: random.Random, form: str, seed: int) -> Variant:
        if form == "task":
            return makers[pick(list(makers), f"{family}/task", seed)](rng, seed)
        return make(rng, form, seed)

    return make_with_task
