"""`planner completion SHELL`: the script that makes a shell complete planner's commands, options and files."""

from __future__ import annotations

from typing import Annotated

import typer

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def completion(
    shell: Annotated[str, typer.Argument(help=f"The shell: {', '.join(SHELLS)}.", show_default=False)],
) -> None:
    """Print the shell completion script for bash, zsh, fish or powershell.

    Load it for this session with `eval "$(planner completion bash)"`, or save it where your shell reads
    completions: bash ~/.local/share/bash-completion/completions/planner, zsh a file _planner on your
    $fpath, fish ~/.config/fish/completions/planner.fish.
    """
    from typer.completion import get_completion_script

    from planner.cli import COMPLETE_VAR
    from planner.data.load import InputError, Problem, nearest

    if shell not in SHELLS:
        hint = nearest(shell, SHELLS) or f"use one of {', '.join(SHELLS)}"
        raise InputError([Problem("command line", None, "shell", f"unknown shell {shell!r}", hint)])
    print(get_completion_script(prog_name="planner", complete_var=COMPLETE_VAR, shell=shell))
