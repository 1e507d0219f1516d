"""An independent trainer for the retraining checks: the TMS notebook's own code.

``superpos_core.optimize`` is a fast rewrite of the notebook's loop (hand-written gradients,
numpy's PCG64 draws, a fused AdamW update): a claim that holds only for *that* trainer could be
an artefact of it. So the retraining checks (``_retrain.check_independent``) also retrain a
sample of the claims with the code of the notebook the paper published, as quoted in
``shared/reference/seed-post-using-gpt4-to-understand-code.txt``: :class:`Config`, :class:`Model`
(``generate_batch``, ``forward``), the learning-rate schedules and :func:`optimize` below are
that code with its indentation restored (the quote lost it) and nothing else changed -- plain
autograd, ``torch.rand`` batches, ``torch.optim.AdamW``. tqdm's ``trange`` is the one name the
project does not install; :func:`trange` stands in for it (a silent range). Slow (autograd on
every step), so only tests and benchmarks call it.
"""
# ruff: noqa: B006, F841
# (the notebook's code as published: a mutable default argument, an unused start time)
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import einops
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class trange:  # noqa: N801 -- stands in for tqdm.trange (not installed): a silent range
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __iter__(self):
        return iter(range(self.n))

    def set_postfix(self, **_):
        pass


# ---------------------------------------------------------------- the notebook's code


@dataclass
class Config:
    n_features: int
    n_hidden: int
    # We optimize n_instances models in a single training loop
    # to let us sweep over sparsity or importance curves
    # efficiently.
    # We could potentially use torch.vmap instead.
    n_instances: int


class Model(nn.Module):
    def __init__(self,
                 config,
                 feature_probability: Optional[torch.Tensor] = None,
                 importance: Optional[torch.Tensor] = None,
                 device='cuda'):
        super().__init__()
        self.config = config
        self.W = nn.Parameter(torch.empty((config.n_instances, config.n_features, config.n_hidden), device=device))
        nn.init.xavier_normal_(self.W)
        self.b_final = nn.Parameter(torch.zeros((config.n_instances, config.n_features), device=device))

        if feature_probability is None:
            feature_probability = torch.ones(())
        self.feature_probability = feature_probability.to(device)
        if importance is None:
            importance = torch.ones(())
        self.importance = importance.to(device)

    def forward(self, features):
        # features: [..., instance, n_features]
        # W: [instance, n_features, n_hidden]
        hidden = torch.einsum("...if,ifh->...ih", features, self.W)
        out = torch.einsum("...ih,ifh->...if", hidden, self.W)
        out = out + self.b_final
        out = F.relu(out)
        return out

    def generate_batch(self, n_batch):
        feat = torch.rand((n_batch, self.config.n_instances, self.config.n_features), device=self.W.device)
        batch = torch.where(
            torch.rand((n_batch, self.config.n_instances, self.config.n_features), device=self.W.device) <= self.feature_probability,
            feat,
            torch.zeros((), device=self.W.device),
        )
        return batch


def linear_lr(step, steps):
    return (1 - (step / steps))


def constant_lr(*_):
    return 1.0


def cosine_decay_lr(step, steps):
    return np.cos(0.5 * np.pi * step / (steps - 1))


def optimize(model,
             render=False,
             n_batch=1024,
             steps=10_000,
             print_freq=100,
             lr=1e-3,
             lr_scale=constant_lr,
             hooks=[]):
    cfg = model.config

    opt = torch.optim.AdamW(list(model.parameters()), lr=lr)

    start = time.time()
    with trange(steps) as t:
        for step in t:
            step_lr = lr * lr_scale(step, steps)
            for group in opt.param_groups:
                group['lr'] = step_lr
            opt.zero_grad(set_to_none=True)
            batch = model.generate_batch(n_batch)
            out = model(batch)
            error = (model.importance*(batch.abs() - out)**2)
            loss = einops.reduce(error, 'b i f -> i', 'mean').sum()
            loss.backward()
            opt.step()

            if hooks:
                hook_data = dict(model=model,
                                 step=step,
                                 opt=opt,
                                 error=error,
                                 loss=loss,
                                 lr=step_lr)
                for h in hooks:
                    h(hook_data)
            if step % print_freq == 0 or (step + 1 == steps):
                t.set_postfix(
                    loss=loss.item() / cfg.n_instances,
                    lr=step_lr,
                )


# ---------------------------------------------------------------- driving it


def train(importance, feature_probability, *, n_hidden: int, steps: int, n_batch: int, lr: float,
          lr_scale: str = "constant_lr", seed: int) -> list:
    """Train one notebook :class:`Model` whose instance ``k`` has per-feature ``importance[k]``
    and ``feature_probability[k]`` (``[I][F]`` lists) with the notebook's :func:`optimize`, from
    ``torch.manual_seed(seed)``; returns ``W`` as ``[I][F][H]`` nested lists."""
    imp = torch.tensor(importance, dtype=torch.float32)
    prob = torch.tensor(feature_probability, dtype=torch.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared machine: one thread is kinder and, at these sizes, as fast
    try:
        torch.manual_seed(seed)
        model = Model(Config(n_features=imp.shape[1], n_hidden=n_hidden, n_instances=imp.shape[0]),
                      feature_probability=prob, importance=imp, device="cpu")
        optimize(model, n_batch=n_batch, steps=steps, lr=lr, lr_scale=globals()[lr_scale])
    finally:
        torch.set_num_threads(threads)
    return model.W.detach().double().tolist()
