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


_SIZE_AXES = "bifhd"  # sample, instance, feature, hidden, latent

FORWARD = _Task(
    story="The forward pass of a toy model of superposition, for every sample and instance: project the "
          "feature vector `x` into the hidden space with the instance's weights `W`, map it back to feature "
          "space with the same weights, add the instance's bias `b_final`, and keep only the positive part.",
    inputs=(("x", "bif", "sample × instance × feature"), ("W", "ifh", "instance × feature × hidden"),
            ("b_final", "if", "instance × feature")),
    solutions=(
        'torch.relu(torch.einsum("bih,ifh->bif", torch.einsum("bif,ifh->bih", x, W), W) + b_final)',
        'torch.relu(einops.einsum(einops.einsum(x, W, "b i f, i f h -> b i h"), W, "b i h, i f h -> b i f") + b_final)',
        "torch.relu((x.transpose(0, 1) @ W @ W.mT).transpose(0, 1) + b_final)",
    ),
    mistakes=(
        ("no ReLU", 'torch.einsum("bih,ifh->bif", torch.einsum("bif,ifh->bih", x, W), W) + b_final'),
        ("no bias", 'torch.relu(torch.einsum("bih,ifh->bif", torch.einsum("bif,ifh->bih", x, W), W))'),
        ("the bias added after the ReLU",
         'torch.relu(torch.einsum("bih,ifh->bif", torch.einsum("bif,ifh->bih", x, W), W)) + b_final'),
        ("the instances mixed: every sample's features summed over instances",
         'torch.relu(torch.einsum("bjh,ifh->bif", torch.einsum("bif,ifh->bih", x, W), W) + b_final)'),
    ),
)

ENCODE = _Task(
    story="The encoder of a sparse autoencoder trained on a toy model's hidden activations, for every sample "
          "and instance: subtract the decoder bias `b_dec` from the activation vector `h`, map it to the latents "
          "with the instance's encoder weights `W_enc`, add the encoder bias `b_enc`, and keep only the positive part.",
    inputs=(("h", "bih", "sample × instance × hidden"), ("W_enc", "ihd", "instance × hidden × latent"),
            ("b_enc", "id", "instance × latent"), ("b_dec", "ih", "instance × hidden")),
    solutions=(
        'torch.relu(torch.einsum("bih,ihd->bid", h - b_dec, W_enc) + b_enc)',
        'torch.relu(einops.einsum(h - b_dec, W_enc, "b i h, i h d -> b i d") + b_enc)',
        "torch.relu(((h - b_dec).transpose(0, 1) @ W_enc).transpose(0, 1) + b_enc)",
    ),
    mistakes=(
        ("no ReLU", 'torch.einsum("bih,ihd->bid", h - b_dec, W_enc) + b_enc'),
        ("the decoder bias not subtracted", 'torch.relu(torch.einsum("bih,ihd->bid", h, W_enc) + b_enc)'),
        ("the decoder bias added instead of subtracted",
         'torch.relu(torch.einsum("bih,ihd->bid", h + b_dec, W_enc) + b_enc)'),
        ("no encoder bias", 'torch.relu(torch.einsum("bih,ihd->bid", h - b_dec, W_enc))'),
    ),
)

DECODE = _Task(
    story="The decoder of a sparse autoencoder on a toy model's hidden activations, for every sample and "
          "instance: rebuild the hidden activation vector from the latent activations `acts` with the instance's "
          "decoder weights `W_dec` (one hidden-space direction per latent) and add the decoder bias `b_dec`.",
    inputs=(("acts", "bid", "sample × instance × latent"), ("W_dec", "idh", "instance × latent × hidden"),
            ("b_dec", "ih", "instance × hidden")),
    solutions=(
        'torch.einsum("bid,idh->bih", acts, W_dec) + b_dec',
        'einops.einsum(acts, W_dec, "b i d, i d h -> b i h") + b_dec',
        "(acts.transpose(0, 1) @ W_dec).transpose(0, 1) + b_dec",
    ),
    mistakes=(
        ("no decoder bias", 'torch.einsum("bid,idh->bih", acts, W_dec)'),
        ("a ReLU on the reconstruction", 'torch.relu(torch.einsum("bid,idh->bih", acts, W_dec) + b_dec)'),
    ),
)


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
        )

    return make


def with_task(make: Callable[[random.Random, str, int], Variant], *tasks: _Task,
              family: str) -> Callable[[random.Random, str, int], Variant]:
    """``make`` extended by the task form; with several tasks, the seed picks one (balanced)."""
    makers = [_make_task(t, family) for t in tasks]

    def make_with_task(rng: random.Random, form: str, seed: int) -> Variant:
        if form == "task":
            return makers[seed % len(makers)](rng, seed)
        return make(rng, form, seed)

    return make_with_task
