"""Read off a trained SAE which latent represents which feature of a trained TMS model.

The SAEs of :mod:`exercises.superposition._sae` (``d_sae = 8``, ``l1_coeff = 0.2``, 10 runs
from different random starts) were trained on the hidden activations of sparse TMS models from the cached
grid run; the picture is ``superpos_core.sae_directions_png``: the model's feature directions
W_i (coloured, labelled i) and the SAE's decoder directions (dashed, labelled Lj; dead latents
dotted grey). Answers come from ``superpos_core.sae_metrics``: ``latent_feature``
(:func:`superpos_core.match_latents`: a live latent represents the represented feature its
decoder direction is within cosine ``RECOVERED_COSINE`` = 0.9 of), ``dead`` latents and
``recovered`` features.

Latent numbers differ from run to run (the latents start at random), so questions about
latents are asked "in this run" about the picture shown; which features are recovered is
asked about the setting only where the setting decides it (``_decide.decide``: 9 of the 10
runs and every run of the check run, twice the steps on half-size batches, give the same
features on every one of the 5 evaluation batches, each feature's best live cosine clear of
``RECOVERED_COSINE`` by :data:`COSINE_MARGIN`). A picture is only asked about when it is
clear-cut: every live latent lies within cosine 0.95 of a represented feature or clearly off
all of them (below 0.8), so the eye and ``match_latents`` always agree, and no dead latent lies
within about 20 degrees of another latent (their labels would be hard to tell apart).
"""
from __future__ import annotations

import functools
import random

from exercises.base import Family, Variant
from exercises.checking import SetCheck
from exercises.superposition import _decide as D
from exercises.superposition import _sae as S
from exercises.superposition import _trained as T
from exercises.superposition._common import png_image, variant

ID = "superposition.sae_recovery"
CLEAR_ABOVE = 0.95
CLEAR_BELOW = 0.8
DEAD_APART = 0.94  # cosine of about 20 degrees
RECOVERED_COSINE = 0.9  # superpos_core.RECOVERED_COSINE (asserted by the tests)
#: pictures (and "in this run" questions) come from the first runs only: the claims read all 10,
#: but a handful of pictures per setting is all a deck needs (each costs a drawing)
PICTURE_RUNS = 3
COSINE_MARGIN = 0.05  # a run decides "recovered" only with every best cosine outside 0.9 ± this


def _text(ids) -> str:
    return ", ".join(map(str, ids)) or "none"


def _dropped_text(setting, dropped) -> str:
    """The dropped features with their norms in the model (a dropped feature can keep a norm of 0.4)."""
    import math

    from exercises.superposition._common import fmt

    W = S.W_of(setting)
    many = len(dropped) > 1
    return (f"feature{'s' if many else ''} {_text(dropped)} ha{'ve' if many else 's'} norm{'s' if many else ''} "
            + ", ".join(fmt(math.hypot(*W[f]), 2) for f in dropped))


def _cosines(setting, seed_index: int, i: int):
    """``[features, latents]`` cosines of the model's directions with the decoder's (superpos_core)."""
    import torch

    from superpos_core import feature_cosines

    W = torch.tensor(S.W_of(setting), dtype=torch.float64)
    D = torch.tensor(S.W_dec_of("base", seed_index, i), dtype=torch.float64)
    return feature_cosines(W, D).tolist()


def _clear(setting, seed_index: int, i: int, m: dict) -> bool:
    """Whether the picture reads unambiguously: live latents clearly on or off a feature, and no
    dead (dotted) latent within about 20 degrees of another latent, where their labels would mix."""
    import torch

    from superpos_core import feature_cosines

    cos = _cosines(setting, seed_index, i)
    dead = set(m["dead_latents"])
    D = torch.tensor(S.W_dec_of("base", seed_index, i), dtype=torch.float64)
    between = feature_cosines(D, D).tolist()
    if any(between[a][b] >= DEAD_APART for a in dead for b in range(S.D_SAE) if b != a):
        return False
    for j in range(S.D_SAE):
        if j in dead:
            continue
        best = max(cos[f][j] for f in m["represented"])
        if CLEAR_BELOW <= best < CLEAR_ABOVE:
            return False
    return True


def _quantities(m: dict) -> dict[str, tuple[int, ...]]:
    out = {}
    for f in m["represented"]:
        out[f"latents_of_{f}"] = tuple(j for j, g in enumerate(m["latent_feature"]) if g == f)
    for j in range(S.D_SAE):
        g = m["latent_feature"][j]
        out[f"feature_of_{j}"] = () if g < 0 else (g,)
    out["dead"] = tuple(m["dead_latents"])
    return out


def _not_recovered(m: dict) -> tuple[int, ...]:
    return tuple(f for f in range(T.N_FEATURES) if f not in m["recovered"])


def seed_not_recovered(per_batch: list[dict]) -> tuple[int, ...] | None:
    """One run's "not recovered" features (its ``sae_metrics`` on every evaluation batch), or
    None when a batch disagrees or a represented feature's best live cosine lies within
    :data:`COSINE_MARGIN` of ``RECOVERED_COSINE``."""
    answers = {_not_recovered(m) for m in per_batch}
    if len(answers) > 1:
        return None
    for m in per_batch:
        if any(abs(m["feature_cosine"][f] - RECOVERED_COSINE) < COSINE_MARGIN for f in m["represented"]):
            return None
    return answers.pop()


@functools.lru_cache(maxsize=2)
def _questions(key: str) -> list[T.Question]:
    """Per recovery setting: "not recovered" where the setting decides it (scope "all"); per
    clear-cut picture (setting, run): the latent questions about that run (scope "run")."""
    batches = [m["base"] for m in S.measured_batches()]  # every evaluation batch: a claim holds on each
    checks = [m["base"] for m in S.measured_batches("check")]
    rows = S.layout()["base"]
    qs: list[T.Question] = []
    for i, row in enumerate(rows):
        if row["l1_coeff"] != S.L1 or tuple(row["setting"]) not in S.RECOVERY:
            continue
        ms = [[b[si][i] for b in batches] for si in range(len(S.SEEDS))]  # [run][batch]
        clear = [si for si in range(PICTURE_RUNS)
                 if all(_clear(row["setting"], si, i, m) for m in ms[si])
                 and len({repr(_quantities(m)) for m in ms[si]}) == 1]
        main = [seed_not_recovered(per) for per in ms]
        check = [seed_not_recovered([b[si][i] for b in checks]) for si in range(len(checks[0]))]
        decided = D.decide(main, check)
        shown = [si for si in D.agreeing(main, decided) if si in clear] if decided is not None else []
        if shown:
            # its own answer class for the dealing (``_trained.pick``): the setting claims are few
            # beside the many "in this run" questions, and would drown in their classes
            qs.append(T.Question(i, "not_recovered", "all", decided, f"setting {decided!r}", tuple(shown),
                                 agree=len(D.agreeing(main, decided))))
        for si in clear:
            for name, a in _quantities(ms[si][0]).items():
                qs.append(T.Question(i, name, "run", a, repr(a), (si,)))
    return qs


def questions() -> list[T.Question]:
    return _questions(S.run_key())


def picture(i: int, seed_index: int):
    """The ``sae_directions_png`` of recovery instance ``i``, seed ``SEEDS[seed_index]``, as an Image."""
    return _picture(S.run_key(), i, seed_index)


@functools.lru_cache(maxsize=64)
def _picture(key: str, i: int, seed_index: int):
    from superpos_core.sae_plots import sae_directions_png

    m = S.measured()["base"][seed_index][i]
    alive = [j not in m["dead_latents"] for j in range(S.D_SAE)]
    row = S.layout()["base"][i]
    png = sae_directions_png(S.W_of(row["setting"]), S.W_dec_of("base", seed_index, i), alive)
    return png_image("sae-directions", png)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    q = T.pick(questions(), seed, ID)
    si = rng.choice(q.runs)
    i = q.setting
    setting = tuple(S.layout()["base"][i]["setting"])
    m = S.measured()["base"][si][i]
    answer = list(q.answer)
    lf = m["latent_feature"]
    live = [j for j in range(S.D_SAE) if j not in m["dead_latents"]]
    cos = _cosines(setting, si, i)
    context = (
        f"A TMS model ({T.N_FEATURES} features of importance \\({setting[1]:g}^i\\), {T.N_HIDDEN} hidden "
        f"dimensions, feature probability {setting[0]:g}) was trained, then an SAE ({S.D_SAE} latents, "
        f"`l1_coeff = {S.L1:g}`) on its hidden activations h = x W"
    )
    legend = (" The picture shows each feature's direction \\(W_i\\) (coloured arrow i) and each "
              "latent's decoder direction (dashed, Lj; dotted grey: dead). "
              f"A live latent represents feature i within cosine {RECOVERED_COSINE:g} of \\(W_i\\).")
    lists = " Write latent Lj as j."
    if q.quantity == "not_recovered":
        noun = "feature"
        prompt = (context + f", {len(S.SEEDS)} times from different random starts;"
                  + legend.replace(" The picture shows", " the picture shows, for one of them,", 1) + " At this setting, which of the features 0 to "
                  f"{T.N_FEATURES - 1} does no live latent represent (\\(\\|W_i\\| \\le 0.5\\) counts)? "
                  "List them, or write none.")
        dropped = [f for f in range(T.N_FEATURES) if f not in m["represented"]]
        mistakes = [("forgot the features the model itself drops", _text(f for f in answer if f not in dropped)),
                    ("listed the recovered features instead", _text(m["recovered"])),
                    ("assumed the least important feature is the one left out", str(T.N_FEATURES - 1))]
        explanation = (D.agreement_text(q.agree).rstrip(".") + f", on each of {len(S.EVAL_SEEDS)} evaluation batches "
                       f"of {S.EVAL_BATCH} inputs. In the run shown the SAE recovers features {_text(m['recovered'])}"
                       + (f"; {_dropped_text(setting, dropped)} in the model (not represented: at most 0.5), so no "
                          "latent can recover them." if dropped else
                          ": on sparse inputs each input is one feature's direction times a magnitude, so one "
                          "latent per feature is the cheapest code."))
    elif q.quantity == "dead":
        noun = "latent"
        prompt = (context + f" (run {S.SEEDS[si]} of {len(S.SEEDS)} from different random starts)." + legend + " In this run, which latents are dead?"
                  + lists + " Write none if there is none.")
        mistakes = [("listed the live latents", _text(live)),
                    ("listed the latents that represent no feature", _text(j for j in live if lf[j] < 0) if
                     any(lf[j] < 0 for j in live) else "none")]
        explanation = (f"Dotted grey arrows: {_text(answer)}." if answer else "No arrow is dotted: every latent fires.")
    elif q.quantity.startswith("latents_of_"):
        f = int(q.quantity.rsplit("_", 1)[1])
        noun = "latent"
        prompt = (context + f" (run {S.SEEDS[si]} of {len(S.SEEDS)} from different random starts)." + legend
                  + f" In this run, which latents represent feature {f}?" + lists)
        near = [j for j in range(S.D_SAE) if cos[f][j] >= RECOVERED_COSINE]
        mistakes = [("the latent with the feature's own number", str(f)),
                    ("counted dead latents too", _text(near)),
                    ("the latent pointing the opposite way",
                     _text(j for j in range(S.D_SAE) if cos[f][j] <= -RECOVERED_COSINE))]
        explanation = (f"Feature {f}'s arrow is covered by the dashed arrow{'s' if len(answer) > 1 else ''} "
                       f"L{', L'.join(map(str, answer))} (cosine "
                       + ", ".join(f"{cos[f][j]:.2f}" for j in answer) + ")."
                       + (" Several latents can share a feature when the SAE has more latents than the model "
                          "has features." if len(answer) > 1 else ""))
    else:
        j = int(q.quantity.rsplit("_", 1)[1])
        noun = "feature"
        prompt = (context + f" (run {S.SEEDS[si]} of {len(S.SEEDS)} from different random starts)." + legend
                  + f" In this run, which feature does latent L{j} represent? Write none if it represents none.")
        best = max(range(T.N_FEATURES), key=lambda g: cos[g][j])
        mistakes = [("the feature with the latent's own number", str(j) if j < T.N_FEATURES else "none"),
                    ("the nearest feature even for a dead latent or one far from all", str(best)),
                    ("said it represents no feature", "none")]
        if answer:
            explanation = f"L{j} lies along \\(W_{answer[0]}\\) (cosine {cos[answer[0]][j]:.2f})."
        elif j in m["dead_latents"]:
            explanation = f"L{j} is dotted grey: it is dead (never fires), so it represents nothing."
        else:
            explanation = (f"L{j} is live but far from every feature (best cosine {cos[best][j]:.2f} with "
                           f"\\(W_{best}\\)), so it represents none.")
    check = SetCheck(frozenset(answer), noun=noun)
    seen: set[str] = set()
    mistakes = [(w, r) for w, r in mistakes if not check.check(r).correct and not (r in seen or seen.add(r))]
    return variant(
        ID, form, seed,
        params={"setting": list(setting), "seed": S.SEEDS[si], "quantity": q.quantity, "scope": q.scope,
                "instance": i, "training": S.run_key()},
        prompt=prompt,
        answer=answer,
        check=check,
        answer_text=check.expected_text,
        image=picture(i, si),
        explanation=explanation + f" (The SAEs: {S.training_text()}.)",
        hints=(
            "Dashed arrows are the SAE's latents, solid coloured ones the model's features; a latent represents "
            "the feature whose arrow it lies along.",
            "Dotted grey latents are dead: they never fire, so they represent nothing.",
            "On sparse inputs the SAE tends to give each represented feature its own latent.",
        ),
        wrong=[r for _, r in mistakes] + [_text(sorted(set(answer) ^ {0}))],
        right=["[" + ", ".join(map(str, answer)) + "]", " and ".join(map(str, answer)) or "[]"],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="SAE: which latent is which feature?",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Read an SAE's decoder directions against a sparse toy model's features: which latent is which feature.",
)
