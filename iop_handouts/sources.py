"""Read YAML files and remember which line each value came from.

Validation errors are reported against the file a person edits, so every value's position
(a path of keys and list indexes) is mapped to its line number while the YAML is composed.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

Location = tuple[str | int, ...]


@dataclass
class YamlSource:
    path: Path
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location) -> int | None:
        """The line of the deepest part of `location` that exists in the file."""
        location = tuple(location)
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return self.lines.get((), None)

    def error(self, location: Location, problem: str) -> ContentError:
        return ContentError(self.path, problem, self.line_of(location), format_location(location))


def format_location(location: Location) -> str | None:
    """('sections', 2, 'heading') -> 'sections[2].heading'."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


def load_yaml(path: Path) -> YamlSource:
    """Parse one YAML file; raise ContentError (never a traceback) for any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise ContentError(path, f"cannot read the file: {exc.strerror}") from None

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ContentError(path, "the file is empty")
        lines: dict[Location, int] = {}
        _map_lines(path, node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ContentError(path, f"YAML syntax error: {problem}",
                           mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ContentError(path, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return YamlSource(path, data, lines)


def _map_lines(path: Path, node: yaml.Node, location: Location, lines: dict) -> None:
    lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                # PyYAML silently keeps the last of two equal keys; a person meant one of them.
                raise ContentError(path, f"'{key}' appears twice (first on line {seen[key]})",
                                   line, format_location(location + (key,)))
            seen[key] = line
            _map_lines(path, value_node, location + (key,), lines)
            lines[location + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_lines(path, item, location + (index,), lines)
