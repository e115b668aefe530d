"""The `planner` command: sub-commands, exit codes, and turning errors into messages, not tracebacks.

Start-up matters (`planner --help` should be instant): this module imports only typer; each sub-command's
module, and the schema, catalogue and solver behind it, load when that command runs.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Annotated

import typer

from planner.cli.commands import LazyGroup

EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 4, 130  # as planner.cli.common, without importing it
COMPLETE_VAR = "_PLANNER_COMPLETE"
# Errors writing the report or JSON: the place it goes is full, gone or read-only (exit 1, not 4).
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT, errno.EBADF, errno.EPIPE}

# Errors writing the report or JSON: the place it goes is full, gone or read-only (exit 1, not 4).
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT, errno.EBADF, errno.EPIPE}
MAX_SHOWN = 100  # problems printed; the rest are counted (a broken 5,000-entry file is not 5,000 lines)

app = typer.Typer(
    cls=LazyGroup,
    help="Plan machines for running LLMs locally: real parts, real constraints, calibrated throughput.",
    epilog="Start with `planner solve examples/budget.yaml` or `planner fit --gpu rtx-3090:2`.",
    # Plain click help: Rich's help rendering imports ~0.2 s of modules, and `planner --help` must be instant.
    rich_markup_mode=None,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from planner.about import version_text

        print(version_text())
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Plan machines for running LLMs locally: real parts, real constraints, calibrated throughput."""


def _command() -> typer.core.TyperGroup:
    from planner.cli.commands import tidy

    command = typer.main.get_command(app)
    tidy(command)
    if os.environ.get(COMPLETE_VAR):
        from typer.completion import completion_init

        completion_init()  # typer's shell classes answer the completion scripts it prints
    return command  # type: ignore[return-value]


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: errors become messages on stderr, never tracebacks."""
    try:
        try:
            # standalone: typer reports usage errors itself (exit 2)
            _command().main(argv, prog_name="planner", complete_var=COMPLETE_VAR)
        finally:
            sys.stdout.flush()  # a full or closed stdout fails here, inside the handlers below
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_INPUT)
        if code == EXIT_INTERRUPTED:
            print("interrupted", file=sys.stderr)  # typer turns Ctrl-C into a silent exit 130
        return code
    except BrokenPipeError:
        # The reader of our output went away (`| head`): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INPUT
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            return _failed(exc)
        # stdout (the report or --json target) cannot take the output: a problem of where it goes.
        print(f"output: cannot write: {exc.strerror}. write to another file or device", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        return _failed(exc)
    return 0


def _failed(exc: Exception) -> int:
    """The exit code of an exception a command raised: bad input, an explained no-answer, or a bug."""
    import tempfile
    import traceback
    from pathlib import Path

    from planner.cli.common import Infeasible
    from planner.data.load import InputError

    if isinstance(exc, InputError):
        shown = exc.problems[:MAX_SHOWN]
        for problem in shown:
            print(str(problem), file=sys.stderr)
        if len(exc.problems) > len(shown):
            print(f"... and {len(exc.problems) - len(shown)} more problems", file=sys.stderr)
        return EXIT_INPUT
    if isinstance(exc, Infeasible):
        return exc.code
    log = Path(tempfile.gettempdir()) / "rig-planner-error.log"
    log.write_text(traceback.format_exc(), encoding="utf-8")
    print(f"internal error: {exc!r}. Please report it with the traceback in {log}", file=sys.stderr)
    return EXIT_INTERNAL


def main() -> None:
    """Console entry point."""
    sys.exit(run())
