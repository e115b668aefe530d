"""The sub-commands: where each lives, its one-line help and an example. A command's module is imported only
when that command runs (or shows its help), so `planner --help` imports none of them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

USAGE_ERROR: type[Exception] = typer.BadParameter.__mro__[1]  # click's UsageError (typer may vendor click)


@dataclass(frozen=True)
class Spec:
    """Where a command's function (or Typer group) is, and what `planner --help` says of it."""

    module: str
    attr: str
    summary: str  # the first line of the function's docstring (tests keep the two equal)
    example: str


COMMANDS: dict[str, Spec] = {
    "solve": Spec(
        "planner.cli.solve_cmd",
        "solve",
        "Find the best build for a request, proven optimal when time allows, or explain why none exists.",
        "planner solve examples/budget.yaml --top 3 --sheet build.html",
    ),
    "fit": Spec(
        "planner.cli.fit_cmd",
        "fit",
        "What runs on given hardware: every model and quant that fits, its longest context and speed.",
        "planner fit --gpu rtx-3090:2 --min-tps 10",
    ),
    "estimate": Spec(
        "planner.cli.estimate_cmd",
        "estimate",
        "Estimate memory fit and speed of a model on GPUs, a system, or a CPU with its RAM.",
        "planner estimate --gpu rtx-3090:2 --model llama-3-3-70b --quant q4_k_m",
    ),
    "check": Spec(
        "planner.cli.solve_cmd",
        "check",
        "Report every rule a hand-assembled build breaks (exit 3), or its figures when it holds (exit 0).",
        "planner check my-build.yaml --request examples/budget.yaml",
    ),
    "frontier": Spec(
        "planner.cli.frontier_cmd",
        "frontier_cmd",
        "Cost versus decode tokens/s (with a workload) or VRAM: Pareto-optimal builds, knees marked.",
        "planner frontier examples/budget.yaml --points 8 --plot frontier.svg",
    ),
    "record": Spec(
        "planner.cli.record_cmd",
        "record",
        "Check a benchmark output against the hardware, model and physics, then add it to your measured runs.",
        "planner record bench.json --hardware '2x RTX 3090'",
    ),
    "catalog": Spec(
        "planner.cli.catalog_cmd",
        "app",
        "Browse and validate the part catalogue.",
        "planner catalog list --kind gpu",
    ),
    "schema": Spec(
        "planner.cli.schema_cmd",
        "schema",
        "Print the JSON Schema of a file kind, or of what `--json` prints (result, estimate-result ...).",
        "planner schema request > request.schema.json",
    ),
    "completion": Spec(
        "planner.cli.completion_cmd",
        "completion",
        "Print the shell completion script for bash, zsh, fish or powershell.",
        "planner completion bash > ~/.local/share/bash-completion/completions/planner",
    ),
}

# Examples of the commands inside a group, under their full names.
SUB_EXAMPLES = {
    "catalog list": "planner catalog list --kind llm --json",
    "catalog show": "planner catalog show rtx-3090",
    "catalog validate": "planner catalog validate my-parts/ --prices my-prices.yaml --max-price-age 12",
}

# Metavars in the help instead of Python types ("<list[Path]>", "<bool>"): by option name, else by type.
METAVARS = {
    "--gpu": "ID[:N]",
    "--system": "ID",
    "--cpu": "ID",
    "--model": "ID",
    "--quant": "QUANT",
    "--kind": "KIND",
    "--family": "FAMILY",
    "--backend": "NAME",
    "--split": "MODE",
    "--offload": "MODE",
    "--time-limit": "SECONDS",
    "--ram-gb": "GB",
    "--min-tps": "TOKENS/S",
    "--context": "TOKENS",
    "--prompt": "TOKENS",
    "--generate": "TOKENS",
    "--seed": "N",
    "--hardware": "HARDWARE",
    "--measured": "FILE",
}


def _by_type(param: Any) -> str:
    """FILE, N, NUMBER or TEXT from the parameter's type as typer labels it ("<list[Path]>", "<int range>")."""
    try:
        label = str(param.display_type(None)).strip("<>").removeprefix("list[").lower()
    except Exception:  # click's own parameter classes, or a typer without display_type
        return "TEXT"
    if "path" in label:
        return "FILE"
    return "N" if label.startswith("int") else "NUMBER" if label.startswith("float") else "TEXT"


def tidy(command: Any) -> None:
    """Name each parameter's value in words (FILE, N, ID) in place of its Python type; flags show none."""
    for param in command.params:
        if param.metavar is not None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = (param.name or "value").upper()
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # no "<path>" after a name
        elif getattr(param, "is_flag", False):
            param.metavar = ""
        else:
            long = next((o for o in param.opts if o.startswith("--")), "")
            param.metavar = METAVARS.get(long) or _by_type(param)
    original = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option  # type: ignore[method-assign]
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)


def _epilog(example: str) -> str:
    # Plain help (no Rich: it costs --help 0.15-0.2 s of imports); \b keeps click from rewrapping it.
    return f"\b\nExample: {example}"


def load(name: str) -> Any:
    """The click command of a sub-command, built from its module."""
    spec = COMMANDS[name]
    obj = getattr(importlib.import_module(spec.module), spec.attr)
    command: Any
    if isinstance(obj, typer.Typer):
        obj.info.epilog = _epilog(spec.example)
        command = typer.main.get_command(obj)
        # A sub-group's own completion options: `planner completion SHELL` covers the whole command.
        command.params = [
            p for p in command.params if p.name not in ("install_completion", "show_completion")
        ]
        for sub_name, sub in command.commands.items():
            if f"{name} {sub_name}" in SUB_EXAMPLES:
                sub.epilog = _epilog(SUB_EXAMPLES[f"{name} {sub_name}"])
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(name, epilog=_epilog(spec.example))(obj)
        command = typer.main.get_command(single)
    command.name = name
    tidy(command)
    return command


class LazyGroup(TyperGroup):
    """The root command: lists every sub-command from COMMANDS and imports one only to run it."""

    listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        if self.listing:  # the root's help needs only the one-line summary
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name].summary)
        self.commands[cmd_name] = load(cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except USAGE_ERROR as exc:
            close = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            message = str(getattr(exc, "message", ""))
            if close and "Did you mean" not in message:
                exc.message = f"{message.rstrip('.')}. Did you mean {', '.join(map(repr, close))}?"  # type: ignore[attr-defined]
            raise
