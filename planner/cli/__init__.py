"""The `planner` command: sub-commands, exit codes, and turning errors into messages, not tracebacks."""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path

import typer

from planner.cli import catalog_cmd
from planner.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, Infeasible
from planner.load import InputError

app = typer.Typer(
    help="Plan machines for running LLMs locally: real parts, real constraints, calibrated throughput.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_cmd.app, name="catalog")


def _register_optional() -> None:
    # Later commands live in their own modules; each registers itself on the app.
    from planner.cli import commands

    commands.register(app)


_register_optional()


def main() -> None:
    """Console entry point: run the app, mapping failures to the documented exit codes."""
    try:
        app(standalone_mode=False)
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except Infeasible as exc:
        sys.exit(exc.code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", None)
        sys.exit(code if code is not None else getattr(exc, "code", 0))
    except Exception as exc:  # click's usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            print("aborted", file=sys.stderr)
            sys.exit(EXIT_INTERRUPTED)
        log = Path(tempfile.gettempdir()) / "rig-planner-error.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"internal error: {exc!r}. Please report it with the traceback in {log}", file=sys.stderr)
        sys.exit(EXIT_INTERNAL)
