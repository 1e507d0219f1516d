"""Errors and help name only options that exist: every ``--option`` written in a string in
cardgen's source (error messages, hints, help texts) is an option of some cardgen command."""
import ast
import re
from pathlib import Path

import click

from cardgen.cli import cli

ROOT = Path(__file__).resolve().parents[1]
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _options(cmd: click.Command, ctx: click.Context | None = None) -> set[str]:
    ctx = click.Context(cmd, parent=ctx)
    out = {o for p in cmd.get_params(ctx) for o in (*p.opts, *p.secondary_opts)}
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            out |= _options(cmd.get_command(ctx, name), ctx)
    return out


def test_every_option_a_message_names_exists():
    real = _options(cli)
    assert {"--db", "--seed", "--reveal", "--help"} <= real
    named: dict[str, set[str]] = {}
    for path in (ROOT / "cardgen").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for opt in OPTION.findall(node.value):
                    named.setdefault(opt, set()).add(str(path.relative_to(ROOT)))
    assert len(named) > 10  # the scan sees the messages
    missing = {opt: sorted(files) for opt, files in named.items() if opt not in real}
    assert not missing, f"options named in messages but defined by no command: {missing}"
