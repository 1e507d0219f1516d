"""The fix forms of the thresholding SAEs: the STE backward, the JumpReLU SAE and the Gated SAE.

Their lines need comparisons (``z > theta``, ``(pi_gate > 0).float()``, ``torch.where(...)``),
which the shared expression evaluator allows as single comparisons of numbers and tensors. Each
card marks one line of a short snippet; which line (the kernel's window, θ's or z's gradient, the
JumpReLU activations or L0, the Gated paths, sparsity or auxiliary loss) and the names in it vary
with the seed, so no one memorised line answers many cards. The goal is stated, never the formula
of the marked line: knowing it is the skill. Every reference is checked, when the card is built,
against ``superpos_core`` (``ste.jumprelu_backward``/``heaviside_backward``,
``sae_variants.jumprelu_sae_forward``/``_loss_terms``, ``gated_sae_forward``/``_loss_terms``) on
the card's own trial inputs.
"""
from __future__ import annotations

import random
from typing import Any, Callable

from exercises.base import Variant
from exercises.checking import distinct_sizes
from exercises.fixes import Bug, fix_variant

EPSILONS = ("0.2", "0.25", "2.0")  # never 1 or 0.5: "no division by ε" must differ from the reference and from "twice too wide"


def _pick(rng: random.Random, *options: str) -> str:
    return options[rng.randrange(len(options))]


def _near(g, theta, eps: float, B: int):
    """``z`` of ``[B, d_sae]`` around ``theta``: some entries equal to θ, some inside the window
    (|z - θ| < ε/2), some just outside, some far, some 0; all ≥ 0 like the ReLU they come after."""
    import torch

    offsets = torch.tensor([0.0, 0.2, -0.2, 0.4, -0.4, 0.75, -0.75, 1.5, -1.5, 3.0])
    idx = torch.randint(len(offsets), (B, theta.shape[-1]), generator=g)
    dead = torch.rand(B, theta.shape[-1], generator=g) < 0.2  # what the ReLU zeroed
    dead[0, 0] = True
    return torch.where(dead, 0.0, theta + offsets[idx] * eps).clamp_min(0.0)


def _check_against_core(family: str, seed: int, v: Variant, core: Callable[[dict], Any]) -> Variant:
    """The card's reference must compute what superpos_core computes on the card's trial inputs."""
    import torch

    from exercises.checking.expressions import evaluate_expression

    for env in v.checker._envs():
        got = evaluate_expression(v.checker.reference, env, trusted=True)
        want = core(env)
        if not torch.allclose(got.to(torch.float64), want.to(torch.float64), atol=1e-9):
            raise AssertionError(f"{family}/fix/{seed}: the reference disagrees with superpos_core")
    return v


# ------------------------------------------------------------------ the STE backward


STE_LINES = ("window", "theta_jumprelu", "theta_heaviside", "z_jumprelu", "theta_positions")
#: the last: activations of every position of a sequence, [batch, seq, d_sae]: θ sums over both


def ste_fix(family: str, rng: random.Random, seed: int) -> Variant:
    """One line of the backward of Heaviside's or JumpReLU's ``autograd.Function``."""
    line = STE_LINES[seed % len(STE_LINES)]
    z, th, g = _pick(rng, "z", "pre", "x"), _pick(rng, "theta", "threshold", "t"), _pick(rng, "grad_output", "grad_out", "g")
    e = _pick(rng, "eps", "bandwidth", "h")
    eps_value = float(_pick(rng, *EPSILONS))
    kind = "Heaviside" if line == "theta_heaviside" else "JumpReLU"
    k = _pick(rng, "K", "window", "inside")
    win_ref = _pick(rng, f"(({z} - {th}).abs() / {e} < 0.5).float()", f"(({z} - {th}).abs() < {e} / 2).float()")
    setup = [f"{e} = {eps_value:g}"]
    if line == "window":
        target, ref = k, win_ref
        bugs = [Bug("the kernel twice too wide (|u| < 1)", f"(({z} - {th}).abs() / {e} < 1).float()", "wrong_values"),
                Bug("the window not scaled by the bandwidth", f"(({z} - {th}).abs() < 0.5).float()", "wrong_values"),
                Bug("a one-sided window (no absolute value)", f"(({z} - {th}) / {e} < 0.5).float()", "wrong_values"),
                Bug("the window centred on 0, not on θ", f"({z}.abs() / {e} < 0.5).float()", "wrong_values")]
        alternatives = [f"torch.where(({z} - {th}).abs() < {e} / 2, 1.0, 0.0)",
                        f"(({z} - {th}) / {e} > -0.5) & (({z} - {th}) / {e} < 0.5)"]
        goal = f"`{k}` marks the entries inside the rectangle kernel's window (1 inside, 0 outside)."
    else:
        setup.append(f"{k} = {win_ref}")
        if line == "z_jumprelu":
            target, ref = f"grad_{z}", f"({z} > {th}).float() * {g}"
            bugs = [Bug("the pseudo-derivative sent to the input instead of θ", f"-({th} / {e}) * {k} * {g}", "wrong_values"),
                    Bug("the upstream gradient passed unmasked", f"{g} * 1.0", "wrong_values"),
                    Bug("ReLU's mask (z > 0) instead of the threshold's", f"({z} > 0).float() * {g}", "wrong_values"),
                    Bug("z = θ counted as above the threshold", f"({z} >= {th}).float() * {g}", "wrong_values")]
            alternatives = [f"torch.where({z} > {th}, {g}, 0.0)", f"{g} * ({z} > {th})"]
            goal = f"`grad_{z}` is what the input `{z}` receives."
        else:
            factor = f"{th} / {e}" if kind == "JumpReLU" else f"1 / {e}"
            kernel = k
            axes = "(0, 1)" if line == "theta_positions" else "0"
            target, ref = f"grad_{th}", f"(-({factor}) * {kernel} * {g}).sum({axes})"
            other = f"1 / {e}" if kind == "JumpReLU" else f"{th} / {e}"
            bugs = [Bug("the pseudo-derivative of the other function (Heaviside's has no factor θ, JumpReLU's has)",
                        f"(-({other}) * {kernel} * {g}).sum({axes})", "wrong_values"),
                    Bug("the sign flipped", f"(({factor}) * {kernel} * {g}).sum({axes})", "wrong_values"),
                    Bug("not summed over the batch", f"-({factor}) * {kernel} * {g}", "wrong_shape"),
                    Bug("the upstream gradient left out", f"(-({factor}) * {kernel}).sum({axes})", "wrong_values")]
            if kind == "JumpReLU":
                bugs.append(Bug("z as the factor instead of θ", f"(-({z} / {e}) * {kernel} * {g}).sum({axes})", "wrong_values"))
            if line == "theta_positions":
                bugs.append(Bug("summed over the batch only, not over the positions", f"(-({factor}) * {kernel} * {g}).sum(0)",
                                "wrong_shape"))
            alternatives = [f"-({factor}) * ({kernel} * {g}).sum({axes})",
                            f"(-({factor}) * {g} * {kernel}).sum(dim={axes})"]
            goal = f"`grad_{th}` is what the thresholds `{th}` receive."
    what = (f"The backward of {kind}'s `torch.autograd.Function` (forward: "
            + (f"`{z} * ({z} > {th})`" if kind == "JumpReLU" else f"`({z} > {th}).float()`")
            + f") with the straight-through estimator of the JumpReLU paper, rectangle kernel of bandwidth `{e}`. "
            f"`{z}`: [batch, {'seq, ' if line == 'theta_positions' else ''}d_sae], the thresholds `{th}`: [d_sae], `{g}`: the gradient of the loss with "
            f"respect to the output. {goal}")

    def inputs(r: random.Random) -> dict:
        import torch

        B, S, D = distinct_sizes(r, 3, 2, 7)
        lead = (B, S) if line == "theta_positions" else (B,)
        gen = torch.Generator().manual_seed(r.getrandbits(62))
        theta = 0.3 + 2 * torch.rand(D, generator=gen)
        zs = _near(gen, theta, eps_value, B * (S if line == "theta_positions" else 1)).reshape(*lead, D)
        return {z: zs, th: theta, g: torch.randn(*lead, D, generator=gen)}

    v = fix_variant(family, seed, rng, what=what, setup=["import torch", *setup], target=target, reference=ref,
                    bugs=bugs, inputs=inputs, alternatives=alternatives,
                    explanation=("θ gets -(θ/ε)·K((z-θ)/ε) for JumpReLU, -(1/ε)·K((z-θ)/ε) for Heaviside, with "
                                 "K(u) = 1[|u| < 1/2], times the upstream gradient and summed over the batch; "
                                 "z gets its true gradient, 1[z > θ] for JumpReLU."),
                    hints=("Which of z and θ gets the pseudo-derivative, and which its true gradient?",
                           "θ is shared by every row of the batch."),
                    params={"line": line, "kind": kind, "names": {"z": z, "theta": th, "grad": g, "eps": e, "K": k}})

    def core(env: dict):
        from superpos_core.ste import heaviside_backward, jumprelu_backward

        if line == "window":
            return ((env[z] - env[th]).abs() / eps_value < 0.5).double()
        fn = heaviside_backward if kind == "Heaviside" else jumprelu_backward
        grad_z, grad_theta = fn(env[z], env[th], eps_value, env[g])
        return grad_z if line == "z_jumprelu" else grad_theta

    return _check_against_core(family, seed, v, core)


# ------------------------------------------------------------------ the JumpReLU SAE


JUMPRELU_LINES = ("acts", "l0", "l0_instances_first", "l0_total")
#: ``l0_instances_first``: z stored [instances, batch, d_sae]; ``l0_total``: the term summed over instances


def jumprelu_fix(family: str, rng: random.Random, seed: int) -> Variant:
    """The JumpReLU activations or the L0 term (per instance, for either layout, or summed over
    instances), with θ = exp(log_theta) computed on a line above or not."""
    line = JUMPRELU_LINES[seed % len(JUMPRELU_LINES)]
    z, lt = _pick(rng, "z", "pre", "post_relu"), _pick(rng, "log_theta", "log_threshold")
    th = _pick(rng, "theta", "threshold")
    inline = rng.random() < 0.5
    theta = f"{lt}.exp()" if inline else th
    setup = [] if inline else [f"{th} = {lt}.exp()"]
    first = line == "l0_instances_first"
    layout = "[instances, batch, d_sae]" if first else "[batch, instances, d_sae]"
    if line == "acts":
        target = "acts"
        ref = _pick(rng, f"{z} * ({z} > {theta}).float()", f"torch.where({z} > {theta}, {z}, 0.0)")
        bugs = [Bug("the step 1[z > θ] instead of z times it", f"({z} > {theta}).float()", "wrong_values"),
                Bug("compared with log θ instead of θ", f"{z} * ({z} > {lt}).float()", "wrong_values"),
                Bug("shifted by θ: relu(z - θ)", f"torch.relu({z} - {theta})", "wrong_values"),
                Bug("z = θ counted as above the threshold", f"{z} * ({z} >= {theta}).float()", "wrong_values")]
        alternatives = [f"{z} * ({z} > {theta})", f"{z}.where({z} > {theta}, 0.0)"]
        goal = "`acts` are the JumpReLU activations: below its threshold a latent gives nothing, above it its whole value."
    else:
        t = f"{theta}[:, None]" if first else theta
        log_t = f"{lt}[:, None]" if first else lt
        batch = "1" if first else "0"
        tail = ".sum()" if line == "l0_total" else ""
        target = "l0"

        def l0(mask: str, reduce: str = f".sum(-1).mean({batch})") -> str:
            return f"{mask}.float(){reduce}{tail}"

        ref = l0(f"({z} > {t})")
        bugs = [Bug("summed over the batch instead of averaged", l0(f"({z} > {t})", f".sum(-1).sum({batch})"), "wrong_values"),
                Bug("the L1 of the JumpReLU activations instead of the L0",
                    f"({z} * ({z} > {t}).float()).sum(-1).mean({batch}){tail}", "wrong_values"),
                Bug("counted every latent with z > 0", l0(f"({z} > 0)"), "wrong_values"),
                Bug("compared with log θ instead of θ", l0(f"({z} > {log_t})"), "wrong_values"),
                Bug("averaged over the latents instead of counting them", l0(f"({z} > {t})", f".mean(-1).mean({batch})"),
                    "wrong_values")]
        if line == "l0_total":
            bugs.append(Bug("averaged over the instances instead of summed", f"({z} > {t}).float().sum(-1).mean()",
                            "wrong_values"))
        alternatives = [f"({z} > {t}).sum(-1).double().mean({batch}){tail}",
                        f"torch.where({z} > {t}, 1.0, 0.0).sum(dim=-1).mean(dim={batch}){tail}"]
        goal = ("`l0` is the sparsity term of the loss, " + ("summed over the instances (one number)" if tail else
                "one per instance") + ": for each instance, the mean over the batch of the number of latents that fire.")
    what = (f"A JumpReLU SAE stores each latent's threshold as its log, `{lt}` [instances, d_sae]; `{z}` "
            f"{layout} are the latents' ReLU'd pre-activations. {goal}")

    def inputs(r: random.Random) -> dict:
        import torch

        B, I, D = distinct_sizes(r, 3, 2, 7)
        gen = torch.Generator().manual_seed(r.getrandbits(62))
        log_theta = (0.2 + 1.5 * torch.rand(I, D, generator=gen, dtype=torch.float64)).log()
        theta_t = log_theta.exp()  # exactly what the snippet computes, so some z equal θ to the last bit
        zs = torch.stack([_near(gen, theta_t[i], 0.5, B) for i in range(I)], 0 if first else 1)
        return {z: zs, lt: log_theta}

    v = fix_variant(family, seed, rng, what=what, setup=["import torch", *setup], target=target, reference=ref,
                    bugs=bugs, inputs=inputs, alternatives=alternatives,
                    explanation=("θ = exp(log_theta); acts = z·1[z > θ]; L0 = mean over the batch of the number of "
                                 "latents with z > θ (a count, not a sum of magnitudes: no shrinkage)."),
                    hints=("What is the threshold itself, given what the SAE stores?",
                           "Strictly above the threshold, and per row of the batch."),
                    params={"line": line, "names": {"z": z, "log_theta": lt, "theta": th}})

    def core(env: dict):
        from superpos_core.ste import heaviside, jumprelu

        theta_t = env[lt].exp()
        zs = env[z].transpose(0, 1) if first else env[z]  # superpos_core's layout: [batch, instances, d_sae]
        if line == "acts":
            return jumprelu(zs, theta_t, 0.01)
        per_instance = heaviside(zs, theta_t, 0.01).sum(-1).mean(0)
        return per_instance.sum() if line == "l0_total" else per_instance

    return _check_against_core(family, seed, v, core)


# ------------------------------------------------------------------ the Gated SAE


GATED_LINES = ("acts", "pi_mag", "sparsity", "aux")


def gated_fix(family: str, rng: random.Random, seed: int) -> Variant:
    """One line of the Gated SAE's forward pass or loss, for one SAE (``h``: [batch, d_in])."""
    line = GATED_LINES[seed % len(GATED_LINES)]
    h = _pick(rng, "h", "x")
    pg, pm = _pick(rng, "pi_gate", "gate_pre"), _pick(rng, "pi_mag", "mag_pre")
    hc = f"({h} - b_dec)"
    setup = [f"{pg} = {hc} @ W_gate + b_gate"]
    pm_ref = _pick(rng, f"{hc} @ (W_gate * r_mag.exp()) + b_mag", f"({hc} @ W_gate) * torch.exp(r_mag) + b_mag")
    if line == "pi_mag":
        target, ref = pm, pm_ref
        bugs = [Bug("r_mag used as the scale itself, not exp(r_mag)", f"{hc} @ (W_gate * r_mag) + b_mag", "wrong_values"),
                Bug("b_dec not subtracted from the input", f"{h} @ (W_gate * r_mag.exp()) + b_mag", "wrong_values"),
                Bug("the gate's bias instead of the magnitude's", f"{hc} @ (W_gate * r_mag.exp()) + b_gate", "wrong_values")]
        alternatives = [f"torch.einsum('bi,id->bd', {hc}, W_gate * r_mag.exp()) + b_mag"]
        goal = (f"`{pm}` is the magnitude path's pre-activation: it shares W_gate, each latent's column rescaled by "
                "a learned positive factor stored as its log, `r_mag`.")
    else:
        setup.append(f"{pm} = {pm_ref}")
        acts_ref = f"({pg} > 0).float() * torch.relu({pm})"
        if line == "acts":
            target, ref = "acts", acts_ref
            bugs = [Bug("relu of the gate instead of its step", f"torch.relu({pg}) * torch.relu({pm})", "wrong_values"),
                    Bug("the paths swapped: the magnitude decides, the gate sizes",
                        f"({pm} > 0).float() * torch.relu({pg})", "wrong_values"),
                    Bug("the magnitude without its ReLU", f"({pg} > 0).float() * {pm}", "wrong_values")]
            alternatives = [f"torch.where({pg} > 0, torch.relu({pm}), 0.0)", f"torch.relu({pm}) * ({pg} > 0)"]
            goal = "`acts`: the gate path decides which latents fire, the magnitude path how much."
        elif line == "sparsity":
            setup.append(f"acts = {acts_ref}")
            target, ref = "sparsity", f"torch.relu({pg}).sum(-1).mean()"
            bugs = [Bug("the L1 taken on acts instead of on the gate", "acts.abs().sum(-1).mean()", "wrong_values"),
                    Bug("the gate's step counted (an L0) instead of relu(gate)", f"({pg} > 0).float().sum(-1).mean()",
                        "wrong_values"),
                    Bug("averaged over the latents instead of summed", f"torch.relu({pg}).mean()", "wrong_values")]
            alternatives = [f"{pg}.clamp(min=0).sum(1).mean(0)"]
            goal = ("`sparsity` is the L1 term of the loss: the mean over the batch of the sum over latents of what the "
                    "penalty is put on (the magnitudes must feel none, so that nothing shrinks).")
        else:
            setup.append(f"acts = {acts_ref}")
            target = "aux"
            ref = f"(torch.relu({pg}) @ W_dec + b_dec - {h}).square().mean()"
            bugs = [Bug("the auxiliary reconstruction without b_dec", f"(torch.relu({pg}) @ W_dec - {h}).square().mean()",
                        "wrong_values"),
                    Bug("the auxiliary reconstruction from acts (that is the main reconstruction)",
                        f"(acts @ W_dec + b_dec - {h}).square().mean()", "wrong_values"),
                    Bug("the auxiliary reconstruction through the gate's step", f"(({pg} > 0).float() @ W_dec + b_dec - {h}).square().mean()",
                        "wrong_values"),
                    Bug("summed over d_in instead of averaged", f"(torch.relu({pg}) @ W_dec + b_dec - {h}).square().sum(-1).mean()",
                        "wrong_values")]
            alternatives = [f"((torch.relu({pg}) @ W_dec + b_dec - {h}) ** 2).mean(-1).mean(0)"]
            goal = ("`aux` is the auxiliary loss that trains the gate path: a reconstruction from the gate alone, "
                    "through the (frozen) decoder, mean over batch and d_in.")
    what = (f"A Gated SAE (one SAE): `{h}` [batch, d_in], W_gate [d_in, d_sae], W_dec [d_sae, d_in]; the input is "
            f"centred on b_dec before encoding. {goal}")

    def inputs(r: random.Random) -> dict:
        import torch

        B, d_in, d_sae = distinct_sizes(r, 3, 2, 8)
        gen = torch.Generator().manual_seed(r.getrandbits(62))

        def rn(*shape):
            return torch.randn(*shape, generator=gen)

        return {h: rn(B, d_in), "W_gate": rn(d_in, d_sae), "b_gate": rn(d_sae) * 0.5, "r_mag": rn(d_sae) * 0.5,
                "b_mag": rn(d_sae) * 0.5, "W_dec": rn(d_sae, d_in), "b_dec": rn(d_in) * 0.5}

    v = fix_variant(family, seed, rng, what=what, setup=["import torch", *setup], target=target, reference=ref,
                    bugs=bugs, inputs=inputs, alternatives=alternatives,
                    explanation=("pi_gate = (h - b_dec) W_gate + b_gate, pi_mag = (h - b_dec)(exp(r_mag)·W_gate) + b_mag; "
                                 "acts = 1[pi_gate > 0]·relu(pi_mag); the L1 is on relu(pi_gate), and the auxiliary "
                                 "loss reconstructs from relu(pi_gate) through the frozen decoder."),
                    hints=("Which path decides whether a latent fires, and which how strongly?",
                           "What trains the gate, given that a step passes no gradient?"),
                    params={"line": line, "names": {"h": h, "pi_gate": pg, "pi_mag": pm}})

    def core(env: dict):
        from superpos_core.sae_variants import gated_sae_forward, gated_sae_loss_terms

        args = [env[k] for k in ("W_gate", "b_gate", "r_mag", "b_mag", "W_dec", "b_dec")]
        if line == "pi_mag":  # not returned by superpos_core: its W_mag = exp(r_mag) * W_gate, written out
            return (env[h] - env["b_dec"]) @ (env["W_gate"] * env["r_mag"].exp()) + env["b_mag"]
        if line == "acts":
            return gated_sae_forward(*args, env[h])[0]
        terms = gated_sae_loss_terms(*args, env[h])
        return terms["sparsity" if line == "sparsity" else "aux"]

    return _check_against_core(family, seed, v, core)
