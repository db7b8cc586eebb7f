"""The `alloygan` command line (typer + rich). Subcommands live in sibling modules."""
from __future__ import annotations

import os
import sys

import typer

try:  # typer >= 0.2x vendors its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as click_exceptions

from alloygan.agent.cli import bench, describe, design, kb, models
from alloygan.agent.cli import lit
from alloygan.agent.cli import chat, experiments
from alloygan.agent.cli import report
from alloygan.agent.cli import schema
from alloygan.agent.cli import serve, threads
from alloygan.agent.cli import suggest
from alloygan.agent.cli.output import err_console, print_error

app = typer.Typer(
    name="alloygan",
    help="Inverse alloy design for metallic glasses: knowledge base, models, design, literature, agent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(kb.app, name="kb")
app.add_typer(bench.app, name="bench")
app.add_typer(lit.app, name="lit")
app.command("describe")(describe.describe)
app.command("demo")(design.demo)
app.command("predict")(models.predict)
app.command("train")(models.train)
app.command("parse-goal")(design.parse_goal)
app.command("design")(design.design)
app.command("suggest")(suggest.suggest)
app.command("ask")(chat.ask)
app.command("chat")(chat.chat)
app.command("batch")(chat.batch)
app.add_typer(threads.app, name="threads")
app.add_typer(experiments.app, name="experiments")
app.command("report")(report.report)
app.command("schema")(schema.schema)
app.command("serve")(serve.serve)
app.command("mcp")(serve.mcp)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line and exit code 2, never a traceback."""
    from alloygan.tools.errors import user_errors

    try:
        code = app(args=argv, prog_name="alloygan", standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as shown:
        print(shown.format_message())
        sys.exit(0)
    except click_exceptions.UsageError as error:
        where = error.ctx.command_path if error.ctx else "alloygan"
        print_error(f"{error.format_message()} (see `{where} --help`)")
        sys.exit(2)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except user_errors() as error:
        print_error(str(error))
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
