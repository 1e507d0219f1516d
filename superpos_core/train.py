"""Training loop of the TMS notebook, made fast without changing the objective.

The notebook's loop (AdamW on ``sum_i mean_{b,f} importance * (|x| - model(x))^2``)
spends most of a step on autograd bookkeeping, ``einsum`` layout copies and two
random draws per batch. :func:`optimize` keeps the model, the optimiser and the
loss, and changes how a step is computed:

* batches live feature-major, ``[instance, feature, batch]``, so both matmuls
  and their gradients are plain ``bmm``/``baddbmm`` calls into preallocated
  buffers with the long batch axis contiguous (see :class:`_Trainer`);
* one uniform draw per entry (see :meth:`Model.generate_batch`); on CPU the
  draws come from numpy's PCG64 (about 3x faster than torch's mt19937 here),
  filled in fixed chunks of independent streams -- for small problems on a
  worker thread one step ahead, for large ones several threads at once
  (:class:`_UniformSource`);
* the gradient of the loss w.r.t. ``W`` and ``b_final`` is written out by hand
  (no autograd graph); the per-instance loss and the ``error`` tensor are only
  materialised on the steps that need them (hooks, progress, last step);
* the update is ``torch.optim.AdamW``'s own arithmetic without its per-call
  Python overhead (see :class:`_AdamWUpdate`);
* small problems (< 2**18 batch entries) run torch single-threaded: at the
  paper's size two OpenMP threads gain little on an idle machine and lose 10x
  and more on a busy one (each tiny parallel op waits for a descheduled
  partner); the second core draws the next batch instead. The thread count is
  process-wide, so it changes for the duration of :func:`optimize` and is
  restored afterwards.

Internally the batch is kept negated (``xn = -x``): sampling is then a division
plus one ``threshold`` pass over the random numbers, in place, and the sign folds
into constants for free.

The paper's variants (:mod:`superpos_core.variants`) train through the same step:
the model's ``relu_output``/``relu_hidden`` flags drop or add one masking op each,
correlated batches (:mod:`superpos_core.correlated`) are built from the same
fast uniforms, and a ``model.W_mask`` (set by size sweeps, see
:func:`superpos_core.sweep.train_size_sweep`) zeroes the gradient of masked
entries; with the defaults the step is exactly the one above.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from .loop import drive, n_cpus, runs_small
from .model import Model

__all__ = [
    "linear_lr",
    "constant_lr",
    "cosine_decay_lr",
    "optimize",
    "loss_and_grads",
]


# ---------------------------------------------------------------------------------------
# learning-rate schedules (exactly the notebook's formulas)
# ---------------------------------------------------------------------------------------
def linear_lr(step, steps):
    return 1 - (step / steps)


def constant_lr(*_):
    return 1.0


def cosine_decay_lr(step, steps):
    return np.cos(0.5 * np.pi * step / (steps - 1))


# ---------------------------------------------------------------------------------------
# random numbers
# ---------------------------------------------------------------------------------------
_CHUNK = 1 << 18  # entries per independent numpy stream; fixed so results never depend on threads


class _UniformSource:
    """Fills a tensor of ``shape`` with fresh U[0, 1) numbers at every :meth:`fill`.

    On CPU (float32/float64) the numbers come from numpy PCG64 streams, one per
    chunk of ``_CHUNK`` entries, written straight into numpy memory shared with
    torch; the streams are seeded from one draw of the torch generator (or
    torch's global RNG), so a torch seed still fixes everything. Which stream
    fills which entries depends only on the size, never on threads, so results
    are reproducible across machines. numpy releases the GIL while filling, so:

    * ``prefetch=True`` (used when torch itself runs single-threaded) keeps two
      buffers and fills the next one on a worker thread while the caller computes
      with the current one -- the draws cost nothing when a second core is free;
    * otherwise the chunks of one fill are shared out over up to
      ``torch.get_num_threads()`` threads.

    Elsewhere (e.g. CUDA): ``torch.rand``-style ``uniform_`` with ``generator``.
    """

    def __init__(self, shape, device: torch.device, dtype: torch.dtype, generator, prefetch: bool = False):
        self.pool = None
        self.pending = None
        self.generator = generator
        n = math.prod(shape)
        if device.type == "cpu" and dtype in (torch.float32, torch.float64):
            seed = int(torch.randint(0, 2**63 - 1, (), generator=generator))
            n_chunks = max(1, -(-n // _CHUNK))
            streams = np.random.SeedSequence(seed).spawn(n_chunks)
            self.gens = [np.random.Generator(np.random.PCG64(s)) for s in streams]
            self.np_dtype = np.float32 if dtype == torch.float32 else np.float64
            bufs = [np.empty(n, dtype=self.np_dtype) for _ in range(2 if prefetch else 1)]
            self.tensors = [torch.from_numpy(b).view(shape) for b in bufs]
            self.slices = [[b[k * _CHUNK : (k + 1) * _CHUNK] for k in range(n_chunks)] for b in bufs]
            if prefetch:
                self.pool = ThreadPoolExecutor(1, thread_name_prefix="superpos-rng")
                self.current = 0
                self.pending = self.pool.submit(self._fill_chunks, 0, range(n_chunks))
                self.fill = self._fill_prefetched
            else:
                n_workers = min(n_chunks, max(1, torch.get_num_threads()))
                # chunks dealt round-robin to threads
                self.groups = [range(w, n_chunks, n_workers) for w in range(n_workers)]
                if n_workers > 1:
                    self.pool = ThreadPoolExecutor(n_workers - 1, thread_name_prefix="superpos-rng")
                self.fill = self._fill_parallel
        else:
            self.tensors = [torch.empty(shape, device=device, dtype=dtype)]
            self.fill = self._fill_torch

    def _fill_chunks(self, which: int, chunks) -> None:
        for k in chunks:
            self.gens[k].random(dtype=self.np_dtype, out=self.slices[which][k])

    def _fill_parallel(self) -> torch.Tensor:
        futures = [self.pool.submit(self._fill_chunks, 0, g) for g in self.groups[1:]] if self.pool else []
        self._fill_chunks(0, self.groups[0])
        for f in futures:
            f.result()
        return self.tensors[0]

    def _fill_prefetched(self) -> torch.Tensor:
        self.pending.result()
        ready = self.current
        self.current = 1 - ready
        # the other buffer was handed out by the previous call, and its user is done with it
        self.pending = self.pool.submit(self._fill_chunks, self.current, range(len(self.gens)))
        return self.tensors[ready]

    def _fill_torch(self) -> torch.Tensor:
        return self.tensors[0].uniform_(generator=self.generator)

    def close(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


# ---------------------------------------------------------------------------------------
# the optimiser
# ---------------------------------------------------------------------------------------
class _AdamWUpdate:
    """``torch.optim.AdamW``'s single-tensor update -- what the notebook's AdamW runs on
    CPU -- with the same arithmetic, on the state of a real ``torch.optim.AdamW``.

    ``opt.step()`` spends ~150 us of Python per call on bookkeeping for two tiny
    tensors (more than the whole maths of a step in the paper setting). Here the
    gradients and both moments of all parameters live in flat buffers, so the
    moment updates are one op each; only weight decay and the final ``addcdiv_``
    run per parameter (10 ops in all). ``opt.state[p]`` holds views of those
    buffers in torch's own format, so hooks see (and could keep using) an
    ordinary optimiser; hyper-parameters are read from ``opt.param_groups`` every
    step. The ``step`` counters in the state are written by :meth:`sync` (before
    hooks run and at the end of training) rather than every step.
    """

    def __init__(self, opt: torch.optim.AdamW):
        if len(opt.param_groups) != 1 or opt.state:
            raise ValueError("expects a fresh optimiser with one parameter group")
        group = opt.param_groups[0]
        if group["amsgrad"] or group["maximize"]:
            raise ValueError("amsgrad/maximize are not supported")
        self.opt = opt
        self.params = list(group["params"])
        p0 = self.params[0]
        n = sum(p.numel() for p in self.params)
        buf = lambda: torch.zeros(n, device=p0.device, dtype=p0.dtype)
        self.flat_grad, self.flat_m, self.flat_v, self.flat_d = buf(), buf(), buf(), buf()

        def views(flat):
            out, k = [], 0
            for p in self.params:
                out.append(flat[k : k + p.numel()].view(p.shape))
                k += p.numel()
            return out

        self.grads = views(self.flat_grad)
        self.m_views, self.d_views = views(self.flat_m), views(self.flat_d)
        for p, m, v in zip(self.params, self.m_views, views(self.flat_v)):
            opt.state[p] = {"step": torch.tensor(0.0, dtype=torch.float32), "exp_avg": m, "exp_avg_sq": v}
        self.t = self.synced = 0

    def attach(self) -> None:
        """Point every ``p.grad`` at its slice of the flat gradient (a hook may have
        called ``opt.zero_grad(set_to_none=True)``)."""
        for p, g in zip(self.params, self.grads):
            p.grad = g

    @torch.no_grad()
    def step(self) -> None:
        group = self.opt.param_groups[0]
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        self.t += 1
        bias_correction1 = 1 - beta1**self.t
        bias_correction2 = 1 - beta2**self.t
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if wd != 0:
            for p in self.params:
                p.mul_(1 - lr * wd)
        g = self.flat_grad
        self.flat_m.lerp_(g, 1 - beta1)
        self.flat_v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        torch.sqrt(self.flat_v, out=self.flat_d)
        self.flat_d.div_(bias_correction2_sqrt).add_(eps)
        for p, m, d in zip(self.params, self.m_views, self.d_views):
            p.addcdiv_(m, d, value=-step_size)

    def sync(self) -> None:
        """Write the step count into ``opt.state[p]["step"]``."""
        if self.synced != self.t:
            for p in self.params:
                self.opt.state[p]["step"].fill_(self.t)
            self.synced = self.t


# ---------------------------------------------------------------------------------------
# the hand-differentiated step
# ---------------------------------------------------------------------------------------
class _Trainer:
    """Buffers and arithmetic of one training step for ``model`` at batch size ``n_batch``.

    Per instance, with ``h = x W``, ``pre = h W^T + b``, ``c = 2 / (B F)`` and
    ``m = (pre - |x|) * [pre > 0]``, the gradient of ``mean_{b,f} imp (|x| - relu(pre))^2``::

        dL/db = c imp * sum_b m
        dL/dW = c imp[:, None] * (m^T h)  +  x^T (m (c imp W))

    Without the output ReLU (``model.relu_output`` false) ``m = pre - |x|``; with
    a hidden ReLU (``model.relu_hidden``) ``h = relu(x W)`` and the second term is
    ``x^T ((m (c imp W)) * [x W > 0])``.

    Layout (chosen by measurement on a 2-core CPU): batches are stored
    feature-major, ``[instance, feature, batch]``. Every matmul then produces a
    wide ``[small, batch]`` or a small ``[feature, hidden]`` block (MKL is ~3x faster
    on those than on tall ``[batch, small]`` outputs), and broadcasting a per-feature
    value (``p``, ``b_final``) or summing over the batch runs along the contiguous
    axis. The buffers hold the negated input ``xn = -x``: sampling is then one
    ``div`` and one ``threshold``, and the signs fold into ``alpha``/constants.
    """

    def __init__(
        self, model: Model, n_batch: int, lr: float = 1e-3, generator=None, with_opt=True, prefetch=False
    ):
        self.model = model
        W = model.W
        I, F, H = W.shape
        dev, dt = W.device, W.dtype
        self.shape = (I, F, n_batch)
        self.relu_output = bool(getattr(model, "relu_output", True))
        self.relu_hidden = bool(getattr(model, "relu_hidden", False))
        self.groups = getattr(model, "correlation", None)
        self.W_mask = getattr(model, "W_mask", None)  # entries of W held at 0 (sweeps over sizes)
        if self.groups is not None:
            self.shape = (I, self.groups.n_uniforms, n_batch)  # the uniforms drawn per step
        self.n_batch = n_batch
        # p == 0 as the smallest normal float: u / -p is then -inf or -0 (both read as
        # absent), never the NaN of 0 / -0 (threshold_ keeps NaN). Bit-identical for p > 0.
        p = model._per_instance_feature(model.feature_probability)
        self.p_neg = (-p.clamp_min(torch.finfo(p.dtype).tiny))[:, :, None].contiguous()
        self.imp = model._per_instance_feature(model.importance)  # [I, F]
        self.imp3 = self.imp[:, :, None]
        c = 2.0 / (n_batch * F)
        self.cimp = (c * self.imp).contiguous()  # [I, F]
        self.neg_cimp3 = (-c * self.imp)[:, :, None].contiguous()  # [I, F, 1]
        self.inv_bf = 1.0 / (n_batch * F)

        e = lambda *s: torch.empty(s, device=dev, dtype=dt)
        self.xn = None  # the random-number buffer, transformed in place by sample()
        self.hn = e(I, H, n_batch)  # -h^T
        self.pre = e(I, F, n_batch)
        self.m = e(I, F, n_batch)
        self.gh = e(I, H, n_batch)  # (m (-c imp W))^T
        self.Wc = e(I, F, H)
        # views used every step, made once
        self.hn_t = self.hn.transpose(1, 2)
        self.gh_t = self.gh.transpose(1, 2)
        self.Wc_t = self.Wc.transpose(1, 2)
        self.source = None
        self.generator = generator
        self.prefetch = prefetch
        if with_opt:
            self.opt = torch.optim.AdamW([model.W, model.b_final], lr=lr)
            self.update = _AdamWUpdate(self.opt)
            self.gW, self.gb = self.update.grads  # slices of the optimiser's flat gradient
        else:
            self.opt = self.update = None
            self.gW, self.gb = e(I, F, H), e(I, F)

    # -- data ------------------------------------------------------------------------------
    def sample(self) -> torch.Tensor:
        """Draw a fresh batch into ``self.xn`` (negated, ``[I, F, B]``) and return it."""
        if self.source is None:
            self.source = _UniformSource(
                self.shape, self.pre.device, self.pre.dtype, self.generator, prefetch=self.prefetch
            )
        u = self.source.fill()
        if self.groups is not None:
            self.xn = self.groups.from_uniform(u).neg_()
            return self.xn
        # -u/p is in (-1, 0] exactly when the feature is present (u < p; IEEE division
        # is correctly rounded); threshold keeps values > -1 and zeroes the rest, also
        # the -inf of p == 0 (stored as a tiny p, see __init__).
        u.div_(self.p_neg)
        torch.threshold_(u, -1.0, 0.0)
        self.xn = u
        return u

    def close(self):
        if self.source is not None:
            self.source.close()

    # -- maths -----------------------------------------------------------------------------
    @torch.no_grad()
    def grads(self, xn: torch.Tensor, tn: torch.Tensor | None = None) -> None:
        """Fill ``gW``/``gb`` (and ``pre``) for the negated input ``xn`` ``[I, F, B]``;
        ``tn = -|x|`` is the negated target (defaults to ``xn``: non-negative batches)."""
        if tn is None:
            tn = xn
        W = self.model.W.detach()
        b = self.model.b_final.detach()
        m = self.m
        torch.bmm(W.transpose(1, 2), xn, out=self.hn)  # -h^T
        if self.relu_hidden:
            self.hn.clamp_max_(0.0)  # -relu(x W)^T
        torch.baddbmm(b[:, :, None], W, self.hn, alpha=-1.0, out=self.pre)  # (h W^T + b)^T
        torch.add(self.pre, tn, out=m)  # pre - |x|
        if self.relu_output:
            torch.ops.aten.threshold_backward.grad_input(m, self.pre, 0, grad_input=m)  # * [pre > 0]
        torch.sum(m, dim=2, out=self.gb)
        self.gb.mul_(self.cimp)  # c imp sum_b m
        torch.mul(W, self.neg_cimp3, out=self.Wc)  # -c imp W
        torch.bmm(self.Wc_t, m, out=self.gh)  # -(m (c imp W))^T
        if self.relu_hidden:
            self.gh.mul_(self.hn < 0)  # * [x W > 0]
        torch.bmm(m, self.hn_t, out=self.gW)  # -(m^T h)
        self.gW.mul_(self.neg_cimp3)  # c imp (m^T h)
        self.gW.baddbmm_(xn, self.gh_t)  # + x^T m (c imp W)
        if self.W_mask is not None:
            self.gW.mul_(self.W_mask)  # zero gradient: AdamW keeps a zero entry at zero

    @torch.no_grad()
    def error(self, tn: torch.Tensor | None = None) -> torch.Tensor:
        """``importance * (|x| - relu(pre))^2`` of the last :meth:`grads` call, ``[I, F, B]``."""
        if tn is None:
            tn = self.xn
        d = torch.clamp_min(self.pre, 0.0) if self.relu_output else self.pre.clone()
        d.add_(tn)
        return d.square_().mul_(self.imp3)

    def losses_from_error(self, err: torch.Tensor) -> torch.Tensor:
        return err.sum(dim=(1, 2)).mul_(self.inv_bf)

    @torch.no_grad()
    def losses(self, tn: torch.Tensor | None = None) -> torch.Tensor:
        return self.losses_from_error(self.error(tn))

    def apply(self, lr: float) -> None:
        """One AdamW step with the gradients in ``gW``/``gb``."""
        self.update.attach()
        self.opt.param_groups[0]["lr"] = lr
        self.update.step()

    def step_on_batch(self, batch: torch.Tensor, lr: float) -> torch.Tensor:
        """One full step on a given notebook-layout batch ``[B, I, F]``; returns the
        per-instance losses before the update. (For tests and custom data.)"""
        xn, tn = _negated_feature_major(batch)
        self.grads(xn, tn)
        losses = self.losses(tn)
        self.apply(lr)
        self.update.sync()
        return losses


def _negated_feature_major(batch: torch.Tensor):
    """``[B, I, F]`` -> ``(-x, -|x|)`` as contiguous ``[I, F, B]``."""
    batch = batch.detach()
    xn = batch.permute(1, 2, 0).neg().contiguous()
    tn = batch.abs().permute(1, 2, 0).neg().contiguous()
    return xn, tn


@torch.no_grad()
def loss_and_grads(model: Model, batch: torch.Tensor):
    """Per-instance loss ``[I]`` and the hand-written gradients ``(dW, db)`` for a
    notebook-layout batch ``[B, I, F]`` (any sign). Same numbers autograd gives for the
    notebook's loss; exposed so that claim is testable."""
    batch = batch.to(device=model.W.device, dtype=model.W.dtype)
    tr = _Trainer(model, batch.shape[0], with_opt=False)
    xn, tn = _negated_feature_major(batch)
    tr.grads(xn, tn)
    return tr.losses(tn), tr.gW.clone(), tr.gb.clone()


# ---------------------------------------------------------------------------------------
# the notebook's optimize()
# ---------------------------------------------------------------------------------------
class _ModelSteps:
    """:func:`optimize`'s step on a :class:`_Trainer`, for the shared loop (:func:`.loop.drive`)."""

    def __init__(self, model: Model, tr: _Trainer):
        self.model, self.tr = model, tr

    def step(self, step: int, lr: float, report: bool, hooked: bool):
        tr = self.tr
        xn = tr.sample()
        tr.grads(xn)
        err = losses = None
        if hooked:
            err = tr.error()
            losses = tr.losses_from_error(err)
        elif report:
            losses = tr.losses()
        tr.apply(lr)
        if not hooked:
            return losses, None
        tr.update.sync()
        data = dict(model=self.model, step=step, opt=tr.opt, error=err.permute(2, 0, 1), loss=losses.sum(), lr=lr)
        return losses, data

    def close(self) -> None:
        self.tr.update.sync()
        self.tr.close()


def optimize(
    model: Model,
    render=False,
    n_batch: int = 1024,
    steps: int = 10_000,
    print_freq: int = 100,
    lr: float = 1e-3,
    lr_scale=constant_lr,
    hooks=(),
    progress: bool = True,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    single_thread: bool | None = None,
) -> torch.Tensor:
    """Train ``model`` in place like the notebook's ``optimize``; returns the per-instance
    loss of the last step (``[n_instances]``, detached, CPU).

    Each hook gets ``dict(model, step, opt, error, loss, lr)`` after the update, with
    ``error`` in the notebook's ``[batch, instance, feature]`` layout and ``loss`` the
    sum over instances, both detached. ``render`` is accepted and ignored (the
    notebook ignores it too). Randomness: ``generator``, else ``seed``, else
    ``model.generator``, else torch's global RNG; the same source gives the same
    result. On CPU, small problems run with ``torch.set_num_threads(1)`` while
    training (restored afterwards; see the module docstring); ``single_thread``
    True/False overrides that size rule (a sweep on a shared machine is far less
    hurt by load single-threaded, with the batches drawn on a second core).
    """
    if steps < 1:
        raise ValueError("steps must be >= 1")
    if seed is not None and generator is not None:
        raise ValueError("pass seed or generator, not both")
    if seed is not None:
        generator = torch.Generator(device=model.W.device).manual_seed(int(seed))
    elif generator is None:
        generator = model.generator
    c = model.config
    small = runs_small(c.n_instances * n_batch * c.n_features, model.W.device, single_thread)

    def start() -> _ModelSteps:
        # single-threaded torch leaves a core for drawing the next batch meanwhile
        prefetch = small and n_cpus() > 1
        return _ModelSteps(model, _Trainer(model, n_batch, lr=lr, generator=generator, prefetch=prefetch))

    return drive(start, steps=steps, lr=lr, lr_scale=lr_scale, print_freq=print_freq, hooks=hooks,
                 progress=progress, n_instances=c.n_instances, single_thread=small)
