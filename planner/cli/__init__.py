"""The `planner` command: sub-commands, exit codes, and turning errors into messages, not tracebacks."""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import traceback
from pathlib import Path

import typer

from planner.cli import catalog_cmd
from planner.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, Infeasible
from planner.data.load import InputError

# Errors writing the report or JSON: the place it goes is full, gone or read-only (exit 1, not 4).
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT, errno.EBADF, errno.EPIPE}
MAX_SHOWN = 100  # problems printed; the rest are counted (a broken 5,000-entry file is not 5,000 lines)

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


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: errors become messages on stderr, never tracebacks."""
    try:
        try:
            app(argv, prog_name="planner")  # standalone: typer reports usage errors itself (exit 2)
        finally:
            sys.stdout.flush()  # a full or closed stdout fails here, inside the handlers below
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_INPUT)
        if code == EXIT_INTERRUPTED:
            print("interrupted", file=sys.stderr)  # typer turns Ctrl-C into a silent exit 130
        return code
    except InputError as exc:
        shown = exc.problems[:MAX_SHOWN]
        for problem in shown:
            print(str(problem), file=sys.stderr)
        if len(exc.problems) > len(shown):
            print(f"... and {len(exc.problems) - len(shown)} more problems", file=sys.stderr)
        return EXIT_INPUT
    except Infeasible as exc:
        return exc.code
    except BrokenPipeError:
        # The reader of our output went away (`| head`): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INPUT
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            return _internal(exc)
        # stdout (the report or --json target) cannot take the output: a problem of where it goes.
        print(f"output: cannot write: {exc.strerror}. write to another file or device", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        return _internal(exc)
    return 0


def _internal(exc: BaseException) -> int:
    log = Path(tempfile.gettempdir()) / "rig-planner-error.log"
    log.write_text(traceback.format_exc(), encoding="utf-8")
    print(f"internal error: {exc!r}. Please report it with the traceback in {log}", file=sys.stderr)
    return EXIT_INTERNAL


def main() -> None:
    """Console entry point."""
    sys.exit(run())
