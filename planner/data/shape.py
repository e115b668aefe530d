"""Bounds on a YAML file's shape, checked before any data is built: items, depth, text length, aliases, keys.

The limits are far above any real file (the largest shipped catalogue file has ~1,500 lines, ~3,000 values), so a
file that passes them parses and validates in well under a second; aliases make the node tree a graph,
so sizes after expansion are memoised per node and an alias bomb costs no more than its file.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml

from planner.data.messages import dotted
from planner.data.problems import Problem, short

MAX_ITEMS = 50_000
MAX_DEPTH = 40
MAX_TEXT_CHARS = 20_000

Path = tuple[str | int, ...]


def count_items(name: str, text: str) -> list[Problem]:
    """Values estimated on the text (lines, flow items, keys) before the parser builds a node for each."""
    n = text.count("\n") + text.count(",") + text.count(": ")
    if n <= MAX_ITEMS:
        return []
    return [Problem(name, None, "", f"about {n:,} values; the limit is {MAX_ITEMS:,}", "split the file")]


def check_shape(name: str, root: yaml.Node) -> list[Problem]:
    """Every bound on the node tree, and the keys a mapping gives twice (YAML would keep the last)."""
    parent: dict[int, tuple[yaml.Node | None, str | int]] = {id(root): (None, "")}

    def path_of(node: yaml.Node) -> Path:
        out: list[str | int] = []
        up, label = parent[id(node)]
        while up is not None:
            out.append(label)
            up, label = parent[id(up)]
        return tuple(reversed(out))

    def problem(node: yaml.Node, message: str, hint: str) -> list[Problem]:
        return [Problem(name, node.start_mark.line + 1, dotted(path_of(node)), message, hint)]

    problems: list[Problem] = []
    shared = False
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_ITEMS:
            return problem(node, f"more than {MAX_ITEMS:,} values", "split the file")
        if depth > MAX_DEPTH:
            return problem(node, f"nested more than {MAX_DEPTH} levels deep", "flatten it")
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > MAX_TEXT_CHARS:
                return problem(
                    node,
                    f"a text of {len(node.value):,} characters; the limit is {MAX_TEXT_CHARS:,}",
                    "shorten it",
                )
            continue
        if isinstance(node, yaml.MappingNode):
            problems.extend(_duplicates(name, node, path_of))
        for label, kid in _labelled(node):
            if id(kid) in parent:
                shared = True  # an alias: sizes after expansion are checked below
                continue
            parent[id(kid)] = (node, label)
            stack.append((kid, depth + 1))
    return (_expanded(root, problem) if shared else []) or problems


def _labelled(node: yaml.Node) -> list[tuple[str | int, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    out: list[tuple[str | int, yaml.Node]] = []
    for k, v in node.value:
        label = k.value if isinstance(k, yaml.ScalarNode) else "?"
        out += [(label, k), (label, v)]
    return out


def _kids(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded(root: yaml.Node, problem: Callable[[yaml.Node, str, str], list[Problem]]) -> list[Problem]:
    """Size and depth with every alias expanded (memoised per node), and aliases that contain themselves."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _kids(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            active.discard(key)
            if size[key] > MAX_ITEMS:
                return problem(
                    node, f"more than {MAX_ITEMS:,} values once aliases expand", "use fewer aliases"
                )
            if depth[key] > MAX_DEPTH:
                return problem(
                    node, f"nested more than {MAX_DEPTH} levels deep once aliases expand", "flatten it"
                )
            continue
        if key in size:
            continue
        if key in active:
            return problem(
                node, "an alias refers to the value that contains it", "remove the recursive alias"
            )
        active.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _kids(node) if id(k) not in size)
    return []


def _duplicates(name: str, node: yaml.MappingNode, path_of: Callable[[yaml.Node], Path]) -> list[Problem]:
    """Keys written twice in one mapping; merge keys (<<) may be overridden, so they are not counted."""
    seen: dict[tuple[str, str], yaml.Node] = {}
    out = []
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.tag == "tag:yaml.org,2002:merge":
            continue
        first = seen.setdefault((k.tag, k.value), k)
        if first is not k:
            where = dotted((*path_of(node), k.value))
            message = f"duplicate key {short(k.value)} (first at line {first.start_mark.line + 1})"
            out.append(Problem(name, k.start_mark.line + 1, where, message, "keep one"))
    return out
