"""``cardgen list``, ``show`` and ``check``: the exercise engine from the command line.

``--json`` on each gives machine-readable output, so scripts and other tools can use
the engine without parsing text.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cardgen.console import console, escape_text, fail, print_variant
from exercises.base import FORMS
from exercises.registry import TOPICS

SEED = click.IntRange(0, 2**63 - 1)


def resolve(family_id: str, form: str | None):
    """The family and form a user asked for, or a usage error with a suggestion."""
    from exercises import get_family

    try:
        fam = get_family(family_id)
    except KeyError as e:
        raise click.BadParameter(e.args[0], param_hint="FAMILY") from None
    if form is not None and form not in fam.forms:
        raise click.BadParameter(
            f"{fam.id} has no form {form!r}; its forms are: {', '.join(fam.forms)}", param_hint="--form"
        )
    return fam, form or fam.forms[0]


def make_variant(family_id: str, form: str | None, seed: int):
    """The variant of a family, or of a from-code card id (``models/attn.py#3fa2c1b9d0.8e1f2a``,
    shown on the card), rebuilt from the code as it is now."""
    from cardgen.fromcode.ids import is_card_id

    if is_card_id(family_id):
        from cardgen.fromcode.ids import CardIdError, variant

        try:
            return variant(family_id, form, seed)
        except CardIdError as e:  # stale or unknown: cannot be judged (exit 2, like a usage error)
            err = click.ClickException(str(e))
            err.exit_code = 2
            raise err from None
    fam, form = resolve(family_id, form)
    return fam.variant(seed=seed, form=form)


_FORMS_HELP = "\n".join(f"  {name:6s} {what}" for name, what in FORMS.items())


@click.command("list", help=f"""List the exercise families by topic: title, what each drills, question forms.

\b
Forms:
{_FORMS_HELP}

A star marks families that `cardgen exercise new` can turn into code to grade.
""")
@click.option("--topic", type=click.Choice(TOPICS), help="Only this topic.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_families(topic: str | None, as_json: bool) -> None:
    from exercises import all_families

    fams = all_families(topic)
    if as_json:
        click.echo(json.dumps([
            {"family": f.id, "topic": f.topic, "title": f.title, "summary": f.summary,
             "forms": list(f.forms), "difficulty": f.difficulty, "code": f.code_spec is not None}
            for f in fams
        ], indent=2))
        return
    from rich.table import Table

    for t in TOPICS:
        group = [f for f in fams if f.topic == t]
        if not group:
            continue
        table = Table(title=f"{t} ({len(group)} families)", title_justify="left", show_lines=False)
        # the id is what one types next: never wrapped or cut; the other columns wrap instead
        widest = max(len(f.id) + (2 if f.code_spec is not None else 0) for f in group)
        table.add_column("family", no_wrap=True, min_width=widest)
        table.add_column("what it drills", ratio=1, overflow="fold")  # a long word folds, never cut to …
        table.add_column("forms", max_width=12)
        table.add_column("level", justify="center", no_wrap=True)
        for f in group:
            star = " *" if f.code_spec is not None else ""
            about = escape_text(f.title) + (f"\n[dim]{escape_text(f.summary)}[/]" if f.summary else "")
            table.add_row(f.id + star, about, ", ".join(f.forms), "●" * f.difficulty)  # forms wrap at ", "
        console.print(table)
    console.print("[dim]* also a code exercise: cardgen exercise new FAMILY[/]")


@click.command()
@click.argument("family")
@click.option("--form", help="Question form (default: the family's first).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Which variant.")
@click.option("--answer", is_flag=True, help="Also show the answer and its explanation.")
@click.option("--save-image", type=click.Path(file_okay=False, path_type=Path),
              help="Write the variant's image (if any) into this directory.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (includes the answer).")
def show(family: str, form: str | None, seed: int, answer: bool, save_image: Path | None, as_json: bool) -> None:
    """Print one variant of FAMILY.

    \b
    Examples:
      cardgen show einsum.batched_matmul --form write --seed 7
      cardgen show einops.split_heads --form shape --answer
    """
    v = make_variant(family, form, seed)
    if save_image is not None and v.image is not None:
        try:
            save_image.mkdir(parents=True, exist_ok=True)
            (save_image / v.image.name).write_bytes(v.image.data)
        except OSError as e:
            fail(f"cannot write the image into {save_image}: {e.strerror}")
    if as_json:
        click.echo(json.dumps(v.to_dict(), indent=2))
        return
    print_variant(v, show_answer=answer)
    if v.image is not None and save_image is None:
        console.print("[dim]This exercise has an image: --save-image DIR writes it.[/]")


@click.command()
@click.argument("family")
@click.argument("response")
@click.option("--form", help="Question form (default: the family's first).")
@click.option("--seed", type=SEED, required=True, help="The variant that was answered.")
@click.option("--reveal", is_flag=True, help="Also show the answer when the response is wrong.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (includes the answer).")
def check(family: str, response: str, form: str | None, seed: int, reveal: bool, as_json: bool) -> None:
    """Judge RESPONSE to a variant of FAMILY, by execution, and say why.

    Any einsum string or einops pattern that computes the same result is right.
    FAMILY may also be a from-code card id (shown on the card, e.g.
    models/attn.py#3fa2c1b9d0.8e1f2a); run it in the project the deck was built from.
    A wrong response gets the diagnosis and a question aimed at the mistake; the
    answer is kept back (try again) unless --reveal.
    Exit status: 0 when correct, 1 when not, 2 when it cannot be judged.

    \b
    Examples:
      cardgen check einsum.matmul --form write --seed 3 "xy,yz->xz"
      cardgen check "models/attn.py#3fa2c1b9d0.8e1f2a" --form shape --seed 5 "(2, 8, 64)"
    """
    v = make_variant(family, form, seed)
    verdict = v.check(response)
    if as_json:
        d = v.to_dict()
        d.update(response=response, correct=verdict.correct, reason=verdict.reason)
        click.echo(json.dumps(d, indent=2))
    else:
        mark = "[bold green]correct[/]" if verdict.correct else "[bold red]wrong[/]"
        console.print(f"{mark} — {escape_text(verdict.reason)}")
        if not verdict.correct:
            from cardgen.console import render_markup, render_text
            from cardgen.drill.feedback import question

            asked = question(v, response, verdict)
            if asked:
                console.print(f"[cyan]think:[/] {render_markup(asked)}")
            if reveal:
                console.print(f"answer: {render_text(v.answer_text)}")
            else:
                console.print("[dim]try again, or add --reveal to see the answer[/]")
    sys.exit(0 if verdict.correct else 1)
