"""``cardgen llm check|reword`` and ``cardgen review-cards``: the optional LLM from the command line."""
from __future__ import annotations

import json
import sys

import click

from cardgen.llm.principles import PRINCIPLES
from exercises.base import FORMS
from exercises.registry import TOPICS

SEED = click.IntRange(0, 2**63 - 1)


@click.group()
def llm() -> None:
    """The optional LLM: reworded prompts, Socratic hints, explained grader reports.

    The LLM never decides what is correct (answers come from running code), and every
    text it writes is validated before use; without configuration everything works
    offline with built-in text.

    \b
    Configure it with environment variables (or the same keys under [llm] in
    $CARDGEN_HOME/config.toml / the user config dir's cardgen/config.toml; env wins):
      OPENAI_API_KEY        the key (OpenAI or any compatible service)
      OPENAI_BASE_URL       a compatible endpoint, e.g. http://localhost:11434/v1 (ollama);
                            alone it is enough for a local server
      CARDGEN_LLM_MODEL     the model (default gpt-4o-mini)
      CARDGEN_LLM_TIMEOUT   seconds per request (default 20)
    Replies are cached under the cache directory (llm/), so a rebuild costs nothing.
    """


@llm.command("check")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(as_json: bool) -> None:
    """Say whether the configured endpoint answers: model, base URL (keys redacted),
    latency, or the error in one line. Exit 1 when it does not answer; exit 0 when
    nothing is configured (everything works offline).

    \b
    Example:
      OPENAI_BASE_URL=http://localhost:11434/v1 CARDGEN_LLM_MODEL=llama3.2 cardgen llm check
    """
    from cardgen.console import console, escape_text
    from cardgen.llm.client import LlmClient, LlmError
    from cardgen.llm.config import config_path, load_config

    cfg = load_config()
    if not cfg.configured:
        if as_json:
            click.echo(json.dumps({"configured": False, "ok": None, "config_file": str(config_path())}))
        else:
            console.print("LLM: not configured — everything works offline.")
            hint = ("To use one, set OPENAI_API_KEY or OPENAI_BASE_URL (and CARDGEN_LLM_MODEL), "
                    f"or write them under [llm] in {config_path()}.")
            console.print(f"[dim]{escape_text(hint)}[/]")
        return
    info = {"configured": True, "model": cfg.model, "base_url": cfg.display_url, "timeout_s": cfg.timeout,
            "sources": {name: cfg.source_of(name) for name in ("api_key", "base_url", "model", "timeout")}}
    try:
        ping = LlmClient(cfg).ping()
    except LlmError as e:
        if as_json:
            click.echo(json.dumps({**info, "ok": False, "error_kind": e.kind, "error": str(e)}))
            sys.exit(1)
        raise click.ClickException(f"the LLM endpoint does not answer: {e}") from None
    info.update(ok=True, latency_ms=round(ping.latency_s * 1000), model_listed=ping.model_listed)
    if as_json:
        click.echo(json.dumps(info))
        return
    console.print(f"[green]✓[/] {escape_text(cfg.display_url)} answers in {info['latency_ms']} ms "
                  f"(model {escape_text(cfg.model)}, from {escape_text(cfg.source_of('model'))})")
    if ping.model_listed is False:
        served = ", ".join((ping.models or ())[:8]) or "none"
        console.print(f"[yellow]warning:[/] the server does not list the model {escape_text(cfg.model)!s}; "
                      f"it lists: {escape_text(served)}. Set CARDGEN_LLM_MODEL to one of them.")


@llm.command("reword")
@click.argument("family")
@click.option("--form", help="Question form (default: the family's first).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Which variant.")
def reword(family: str, form: str | None, seed: int) -> None:
    """Show a variant's prompt next to the LLM's rewording, and why a rewording was
    rejected (it may not change or add a number, shape, name or code, nor state the
    answer). Needs a configured endpoint.

    \b
    Example:
      cardgen llm reword einsum.batched_matmul --seed 3
    """
    from cardgen.console import console, prompt_markup
    from cardgen.engine_cli import make_variant
    from cardgen.llm import get_assistant

    assistant = get_assistant(True)
    v = make_variant(family, form, seed)
    text = assistant.reword(v)
    assistant.report_warnings()
    console.print(f"[bold]template[/]  {prompt_markup(v.prompt)}")
    if text != v.prompt:
        console.print(f"[bold green]reworded[/]  {prompt_markup(text)}")
    elif assistant.rejections:
        console.print("[bold yellow]rejected[/]  " + prompt_markup("; ".join(assistant.rejections[-1][2])))
        if assistant.last_text:
            console.print(f"[dim]LLM wrote[/]  {prompt_markup(assistant.last_text)}")
    else:
        console.print("[dim]no rewording (the endpoint gave none); the template is used[/]")


def _help_rules() -> str:
    import textwrap

    return "\n".join(textwrap.fill(f"{name}: {rule}.", width=88, initial_indent="  ", subsequent_indent="      ")
                     for name, rule in PRINCIPLES.items())


_HELP_RULES = _help_rules()


@click.command("review-cards", help=f"""Check cards against the principles of good prompts and say, per card,
which principles it meets and which it breaks.

DECK_OR_TOPIC is a topic ({', '.join(TOPICS)}, all), a family-id prefix
(einsum.mat), or an .apkg built by `cardgen build-deck` (its cards are reviewed as
stored, rewordings included). With a topic, --variants cards per family and form
are drawn from --seed on.

\b
The rules (deterministic; the same review on every machine):
{_HELP_RULES}

With an LLM configured (or --llm) its judgement of the first six principles is shown
beside the rules' (rule/LLM in the table, "llm" in --json); it never changes the
rules' verdict, and --strict looks only at the rules.

\b
Examples:
  cardgen review-cards einsum
  cardgen review-cards einops.split --variants 5 --json
  cardgen review-cards cardgen.apkg --problems-only
""")
@click.argument("deck_or_topic", metavar="DECK_OR_TOPIC")
@click.option("--seed", type=SEED, default=0, show_default=True, help="First seed drawn for a topic.")
@click.option("-k", "--variants", type=click.IntRange(1, 50), default=3, show_default=True,
              help="Cards per family and form for a topic.")
@click.option("--form", type=click.Choice(list(FORMS)), help="Only this question form.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--llm/--no-llm", "use_llm", default=None,
              help="Add the LLM's judgement (default: when one is configured).")
@click.option("--problems-only", is_flag=True, help="List only cards that break a principle.")
@click.option("--strict", is_flag=True, help="Exit 1 when any card breaks a rule or its check raised.")
def review_cards(deck_or_topic: str, seed: int, variants: int, form: str | None, as_json: bool,
                 use_llm: bool | None, problems_only: bool, strict: bool) -> None:
    from cardgen.console import console, err_console, escape_text
    from cardgen.llm import get_assistant
    from cardgen.llm.review import SourceError, load_cards, review_cards as run_review, summarize

    assistant = get_assistant(use_llm)
    errors: list[str] = []
    try:
        cards, source = load_cards(deck_or_topic, seed=seed, variants=variants, form=form, errors=errors)
    except SourceError as e:
        raise click.BadParameter(str(e), param_hint="DECK_OR_TOPIC") from None
    if assistant.online and cards:
        from cardgen.console import progress

        with progress(transient=True) as bar:
            task = bar.add_task(f"asking {assistant.config.model}", total=len(cards))
            reviews = run_review(cards, assistant, on_card=lambda r: bar.advance(task))
    else:
        reviews = run_review(cards, None)
    warnings = assistant.report_warnings(err_console)
    summary = summarize(reviews)
    broken_any = any(r.broken for r in reviews)
    errored_any = any(r.errors for r in reviews)
    judged = sum(1 for r in reviews if any(res.llm is not None for res in r.results.values()))
    if as_json:
        click.echo(json.dumps({
            "source": source,
            "principles": PRINCIPLES,
            "llm": {"model": assistant.config.model, "judged": judged, "warnings": warnings}
            if assistant.online and assistant.config else None,
            "errors": errors,
            "summary": summary,
            "cards": [r.to_dict() for r in reviews if r.broken or r.errors or not problems_only],
        }, indent=2, ensure_ascii=False))
    else:
        _print_table(reviews, source, problems_only, show_llm=judged > 0)
        n_ok = sum(1 for r in reviews if r.meets_all)
        n_unchecked = sum(1 for r in reviews if not (r.meets_all or r.broken or r.errors))
        unchecked = f"; {n_unchecked} more break none of the principles checked" if n_unchecked else ""
        console.print(f"{len(reviews)} cards from {escape_text(source)}: {n_ok} meet every principle{unchecked}.")
        for key, label in (("breaks", "Broken"), ("errors", "[red]Errors (the check raised)[/]"),
                           ("not_checkable", "[dim]Not checkable[/]")):
            counts = [f"{p} ({s[key]})" for p, s in summary.items() if s[key]]
            if counts:
                console.print(f"{label}: " + ", ".join(counts))
        if assistant.online:
            console.print(f"[dim]LLM {escape_text(assistant.config.model)} judged {judged} of {len(reviews)} cards.[/]")
        for e in errors:
            err_console.print(f"[red]could not generate[/] {escape_text(e)}")
    if errors:
        sys.exit(1)
    if strict and (broken_any or errored_any):
        sys.exit(1)


#: Column headers of the table, three characters each so that 13 columns fit 80 characters.
_SHORT = {"focused": "foc", "precise": "pre", "consistent": "con", "tractable": "tra",
          "effortful": "eff", "one_answer": "one", "no_yes_no": "¬yn", "no_duplicate": "dup",
          "not_transcribable": "laz", "no_mistake_scores": "mis", "states_precision": "dig",
          "varied_answer": "var", "no_answer_example": "exa"}


def _mark(ok: bool | None, checkable: bool = True, error: bool = False) -> str:
    if error:
        return "[red]![/]"
    if not checkable:
        return "[dim]?[/]"
    return "[green]✓[/]" if ok else "[red]✗[/]"


def _print_table(reviews, source: str, problems_only: bool, show_llm: bool) -> None:
    """A compact table of marks, then one line per broken principle with the reason."""
    from rich.table import Table

    from cardgen.console import console, escape_text

    from rich import box

    table = Table(title=f"card review: {escape_text(source)}" + (" (rule/LLM)" if show_llm else ""),
                  title_justify="left", show_lines=False, box=box.SIMPLE_HEAD, padding=(0, 0), collapse_padding=True,
                  pad_edge=False)
    table.add_column("card", no_wrap=True)
    for p in PRINCIPLES:
        table.add_column(_SHORT[p], justify="center", no_wrap=True, min_width=3)
    problems: list[str] = []
    for r in reviews:
        if problems_only and not (r.broken or r.errors):
            continue
        cells = []
        for p, res in r.results.items():
            cell = _mark(res.meets, res.checkable, res.error)
            if show_llm:
                cell += "/" + (_mark(res.llm["meets"]) if res.llm else "[dim]–[/]")
            cells.append(cell)
            if res.meets is False or res.error:
                problems.append(f"{escape_text(r.card.key)} [red]{p}[/]: {escape_text(res.why)}")
            if res.llm and not res.llm["meets"]:
                problems.append(f"{escape_text(r.card.key)} [magenta]{p} (LLM)[/]: {escape_text(res.llm['why'])}")
        table.add_row(escape_text(r.card.key), *cells)
    console.print(table)
    legend = ", ".join(f"{short} = {name}" for name, short in _SHORT.items())
    console.print(f"[dim]{escape_text(legend)}; ? = not checkable, ! = the check raised (see --json)[/]")
    for line in problems:
        console.print(line)
