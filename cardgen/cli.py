"""The ``cardgen`` command line: a thin click group whose commands load on demand.

Each command lives with its adapter (deck, grade, drill, llm, fromcode); this module only
maps names to ``module:attribute`` so ``cardgen --help`` never imports torch.
"""
from __future__ import annotations

import importlib
import sys

from cardgen.drill import startup as _startup

if _startup.wanted(sys.argv):  # before click's import: Ctrl-C while a drill starts is a clean exit
    _startup.guard()

import click

from cardgen import __version__

# name -> "module:attribute", in the order --help lists them.
COMMANDS: dict[str, str] = {
    "list": "cardgen.engine_cli:list_families",
    "show": "cardgen.engine_cli:show",
    "check": "cardgen.engine_cli:check",
    "build-deck": "cardgen.deck.cli:build_deck",
    "exercise": "cardgen.grade.cli:exercise",
    "grade": "cardgen.grade.cli:grade",
    "drill": "cardgen.drill.cli:drill",
    "stats": "cardgen.drill.cli:stats",
    "from-code": "cardgen.fromcode.cli:from_code",
    "review-cards": "cardgen.llm.cli:review_cards",
    "llm": "cardgen.llm.cli:llm",
    "figures": "cardgen.figures:figures",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cardgen")
def cli() -> None:
    """Practice einsum, einops and Toy Models of Superposition with exercises that
    cannot be memorized: every variant is drawn from a seed and every answer is
    computed by running torch, einops or the TMS model.

    \b
    Start here:
      cardgen list                         the exercise families
      cardgen show einsum.matmul --seed 3  one variant (add --answer)
      cardgen build-deck                   an Anki deck (cardgen.apkg)
      cardgen drill                        today's practice in the terminal
      cardgen exercise new superposition.forward && cardgen grade solution.py
    """


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="cardgen")
    except KeyboardInterrupt:  # pragma: no cover - interactive
        click.echo("\ninterrupted", err=True)
        sys.exit(130)
