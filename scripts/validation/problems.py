"""One problem of one file, printed as ``file:line: key: reason`` so editors and CI can jump to it.

``locate`` finds the line of a key path (``intents.refund_request.automation``, ``risks[3].name``)
in a YAML file, because the parsers this project already has name the key but not the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

# One step of a key path: a name, optionally followed by list indices (``patterns[0]``).
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Problem:
    path: str
    line: Optional[int]
    key: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.reason}" if self.key else f"{where}: {self.reason}"

    def sort_key(self) -> tuple[str, int, str, str]:
        return self.path, self.line or 0, self.key, self.reason


def shown(path: Path, root: Path) -> str:
    """The path relative to ``root`` when it is inside it, as editors and CI logs show it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def locate(path: Path, key: str) -> Optional[int]:
    """1-based line of ``key`` in the YAML file, or of the deepest part of it that exists; None if unreadable."""
    try:
        node: Optional[Node] = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for name, index in _STEP.findall(key):
        found = _child(node, name, int(index) if index else None)
        if found is None:
            break
        line, node = found
    return line


def _child(node: Optional[Node], name: str, index: Optional[int]) -> Optional[tuple[int, Node]]:
    if name and isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if str(key_node.value) == name:
                return key_node.start_mark.line + 1, value_node
    if index is not None and isinstance(node, SequenceNode) and index < len(node.value):
        item = node.value[index]
        return item.start_mark.line + 1, item
    return None


def line_of_word(path: Path, word: str) -> Optional[int]:
    """1-based line of the first line where ``word`` stands as a whole name (for Rasa's warnings, which name no line)."""
    pattern = re.compile(rf"(?<![\w/]){re.escape(word)}(?![\w])")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, line in enumerate(lines, start=1) if pattern.search(line)), None)
