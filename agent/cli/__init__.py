"""The `alloygan` command line (typer + rich). Subcommands live in sibling modules."""
from __future__ import annotations

import sys

import click
import typer

from agent.cli import describe, kb
from agent.cli.output import err_console, print_error

app = typer.Typer(
    name="alloygan",
    help="Inverse alloy design for metallic glasses: knowledge base, models, design, literature, agent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(kb.app, name="kb")
app.command("describe")(describe.describe)
app.command("demo")(describe.demo)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line and exit code 2, never a traceback."""
    from tools.errors import user_errors

    try:
        code = app(args=argv, prog_name="alloygan", standalone_mode=False)
    except click.exceptions.UsageError as error:
        where = error.ctx.command_path if error.ctx else "alloygan"
        print_error(f"{error.format_message()} (see `{where} --help`)")
        sys.exit(2)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except user_errors() as error:
        print_error(str(error))
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
