"""Thresholding SAEs (Gated and JumpReLU), their set-up and dead-latent resampling.

Why they exist -- shrinkage. An L1 penalty charges a latent for *how much* it fires, so the
loss-optimal activation of a latent whose decoder row is exactly the input's direction ``d``
(input ``h = m d``, unit ``d``, ``b_dec = 0``) is not ``m`` but, in this package's convention
(reconstruction averaged over ``d_in``)::

    a* = max(m - l1_coeff * d_in / 2, 0)          (L1: every activation shrunk by a constant)
    a* = m if m^2 / d_in > l0_coeff else 0        (L0: no shrinkage, small ones cut off)

(:func:`optimal_activation`). Decoupling *whether* a latent fires from *how much* removes the
shrinkage; both architectures below do it.

Gated SAE (Rajamanoharan et al., 2024, "Improving Dictionary Learning with Gated SAEs"), per
instance, with ``hc = h - b_dec`` and the magnitude encoder tied to the gate's by a per-latent
scale, ``W_mag = exp(r_mag) * W_gate`` (column-wise)::

    pi_gate = hc W_gate + b_gate          f_gate = 1[pi_gate > 0]      (whether)
    pi_mag  = hc W_mag + b_mag            f_mag  = relu(pi_mag)        (how much)
    acts    = f_gate * f_mag              h_hat  = acts W_dec + b_dec
    reconstruction = mean over batch and d_in of (h_hat - h)^2
    sparsity       = mean over batch of sum over latents of relu(pi_gate)
    aux            = mean over batch and d_in of (relu(pi_gate) sg(W_dec) + sg(b_dec) - h)^2
    loss           = reconstruction + l1_coeff * sparsity + aux

The L1 is on the gate's pre-activation, which receives no gradient through the step; the
auxiliary loss (decoder frozen, ``sg`` = stop-gradient) makes the gate path reconstruct on its
own, so the gate learns *which* latents should fire. (The paper writes both squared errors as
sums over ``d_in``; here both are means, like :func:`~superpos_core.sae_loss`.)

JumpReLU SAE (Rajamanoharan et al., 2024, "Jumping Ahead"), per instance, with a learned
threshold per latent, ``θ = exp(log_theta)`` (positive by construction)::

    z     = relu(hc W_enc + b_enc)
    acts  = JumpReLU(z, θ) = z * 1[z > θ]            h_hat = acts W_dec + b_dec
    l0    = mean over batch of sum over latents of H(z, θ) = 1[z > θ]
    loss  = reconstruction + l0_coeff * l0

with the straight-through pseudo-derivatives of :mod:`.ste` (bandwidth ``eps``) so that θ
learns. Both SAEs keep unit-norm decoder rows (renormalised after every step): otherwise the
sparsity penalty could be dodged by shrinking activations and growing ``W_dec`` (for the L1,
scaling ``W_dec`` by ``c`` and ``acts`` by ``1/c`` leaves ``h_hat`` unchanged and divides the
L1 by ``c``).

Training (:func:`optimize_sae_variant`) runs on the package's one loop (:func:`.loop.drive`)
with autograd and Adam, batches from the frozen model like :func:`~superpos_core.optimize_sae`,
and loss-weighted resampling of dead latents (:func:`resample_loss_weighted`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import train as _train
from .loop import drive, runs_small
from .model import Model, device_and_generator
from .ste import heaviside, jumprelu

__all__ = [
    "VariantConfig",
    "GatedSAE",
    "JumpReLUSAE",
    "THETA_INIT",
    "STE_EPS",
    "kaiming_uniform_bound",
    "kaiming_uniform",
    "normalize_decoder",
    "tied_decoder",
    "gated_sae_forward",
    "gated_sae_loss_terms",
    "gated_sae_loss",
    "jumprelu_sae_forward",
    "jumprelu_sae_loss_terms",
    "jumprelu_sae_loss",
    "optimal_activation",
    "resample_simple",
    "loss_weighted_probs",
    "loss_weighted_indices",
    "resample_loss_weighted",
    "optimize_sae_variant",
]

THETA_INIT = 0.1  # JumpReLU's initial threshold (ARENA's and the paper's order of magnitude)
STE_EPS = 0.01  # the straight-through bandwidth ε
NORM_EPS = 1e-8  # added to decoder norms (a zero row stays zero instead of NaN)


# ---------------------------------------------------------------------------------------
# set-up
# ---------------------------------------------------------------------------------------
def kaiming_uniform_bound(shape) -> float:
    """The bound ``b`` of ``torch.nn.init.kaiming_uniform_`` (``a=0``, fan_in, leaky-relu gain
    ``sqrt(2)``) on a tensor of ``shape``: weights are drawn from ``U(-b, b)`` with
    ``b = sqrt(2) * sqrt(3 / fan_in) = sqrt(6 / fan_in)``. torch takes ``fan_in = shape[1] *
    prod(shape[2:])`` (dim 1 times the "receptive field"), so for a batched ``[I, d_in, d_sae]``
    encoder ``fan_in`` is ``d_in * d_sae``, not ``d_in``."""
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError("kaiming init needs a tensor of at least 2 dimensions")
    fan_in = shape[1] * math.prod(shape[2:])
    return math.sqrt(6.0 / fan_in)


def kaiming_uniform(shape, generator: torch.Generator | None = None, device=None,
                    dtype: torch.dtype | None = None) -> torch.Tensor:
    """A fresh tensor drawn as ``torch.nn.init.kaiming_uniform_`` draws it, from ``generator``."""
    b = kaiming_uniform_bound(shape)
    u = torch.rand(tuple(shape), generator=generator, device=device, dtype=dtype or torch.get_default_dtype())
    return (2 * u - 1) * b


def normalize_decoder(W_dec: torch.Tensor, eps: float = NORM_EPS) -> torch.Tensor:
    """``W_dec / (||row|| + eps)``: every latent's decoder row (the last axis, ``d_in``) at unit norm."""
    return W_dec / (torch.linalg.vector_norm(W_dec, dim=-1, keepdim=True) + eps)


def tied_decoder(W_enc: torch.Tensor) -> torch.Tensor:
    """A tied decoder is the encoder's transpose: ``[..., d_in, d_sae] -> [..., d_sae, d_in]``."""
    return W_enc.transpose(-1, -2)


def optimal_activation(m, coeff: float, d_in: int, penalty: str = "l1"):
    """The loss-optimal activation of a latent whose unit decoder row is the input's direction,
    for input magnitude ``m`` (module docstring): L1 shrinks it by ``coeff * d_in / 2``; L0 keeps
    it or cuts it to 0. Tensors or numbers."""
    m = torch.as_tensor(m, dtype=torch.float64)
    if penalty == "l1":
        return (m - coeff * d_in / 2).clamp_min(0.0)
    if penalty == "l0":
        return torch.where(m.square() / d_in > coeff, m, torch.zeros_like(m))
    raise ValueError(f"penalty must be 'l1' or 'l0', got {penalty!r}")


def _enc(x: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    return x @ W if W.ndim == 2 else torch.einsum("...ih,ihd->...id", x, W)


def _dec(a: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    return a @ W if W.ndim == 2 else torch.einsum("...id,idh->...ih", a, W)


def _recon(h: torch.Tensor, h_hat: torch.Tensor) -> torch.Tensor:
    """Mean over batch (axis 0) and d_in (last axis) of the squared error: ``[I]`` (or a scalar)."""
    return (h_hat - h).square().mean(dim=-1).mean(dim=0)


# ---------------------------------------------------------------------------------------
# Gated SAE
# ---------------------------------------------------------------------------------------
def gated_sae_forward(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h):
    """``(acts, h_hat, gate)`` with ``gate = relu(pi_gate)`` (what the L1 and the auxiliary
    loss use). Batched ``W_gate [I, d_in, d_sae]``, ``h [..., I, d_in]`` or one instance."""
    hc = h - b_dec
    pi_gate = _enc(hc, W_gate) + b_gate
    W_mag = torch.exp(r_mag).unsqueeze(-2) * W_gate
    pi_mag = _enc(hc, W_mag) + b_mag
    acts = (pi_gate > 0).to(h.dtype) * F.relu(pi_mag)
    return acts, _dec(acts, W_dec) + b_dec, F.relu(pi_gate)


def gated_sae_loss_terms(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h) -> dict[str, torch.Tensor]:
    """Per-instance ``reconstruction``, ``sparsity`` and ``aux`` (module docstring), each ``[I]``,
    plus ``acts`` and ``h_hat``; ``h`` is ``[batch, I, d_in]``."""
    acts, h_hat, gate = gated_sae_forward(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h)
    via_gate = _dec(gate, W_dec.detach()) + b_dec.detach()
    return {
        "reconstruction": _recon(h, h_hat),
        "sparsity": gate.sum(dim=-1).mean(dim=0),
        "aux": _recon(h, via_gate),
        "acts": acts,
        "h_hat": h_hat,
    }


def gated_sae_loss(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    """``(acts, h_hat, loss)``, ``loss = reconstruction + l1_coeff * sparsity + aux`` ``[I]``."""
    t = gated_sae_loss_terms(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h)
    return t["acts"], t["h_hat"], t["reconstruction"] + l1_coeff * t["sparsity"] + t["aux"]


# ---------------------------------------------------------------------------------------
# JumpReLU SAE
# ---------------------------------------------------------------------------------------
def jumprelu_sae_forward(W_enc, b_enc, W_dec, b_dec, log_theta, h, eps: float = STE_EPS):
    """``(acts, h_hat, z)`` with ``z = relu(pre-activation)`` (what the L0 counts)."""
    z = F.relu(_enc(h - b_dec, W_enc) + b_enc)
    acts = jumprelu(z, torch.exp(log_theta), eps)
    return acts, _dec(acts, W_dec) + b_dec, z


def jumprelu_sae_loss_terms(W_enc, b_enc, W_dec, b_dec, log_theta, h, eps: float = STE_EPS):
    """Per-instance ``reconstruction`` and ``l0`` ``[I]``, plus ``acts`` and ``h_hat``."""
    acts, h_hat, z = jumprelu_sae_forward(W_enc, b_enc, W_dec, b_dec, log_theta, h, eps)
    l0 = heaviside(z, torch.exp(log_theta), eps).sum(dim=-1).mean(dim=0)
    return {"reconstruction": _recon(h, h_hat), "l0": l0, "acts": acts, "h_hat": h_hat}


def jumprelu_sae_loss(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff, eps: float = STE_EPS):
    """``(acts, h_hat, loss)``, ``loss = reconstruction + l0_coeff * l0`` ``[I]``."""
    t = jumprelu_sae_loss_terms(W_enc, b_enc, W_dec, b_dec, log_theta, h, eps)
    return t["acts"], t["h_hat"], t["reconstruction"] + l0_coeff * t["l0"]


# ---------------------------------------------------------------------------------------
# resampling dead latents (functional: new tensors, inputs untouched)
# ---------------------------------------------------------------------------------------
def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / (torch.linalg.vector_norm(v, dim=-1, keepdim=True) + NORM_EPS)


def resample_simple(W_enc, b_enc, W_dec, dead, directions, resample_scale: float):
    """ARENA's simple resampling: each dead latent ``(i, j)`` gets the random direction
    ``directions[i, j]`` normalised, ``u``, as its decoder row, ``resample_scale * u`` as its
    encoder column, and encoder bias 0; live latents are untouched. ``W_enc [I, d_in, d_sae]``,
    ``b_enc``/``dead [I, d_sae]``, ``W_dec``/``directions [I, d_sae, d_in]``. Returns new
    ``(W_enc, b_enc, W_dec)``."""
    dead = dead.bool()
    u = _unit(directions)
    W_dec = torch.where(dead[..., None], u, W_dec)
    W_enc = torch.where(dead[..., None, :], resample_scale * u.transpose(-1, -2), W_enc)
    b_enc = torch.where(dead, torch.zeros_like(b_enc), b_enc)
    return W_enc, b_enc, W_dec


def loss_weighted_probs(h, h_hat) -> torch.Tensor:
    """``[I, B]``: the probability of each input of the batch to be picked for a dead latent,
    ``losses^2 / sum(losses^2)`` with ``losses[b, i] = mean over d_in of (h_hat - h)^2`` (zeros
    for an instance reconstructed exactly)."""
    w = (h_hat - h).square().mean(dim=-1).square().T  # [I, B]
    return w / w.sum(dim=-1, keepdim=True).clamp_min(torch.finfo(w.dtype).tiny)


def loss_weighted_indices(h, h_hat, u) -> torch.Tensor:
    """For each instance and latent, the batch index an inverse-CDF draw picks with probability
    ``∝ (per-input reconstruction loss)^2``: ``losses[b, i] = mean over d_in of (h_hat - h)^2``,
    ``p[:, i] = losses[:, i]^2 / sum``, and the pick for ``u[i, j]`` (uniform in [0, 1)) is the
    first ``b`` with ``cumsum(p[:, i])[b] > u[i, j]``. ``h, h_hat [B, I, d_in]``, ``u [I, d_sae]``
    → ``[I, d_sae]`` (-1 for an instance reconstructed exactly: nothing to draw from)."""
    p = loss_weighted_probs(h, h_hat)
    total = p.sum(dim=-1, keepdim=True)
    cdf = torch.cumsum(p, dim=-1)
    idx = torch.searchsorted(cdf.contiguous(), u.to(cdf.dtype).contiguous(), right=True)
    idx = idx.clamp_max(p.shape[-1] - 1)
    return torch.where(total > 0, idx, torch.full_like(idx, -1))


def resample_loss_weighted(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale: float):
    """Anthropic's resampling ("Towards Monosemanticity", as in ARENA): each dead latent
    ``(i, j)`` gets the input ``h[b, i]`` picked by :func:`loss_weighted_indices` for ``u[i, j]``,
    centred (``- b_dec``) and normalised to ``v``: decoder row ``v``, encoder column ``v`` times
    ``resample_scale`` times the mean encoder-column norm of the instance's live latents (1 when
    none lives), encoder bias 0. Instances reconstructed exactly are left alone. Returns new
    ``(W_enc, b_enc, W_dec)``."""
    dead = dead.bool()
    idx = loss_weighted_indices(h, h_hat, u)  # [I, D]
    dead = dead & (idx >= 0)
    I = h.shape[1]
    picked = (h - b_dec)[idx.clamp_min(0), torch.arange(I, device=h.device)[:, None]]  # [I, D, d_in]
    v = _unit(picked)
    live = ~dead
    norms = torch.linalg.vector_norm(W_enc, dim=-2)  # [I, D]
    n_live = live.sum(dim=-1)
    mean_live = torch.where(n_live > 0, (norms * live).sum(dim=-1) / n_live.clamp_min(1), torch.ones_like(n_live,
                            dtype=norms.dtype))
    scale = (resample_scale * mean_live)[:, None, None]
    W_dec = torch.where(dead[..., None], v, W_dec)
    W_enc = torch.where(dead[..., None, :], scale * v.transpose(-1, -2), W_enc)
    b_enc = torch.where(dead, torch.zeros_like(b_enc), b_enc)
    return W_enc, b_enc, W_dec


# ---------------------------------------------------------------------------------------
# the modules
# ---------------------------------------------------------------------------------------
@dataclass
class VariantConfig:
    n_instances: int
    d_in: int
    d_sae: int
    tied: bool = False  # decoder = encoder (gate) transposed, normalised
    eps: float = STE_EPS  # JumpReLU's straight-through bandwidth


class _VariantSAE(nn.Module):
    """Shared set-up: Kaiming-uniform encoder, an untied (normalised Kaiming-uniform) or tied
    decoder, zero biases; ``encoder_name`` is the matrix a tied decoder reads."""

    encoder_name = "W_enc"

    def __init__(self, config: VariantConfig, device=None, dtype=None, seed=None, generator=None):
        super().__init__()
        if min(config.n_instances, config.d_in, config.d_sae) < 1:
            raise ValueError(f"every size in {config} must be >= 1")
        device, generator = device_and_generator(device, seed, generator)
        self.config, self.generator = config, generator
        I, H, D = config.n_instances, config.d_in, config.d_sae
        dtype = dtype or torch.get_default_dtype()
        kw = dict(generator=generator, device=device, dtype=dtype)
        setattr(self, self.encoder_name, nn.Parameter(kaiming_uniform((I, H, D), **kw)))
        self._W_dec = None if config.tied else nn.Parameter(normalize_decoder(kaiming_uniform((I, D, H), **kw)))
        self.b_dec = nn.Parameter(torch.zeros((I, H), device=device, dtype=dtype))

    @classmethod
    def for_model(cls, model: Model, d_sae: int, seed=None, generator=None, **config):
        c = model.config
        return cls(VariantConfig(c.n_instances, c.n_hidden, d_sae, **config), device=model.W.device,
                   dtype=model.W.dtype, seed=seed, generator=generator)

    @property
    def W_dec(self) -> torch.Tensor:
        """The decoder used: the untied matrix, or the encoder transposed and normalised."""
        if self._W_dec is not None:
            return self._W_dec
        return normalize_decoder(tied_decoder(getattr(self, self.encoder_name)))

    @torch.no_grad()
    def normalize_decoder_(self) -> None:
        if self._W_dec is not None:
            self._W_dec.copy_(normalize_decoder(self._W_dec))

    @torch.no_grad()
    def resample_(self, dead, h, h_hat, u, resample_scale: float) -> None:
        W_enc = getattr(self, self.encoder_name)
        W_dec = self._W_dec if self._W_dec is not None else tied_decoder(W_enc)
        new_enc, new_b, new_dec = resample_loss_weighted(W_enc, self._bias(), W_dec, self.b_dec, dead, h, h_hat, u,
                                                         resample_scale)
        W_enc.copy_(new_enc)
        self._bias().copy_(new_b)
        if self._W_dec is not None:
            self._W_dec.copy_(new_dec)
        self._reset_extra(dead)


class GatedSAE(_VariantSAE):
    """``n_instances`` Gated SAEs (module docstring). Parameters ``W_gate [I, d_in, d_sae]``,
    ``b_gate``, ``r_mag``, ``b_mag`` ``[I, d_sae]``, decoder ``[I, d_sae, d_in]``, ``b_dec [I, d_in]``."""

    encoder_name = "W_gate"
    coeff_name = "l1_coeff"

    def __init__(self, config: VariantConfig, device=None, dtype=None, seed=None, generator=None):
        super().__init__(config, device, dtype, seed, generator)
        z = torch.zeros_like(self.W_gate[:, 0, :])
        self.b_gate, self.r_mag, self.b_mag = (nn.Parameter(z.clone()) for _ in range(3))

    def _bias(self):
        return self.b_gate

    def _reset_extra(self, dead):
        self.r_mag[dead] = 0.0
        self.b_mag[dead] = 0.0

    def loss_terms(self, h):
        return gated_sae_loss_terms(self.W_gate, self.b_gate, self.r_mag, self.b_mag, self.W_dec, self.b_dec, h)

    def forward(self, h):
        """``(acts, h_hat)``."""
        acts, h_hat, _ = gated_sae_forward(self.W_gate, self.b_gate, self.r_mag, self.b_mag, self.W_dec,
                                           self.b_dec, h)
        return acts, h_hat

    def loss(self, h, coeff):
        t = self.loss_terms(h)
        return t["reconstruction"] + coeff * t["sparsity"] + t["aux"], t


class JumpReLUSAE(_VariantSAE):
    """``n_instances`` JumpReLU SAEs (module docstring). Parameters ``W_enc [I, d_in, d_sae]``,
    ``b_enc``, ``log_theta`` ``[I, d_sae]`` (θ starts at :data:`THETA_INIT`), decoder, ``b_dec``."""

    coeff_name = "l0_coeff"

    def __init__(self, config: VariantConfig, device=None, dtype=None, seed=None, generator=None):
        super().__init__(config, device, dtype, seed, generator)
        z = torch.zeros_like(self.W_enc[:, 0, :])
        self.b_enc = nn.Parameter(z.clone())
        self.log_theta = nn.Parameter(z + math.log(THETA_INIT))

    @property
    def theta(self) -> torch.Tensor:
        return self.log_theta.exp()

    def _bias(self):
        return self.b_enc

    def _reset_extra(self, dead):
        self.log_theta[dead] = math.log(THETA_INIT)

    def loss_terms(self, h):
        return jumprelu_sae_loss_terms(self.W_enc, self.b_enc, self.W_dec, self.b_dec, self.log_theta, h,
                                       self.config.eps)

    def forward(self, h):
        acts, h_hat, _ = jumprelu_sae_forward(self.W_enc, self.b_enc, self.W_dec, self.b_dec, self.log_theta, h,
                                              self.config.eps)
        return acts, h_hat

    def loss(self, h, coeff):
        t = self.loss_terms(h)
        return t["reconstruction"] + coeff * t["l0"], t


# ---------------------------------------------------------------------------------------
# training, on the shared loop
# ---------------------------------------------------------------------------------------
VARIANT_TRAINING = {"n_batch": 1024, "steps": 3000, "lr": 1e-2, "resample_window": 250, "resample_until": 0.5,
                    "resample_scale": 0.2}


class _VariantSteps:
    """One autograd + Adam step of a :class:`GatedSAE` / :class:`JumpReLUSAE` on fresh hidden
    activations of the frozen model, decoder renormalised after it, dead latents resampled
    every ``resample_window`` steps until ``resample_end``."""

    def __init__(self, sae, model, n_batch, coeff, lr, generator, resample_window, resample_end, resample_scale):
        from .sae import _Batches

        self.sae, self.model, self.coeff, self.generator = sae, model, coeff, generator
        self.window, self.end, self.scale = resample_window, resample_end, resample_scale
        self.batches = _Batches(model, n_batch, sae.b_dec.dtype, generator=generator)
        self.opt = torch.optim.Adam(sae.parameters(), lr=lr)
        self.fired = torch.zeros_like(sae.b_dec[:, :1].expand(-1, sae.config.d_sae), dtype=torch.bool)

    def step(self, step: int, lr: float, report: bool, hooked: bool):
        sae = self.sae
        h = self.batches.sample().permute(2, 0, 1)  # [B, I, d_in]
        for g in self.opt.param_groups:
            g["lr"] = lr
        losses, terms = sae.loss(h, self.coeff)
        self.opt.zero_grad(set_to_none=True)
        losses.sum().backward()
        self.opt.step()
        sae.normalize_decoder_()
        resampled = None
        if step < self.end:
            self.fired |= (terms["acts"].detach() > 0).any(dim=0)
            if (step + 1) % self.window == 0:
                dead = ~self.fired
                if bool(dead.any()):
                    u = torch.rand(dead.shape, generator=self.generator, device=h.device, dtype=h.dtype)
                    sae.resample_(dead, h, terms["h_hat"].detach(), u, self.scale)
                    for p in sae.parameters():  # fresh Adam moments for the resampled weights
                        self.opt.state.pop(p, None)
                resampled = dead
                self.fired = torch.zeros_like(self.fired)
        losses = losses.detach()
        if not hooked:
            return losses, None
        return losses, dict(sae=sae, model=self.model, step=step, opt=self.opt, loss=losses.sum(), lr=lr,
                            h=h.clone(), acts=terms["acts"].detach(), h_hat=terms["h_hat"].detach(),
                            resampled=resampled)

    def close(self) -> None:
        self.batches.close()


def optimize_sae_variant(sae, model: Model, coeff: float, n_batch: int = VARIANT_TRAINING["n_batch"],
                         steps: int = VARIANT_TRAINING["steps"], lr: float = VARIANT_TRAINING["lr"],
                         lr_scale=_train.cosine_decay_lr,
                         resample_window: int | None = VARIANT_TRAINING["resample_window"],
                         resample_until: float = VARIANT_TRAINING["resample_until"],
                         resample_scale: float = VARIANT_TRAINING["resample_scale"], hooks=(), print_freq: int = 100,
                         progress: bool = False, seed: int | None = None,
                         generator: torch.Generator | None = None) -> torch.Tensor:
    """Train a :class:`GatedSAE` (``coeff`` = ``l1_coeff``) or :class:`JumpReLUSAE` (``coeff`` =
    ``l0_coeff``) in place on ``model``'s hidden activations; returns the last step's per-instance
    loss ``[I]``. Hooks, randomness and threads as in :func:`~superpos_core.optimize_sae`."""
    if steps < 1:
        raise ValueError("steps must be >= 1")
    if resample_window is not None and resample_window < 1:
        raise ValueError("resample_window must be >= 1 (or None: no resampling)")
    c = model.config
    if (c.n_instances, c.n_hidden) != (sae.config.n_instances, sae.config.d_in):
        raise ValueError(f"SAE {sae.config} does not fit the model's hidden space")
    device = sae.b_dec.device
    if seed is not None and generator is not None:
        raise ValueError("pass seed or generator, not both")
    if seed is not None:
        generator = torch.Generator(device=device).manual_seed(int(seed))
    elif generator is None:
        generator = sae.generator
    end = int(resample_until * steps) if resample_window else 0
    small = runs_small(sae.config.n_instances * n_batch * max(c.n_features, sae.config.d_sae), device)

    def start():
        return _VariantSteps(sae, model, n_batch, coeff, lr, generator, resample_window or 1, end, resample_scale)

    return drive(start, steps=steps, lr=lr, lr_scale=lr_scale, print_freq=print_freq, hooks=hooks,
                 progress=progress, n_instances=sae.config.n_instances, single_thread=small)
