"""``cardgen from-code``: exercises from the einsum / einops calls in your own code.

Only click and light modules are imported here; the scan, torch, einops and genanki load
when the command runs, so ``cardgen --help`` stays instant.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from cardgen.console import console, err_console, escape_text as _escape, fail, print_variant

MAX_SEED = 2**63 - 1
DEFAULT_OUTPUT = Path("cardgen-from-code.apkg")


@click.command("from-code")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path))
@click.option("--show", is_flag=True, help="Print the calls found and one variant of each exercise; "
                                           "write no deck unless -o is given.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Write the Anki package here (default when neither --show nor --json: {DEFAULT_OUTPUT}).")
@click.option("-k", "--variants", type=click.IntRange(1, 100), default=8, show_default=True,
              help="Variants stored per card; one of them is shown at each review.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True,
              help="Seed: the same seed gives the same sizes and questions.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable listing (calls, exercises, "
                                                      "skipped items) instead of text.")
def from_code(paths: tuple[Path, ...], show: bool, output: Path | None, variants: int, seed: int,
              as_json: bool) -> None:
    """Turn the einsum / einops calls in your own code into exercises.

    PATHS are .py files, .ipynb notebooks or folders (searched recursively; hidden
    folders, virtual environments and caches are skipped). The code is parsed, never
    imported or run. Found: torch.einsum, np.einsum, einops.einsum / rearrange /
    reduce / repeat / pack and the einops layers Rearrange / Reduce, also through
    aliases (`import einops as E`, `from einops import rearrange as r`,
    `import torch as t`, `from torch import einsum`), when the pattern is a literal.

    Each call becomes three cards — shape (predict the result's shape), write (fill in
    the pattern from a description) and read (which axes are summed / reduced /
    merged / split / new) — named after its file, line and function. Answers come from
    running the pattern on tensors of drawn sizes that respect the sizes your code
    fixes (`h=8`, `(h 2)`).

    Cards go into one subdeck per file, "cardgen::from-code::<path>", the path taken
    from the project root (the nearest folder above with .git or pyproject.toml),
    else from the folder given. A card is
    identified by file, function and pattern (not line), so re-running after you edit
    the code and importing again updates the same cards and keeps their history.
    Calls that cannot be used (f-string or variable patterns, syntax errors, invalid
    notebooks) are listed as skipped with the reason.

    \b
    Examples:
      cardgen from-code src/ --show          what would become cards
      cardgen from-code src/ notebooks/ -o mycode.apkg
      cardgen from-code model.py --json      machine-readable listing
    """
    from cardgen.fromcode.exercises import collect

    if show and as_json:
        raise click.UsageError("use --show or --json, not both")
    found = collect(paths)
    from cardgen.fromcode.ids import remember_roots

    remember_roots(found)  # so the cards' ids resolve from any folder
    if not found.files:
        from cardgen.fromcode.scan import printable

        fail(printable(f"no Python files (.py) or notebooks (.ipynb) found under {', '.join(str(p) for p in paths)}"))
    write_to = output if output is not None else (None if (show or as_json) else DEFAULT_OUTPUT)

    notes = []
    if write_to is not None and found.items:
        from cardgen.fromcode.deck import FromCodeDeckError, write_deck

        try:
            notes = _build(found.items, variants, seed, found.skipped)
            write_deck(write_to, notes)
        except FromCodeDeckError as e:
            fail(str(e))
    if as_json:
        click.echo(json.dumps(_listing(found, variants, seed, notes, write_to), indent=2))
        return
    if show:
        _show(found, seed)
    _summary(found, write_to if notes else None, notes, show)


def _build(items, variants: int, seed: int, skipped: list):
    from cardgen.console import progress
    from cardgen.fromcode.deck import build_notes

    with progress(transient=True) as bar:
        task = bar.add_task("computing variants", total=len(items) * 3)
        return build_notes(items, variants, seed, skipped=skipped,
                           on_note=lambda n: bar.update(task, advance=1, description=n.call.where))


def escape_text(text: str) -> str:
    """Markup-escaped, with a file name's control characters (escape sequences) made visible."""
    from cardgen.fromcode.scan import printable

    return _escape(printable(text))


def _listing(found, variants: int, seed: int, notes, write_to: Path | None) -> dict:
    """Everything found, with the exercises as data (all variants of each form)."""
    from cardgen.fromcode.deck import deck_name, note_guid, seeds_for
    from cardgen.fromcode.exercises import forms_for, variants_for

    from cardgen.fromcode.deck import skip_for

    calls = []
    for call, st in found.items:
        try:
            by_form = variants_for(call, st, {f: seeds_for(seed, call, f, variants) for f in forms_for(call, st)})
        except Exception as e:  # listed as skipped, with the reason
            found.skipped.append(skip_for(call, e))
            continue
        calls.append({
            **call.to_dict(),
            "deck": deck_name(call.path),
            "guids": {f: note_guid(call, f) for f in forms_for(call, st)},
            "exercises": {f: [v.to_dict() for v in vs] for f, vs in by_form.items()},
        })
    return {
        "files": found.files,
        "calls": calls,
        "skipped": [s.to_dict() for s in found.skipped],
        "deck": str(write_to) if notes else None,
        "notes": len(notes),
    }


def _show(found, seed: int) -> None:
    from cardgen.fromcode.exercises import forms_for, make_variant

    current = None
    for call, st in found.items:
        if call.path != current:
            current = call.path
            console.rule(f"[bold]{escape_text(call.path)}[/]", align="left")
        fn = "<module>" if call.function == "<module>" else call.function
        also = f"  [dim](also {escape_text(', '.join(call.also))})[/]" if call.also else ""
        console.print(f"[bold]{escape_text(call.where)}[/]  {escape_text(fn)}  [cyan]{escape_text(call.api)}[/]  "
                      f"[green]{escape_text(repr(call.pattern))}[/]{also}")
        for form in forms_for(call, st):
            try:
                print_variant(make_variant(call, form, seed, st), show_answer=True)
            except Exception as e:  # one odd call never stops the listing
                console.print(f"[yellow]{form}: cannot draw it: {escape_text(str(e))}[/]")
    if found.skipped:
        console.rule("[bold]skipped[/]", align="left")
        for s in found.skipped:
            console.print(f"[yellow]{escape_text(s.where)}[/]: {escape_text(s.reason)}")


def _summary(found, written: Path | None, notes, show: bool) -> None:
    n_files = len({c.path for c, _ in found.items})
    line = (f"Found {len(found.items)} call{'s' if len(found.items) != 1 else ''} in {n_files} of "
            f"{len(found.files)} file{'s' if len(found.files) != 1 else ''}; {len(found.skipped)} skipped.")
    out = console if show or written else err_console
    out.print(line)
    if not found.items:
        out.print("No einsum/einops call with a literal pattern was found, so there are no cards to write.")
    if found.skipped and not show:
        for s in found.skipped:
            err_console.print(f"[yellow]skipped[/] {escape_text(s.where)}: {escape_text(s.reason)}")
    if written is not None:
        decks = len({n.deck for n in notes})
        console.print(f"Wrote {written}: {len(notes)} cards in {decks} subdeck{'s' if decks != 1 else ''} of "
                      f"cardgen::from-code. Import it in Anki (File > Import); re-importing after a re-run "
                      f"updates the same cards.")
