"""Custom gradients for thresholds: the straight-through estimator of JumpReLU and Heaviside.

ARENA 1.3.1's "Heaviside" and "JumpReLU" ``torch.autograd.Function`` exercises (Rajamanoharan et
al., 2024). The step ``1[z > θ]`` has a zero derivative in ``θ`` almost everywhere, so a learned
threshold would never move; the backward pass replaces it by a pseudo-derivative built from the
rectangle kernel ``K(u) = 1[|u| < 1/2]`` of bandwidth ``ε``, for ``θ`` only::

    Heaviside H = 1[z > θ]:       dH/dz := 0              dH/dθ := -(1/ε) K((z - θ)/ε)
    JumpReLU  J = z · 1[z > θ]:   dJ/dz := 1[z > θ]       dJ/dθ := -(θ/ε) K((z - θ)/ε)

The code exercise asks for JumpReLU's backward (``superpos_core.ste.jumprelu_backward``, the
body of the Function's ``backward``); the grader names the classic slips: the pseudo-derivative
sent to the input instead of θ, the Heaviside's derivative (no factor θ), the kernel twice too
wide, no 1/ε, the sign, z's gradient unmasked, θ's gradient not summed over the batch. The value
form runs the real ``autograd.Function`` on a tiny batch and asks for ``theta.grad``.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, Precision, distinct_sizes, format_array
from exercises.fixes import with_fix
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import clean, give, literal, variant

ID = "superposition.sae_ste"


# ------------------------------------------------------------------ reference & mistakes


def reference(z, theta, eps, grad_output):
    """``superpos_core.ste.jumprelu_backward``: ``(grad_z, grad_theta)``."""
    from superpos_core.ste import jumprelu_backward

    return jumprelu_backward(z, theta, eps, grad_output)


def _k(z, theta, eps, width=1.0):
    return ((z - theta).abs() / eps < width / 2).to(z.dtype)


def _sum_to(t, theta):
    return t.sum_to_size(theta.shape)


def ste_to_input(z, theta, eps, grad_output):
    """The pseudo-derivative given to z; θ gets nothing."""
    import torch

    return -(theta / eps) * _k(z, theta, eps) * grad_output, torch.zeros_like(theta)


def heaviside_pseudo_derivative(z, theta, eps, grad_output):
    g = (z > theta).to(z.dtype) * grad_output
    return g, _sum_to(-(1 / eps) * _k(z, theta, eps) * grad_output, theta)


def positive_sign(z, theta, eps, grad_output):
    g = (z > theta).to(z.dtype) * grad_output
    return g, _sum_to((theta / eps) * _k(z, theta, eps) * grad_output, theta)


def kernel_too_wide(z, theta, eps, grad_output):
    g = (z > theta).to(z.dtype) * grad_output
    return g, _sum_to(-(theta / eps) * _k(z, theta, eps, width=2.0) * grad_output, theta)


def no_one_over_eps(z, theta, eps, grad_output):
    g = (z > theta).to(z.dtype) * grad_output
    return g, _sum_to(-theta * _k(z, theta, eps) * grad_output, theta)


def unmasked_input_grad(z, theta, eps, grad_output):
    return grad_output.clone(), _sum_to(-(theta / eps) * _k(z, theta, eps) * grad_output, theta)


def theta_grad_not_summed(z, theta, eps, grad_output):
    g = (z > theta).to(z.dtype) * grad_output
    return g, -(theta / eps) * _k(z, theta, eps) * grad_output


def no_grad_output(z, theta, eps, grad_output):
    g = (z > theta).to(z.dtype)
    return g, _sum_to(-(theta / eps) * _k(z, theta, eps) + 0 * grad_output, theta)


SLIPS = (
    (ste_to_input, "The straight-through pseudo-derivative is for θ, not the input: z gets its true gradient "
                   "1[z > θ] · grad_output, and θ gets -(θ/ε) K((z - θ)/ε) · grad_output."),
    (heaviside_pseudo_derivative, "That is the Heaviside step's pseudo-derivative, -(1/ε) K(...). JumpReLU "
                                  "jumps by θ at the threshold: dJ/dθ := -(θ/ε) K((z - θ)/ε)."),
    (positive_sign, "Wrong sign: raising θ switches latents off and lowers the output, so dJ/dθ is negative."),
    (kernel_too_wide, "The rectangle kernel is K(u) = 1[|u| < 1/2]: only z within ε/2 of θ counts."),
    (no_one_over_eps, "Divide by ε: the kernel's window has width ε and height 1/ε (it integrates to 1)."),
    (unmasked_input_grad, "z's gradient is masked: JumpReLU is zero below θ, so grad_z = 1[z > θ] · grad_output."),
    (theta_grad_not_summed, "θ is shared across the batch: sum its gradient back to θ's shape."),
    (no_grad_output, "Multiply by grad_output (the chain rule): backward returns dL/dz and dL/dθ, not dJ/dz and dJ/dθ."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """``z [batch, instances, d_sae]`` (or ``[batch, d_sae]``), ``θ`` positive per latent, with about
    half of the entries inside the kernel's window (so θ's gradient is not all zero), some of those
    between ε/2 and ε of θ (so a kernel twice too wide shows) and the rest above or below."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    eps = rng.choice((0.05, 0.1, 0.2, 0.5))
    if case % 3 == 0:
        B, D = distinct_sizes(rng, 2, 2, 7)
        lead: tuple[int, ...] = ()
    else:
        B, I, D = distinct_sizes(rng, 3, 2, 7)
        lead = (I,)
    theta = 0.2 + torch.rand(*lead, D, generator=g)
    where = torch.randint(0, 3, (B, *lead, D), generator=g)
    near = theta + eps * (2 * torch.rand(B, *lead, D, generator=g) - 1) * 0.98  # within ε of θ
    far = torch.rand(B, *lead, D, generator=g) * 3
    z = torch.where(where < 2, near, far)
    grad_output = torch.randn(B, *lead, D, generator=g)
    return {"z": z, "theta": theta, "eps": eps, "grad_output": grad_output}


CODE = CodeSpec(
    function="jumprelu_backward",
    signature=("def jumprelu_backward(z: torch.Tensor, theta: torch.Tensor, eps: float, "
               "grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:"),
    doc=wrapped(
        "The backward pass of JumpReLU, J(z, θ) = z * 1[z > θ], as a torch.autograd.Function's\n"
        "backward would compute it, with the straight-through estimator of the JumpReLU paper:\n"
        "θ gets the pseudo-derivative built from the rectangle kernel K(u) = 1[|u| < 1/2] of\n"
        "bandwidth eps; z gets its true gradient.\n\n"
        "z: [batch, instances, d_sae] or [batch, d_sae] (the pre-threshold activations);\n"
        "theta: the thresholds, [instances, d_sae] or [d_sae] (broadcast over the batch), all > 0;\n"
        "grad_output: dL/dJ, shaped like z.\n"
        "Returns (grad_z, grad_theta): dL/dz shaped like z and dL/dθ shaped like theta."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

THETAS = (0.5, 1.0, 1.5, 2.0)
EPSILONS = (0.25, 0.5, 1.0)
OFFSETS = (-1.0, -0.75, -0.25, 0.25, 0.75, 1.0)  # times ε: inside the window (|·| < 1/2) or not
B, D = 2, 3
KINDS = ("jumprelu", "heaviside")


def _theta_grad(kind, fn_z, theta, eps):
    """θ.grad after ``J.apply(z, θ, ε).sum().backward()`` (or a slip's formula)."""
    import torch

    z = torch.tensor(fn_z, dtype=torch.float64)
    th = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    from superpos_core.ste import Heaviside, JumpReLU

    (JumpReLU if kind == "jumprelu" else Heaviside).apply(z, th, eps).sum().backward()
    return [clean(v) for v in th.grad.tolist()]


def _slip_grads(kind, z, theta, eps):
    """(what, θ.grad) of the classic slips, by formula on the same numbers."""
    import torch

    zt, th = torch.tensor(z, dtype=torch.float64), torch.tensor(theta, dtype=torch.float64)
    ones = torch.ones_like(zt)
    out = []
    factor = th if kind == "jumprelu" else torch.ones_like(th)
    k = _k(zt, th, eps)
    out.append(("pseudo-derivative given to z: θ.grad is 0", torch.zeros_like(th)))
    out.append(("kernel twice too wide", (-(factor / eps) * _k(zt, th, eps, 2.0) * ones).sum(0)))
    out.append(("no 1/ε", (-factor * k).sum(0)))
    out.append(("only the first row (not summed over the batch)", -(factor / eps) * k[0]))
    if kind == "jumprelu":
        out.append(("the Heaviside's pseudo-derivative (no factor θ)", (-(1 / eps) * k).sum(0)))
        out.append(("z instead of θ as the factor", (-(zt / eps) * k).sum(0)))
    else:
        out.append(("JumpReLU's pseudo-derivative (factor θ)", (-(th / eps) * k).sum(0)))
    return [(w, [clean(v) for v in t.tolist()]) for w, t in out]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(3)
    kind = KINDS[seed % 2]

    def draw():
        theta = [rng.choice(THETAS) for _ in range(D)]
        eps = rng.choice(EPSILONS)
        z = [[clean(t + rng.choice(OFFSETS) * eps) for t in theta] for _ in range(B)]
        answer = _theta_grad(kind, z, theta, eps)
        if sum(v != 0 for v in answer) < 2:
            return None
        check = ArrayCheck(answer, precision=precision)
        slips = _slip_grads(kind, z, theta, eps)
        if any(check.check(format_array(s, precision)).correct for _, s in slips):
            return None
        return theta, eps, z, answer, check, slips

    theta, eps, z, answer, check, slips = redraw(draw, 3000, family=ID, form=form, seed=seed)
    name = "JumpReLU" if kind == "jumprelu" else "Heaviside"
    fwd = "z * (z > theta)" if kind == "jumprelu" else "(z > theta).float()"
    deriv = "-(θ/ε) K((z - θ)/ε)" if kind == "jumprelu" else "-(1/ε) K((z - θ)/ε)"
    code = (
        f"z = torch.tensor({literal(z)})  # [batch={B}, d_sae={D}]\n"
        f"theta = torch.tensor({literal(theta)}, requires_grad=True)  # one threshold per latent\n"
        f"eps = {eps:g}\n"
        f"y = {name}.apply(z, theta, eps)  # forward: {fwd}\n"
        "y.sum().backward()\n"
        "theta.grad"
    )
    mistakes = [(w, format_array(s, precision)) for w, s in slips]
    return variant(
        ID, form, seed,
        params={"kind": kind, "z": z, "theta": theta, "eps": eps},
        prompt=(
            f"`{name}` is a `torch.autograd.Function` with the straight-through estimator of the JumpReLU "
            f"paper: its backward gives θ the pseudo-derivative {deriv}, with the rectangle kernel "
            "K(u) = 1[|u| < 1/2]. What is `theta.grad` after the code below (all entries, as a list)?"
            + give(precision).replace("Give it", "Give each entry")
        ),
        answer=answer,
        check=check,
        answer_text=format_array(answer, precision),
        code=code,
        explanation=(
            f"Only entries with |z - θ| < ε/2 = {eps / 2:g} contribute, each {deriv.split(' K')[0]} "
            f"(ε = {eps:g}); the {B} batch rows add up because θ is shared. θ.grad = "
            f"{format_array(answer, precision)}."
        ),
        hints=(
            f"For each entry: is z within ε/2 = {eps / 2:g} of its latent's θ? Only those count.",
            "Each counted entry adds " + ("-θ/ε" if kind == "jumprelu" else "-1/ε") + " to its latent's gradient.",
            "θ is shared by the batch rows: add the rows' contributions.",
        ),
        wrong=[r for _, r in mistakes],
        right=[format_array(answer, precision).replace(" ", "")],
        mistakes=mistakes,
    )


def fix(rng: random.Random, seed: int) -> Variant:
    """One line of the snippet with a classic mistake (``_threshold_fix.ste_fix``)."""
    from exercises.superposition._threshold_fix import ste_fix

    return ste_fix(ID, rng, seed)


FAMILY = Family(
    id=ID,
    title="Straight-through gradients for a threshold",
    make=with_fix(make, fix),
    forms=("value", "fix"),
    difficulty=3,
    summary="The STE backward of Heaviside and JumpReLU: θ gets -(θ/ε)K((z-θ)/ε) (rectangle kernel), z its true gradient.",
    code_spec=CODE,
)
