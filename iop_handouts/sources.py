"""Read YAML files and remember where each value came from.

Validation errors are reported against the file a person edits, so every value's position
(a path of keys and list indexes) is mapped to its file and line while the YAML is composed.
When files are layered (a region over its parent, a region's wording over a language file)
the merged data keeps, for every value, the file and line it came from.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

Location = tuple[str | int, ...]
Origin = tuple[Path, int]

# Limits that keep a careless or hostile file from taking the machine: the shipped files are
# a few KB, nest 6 deep and use no aliases.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 50_000
# Characters a person cannot see, or that reorder what is printed ("988" shown as "889"):
# C0 and C1 controls (tab and newline aside), the soft hyphen (pasted from a word processor;
# the stylesheets hyphenate by themselves, and in a number or beside one it made the crisis
# box fail to fit), zero-width and direction marks, the line and paragraph separators (a line
# break no one sees, even inside a number), bidi embeddings, overrides and isolates, the
# Arabic letter mark, the word joiner and invisible operators, the Hangul fillers (blank
# letters), and the byte-order mark.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u200b-\u200f"
                       "\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0"
                       "\U000e0000-\U000e007f]")
# What a one-line value (a name, an answer) may not hold: line breaks and tabs, and the
# noncharacters a YAML file may not contain at all (U+FFFE, U+FFFF, U+FDD0-U+FDEF).
NOT_ONE_LINE = re.compile("[\t\n\r\ufdd0-\ufdef\ufffe\uffff]")


@dataclass
class Source:
    """Parsed YAML data, with the file and line of every value in it."""
    path: Path
    data: Any
    origins: dict[Location, Origin] = field(default_factory=dict)

    def origin_of(self, location: Location) -> Origin:
        """The file and line of the deepest part of `location` that exists."""
        location = tuple(location)
        while location:
            if location in self.origins:
                return self.origins[location]
            location = location[:-1]
        return self.origins.get((), (self.path, None))

    def error(self, location: Location, problem: str) -> ContentError:
        path, line = self.origin_of(location)
        return ContentError(path, problem, line, format_location(location))

    def merged_over(self, base: "Source", at: Location = ()) -> "Source":
        """This source's data laid over `base`, at location `at` inside it: mappings merge
        key by key; anything else (text, lists) replaces what the base had."""
        over = self.data
        for part in reversed(at):
            over = {part: over}
        over_origins = {tuple(at) + loc: origin for loc, origin in self.origins.items()}
        origins = dict(base.origins)
        data = _merge(base.data, over, (), over_origins, origins)
        return Source(self.path, data, origins)

    def sub(self, location: Location) -> "Source":
        """The part of this source at `location`, with locations relative to it."""
        data = self.data
        for part in location:
            data = data[part]
        n = len(location)
        origins = {loc[n:]: origin for loc, origin in self.origins.items() if loc[:n] == tuple(location)}
        return Source(self.path, data, origins)


def _merge(base, over, location, over_origins, origins):
    if isinstance(base, dict) and isinstance(over, dict):
        result = dict(base)
        for key, value in over.items():
            here = location + (key,)
            if isinstance(base.get(key), dict) and isinstance(value, dict):
                result[key] = _merge(base[key], value, here, over_origins, origins)
                if here in over_origins:
                    origins[here] = over_origins[here]
            else:
                _replace_origins(origins, here, over_origins)
                result[key] = value
        return result
    _replace_origins(origins, location, over_origins)
    return over


def _replace_origins(origins, here, over_origins):
    n = len(here)
    for loc in [loc for loc in origins if loc[:n] == here]:
        del origins[loc]
    origins.update((loc, origin) for loc, origin in over_origins.items() if loc[:n] == here)


def format_location(location: Location) -> str | None:
    """('sections', 2, 'heading') -> 'sections[2].heading'."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


def load_yaml(path: Path) -> Source:
    """Parse one YAML file; raise ContentError (never a traceback) for any problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(path, f"the file is {size:,} bytes; content files are limited "
                                     f"to {MAX_FILE_BYTES // 1024 // 1024} MB")
        # Composed letters (NFC): a Vietnamese 'ệ' typed as 'e' and two combining marks would
        # print its accents detached, and read back from the PDF as three characters.
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise ContentError(path, f"cannot read the file: {exc.strerror}") from None

    # A control character YAML refuses, or turns into a line break (U+0085), is reported at
    # its line here; the others are reported with their field once the file is parsed.
    hidden = INVISIBLE.search(text)
    hidden_error = ContentError(
        path, f"holds the invisible or control character U+{ord(hidden.group()):04X}, which "
              f"can hide or reorder what is printed; delete it and retype the text",
        text.count("\n", 0, hidden.start()) + 1) if hidden else None

    # libyaml's parser when PyYAML was built with it: several times faster, same results.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ContentError(path, "the file is empty")
        _check_size(path, node)
        origins: dict[Location, Origin] = {}
        _map_lines(path, node, (), origins)
        _check_comment_for_value(path, text, node)
        # Composed again once parsed: an escape ("e\\u0301") decomposes what NFC composed.
        data = _composed(loader.construct_document(node))
        if hidden_error:
            raise hidden_error
    except yaml.MarkedYAMLError as exc:
        if hidden_error:
            raise hidden_error from None
        raise _syntax_error(path, text, exc) from None
    except yaml.YAMLError as exc:
        raise (hidden_error or ContentError(path, f"YAML error: {exc}")) from None
    except RecursionError:
        raise ContentError(path, f"the file nests more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    return Source(path, data, origins)


def _composed(value):
    """Every string in parsed YAML in composed form (NFC)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {key: _composed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_composed(item) for item in value]
    return value


def _syntax_error(path: Path, text: str, exc: yaml.MarkedYAMLError) -> ContentError:
    """The parser's problem in words a clinic's staff can act on, at the line to fix."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    lines = text.splitlines()
    if mark and mark.line < len(lines) and "\t" in lines[mark.line][:mark.column + 1]:
        column = lines[mark.line].index("\t") + 1
        return ContentError(path, f"a tab character (column {column}): YAML indents with "
                                  "spaces only; replace the tab with spaces", line)
    # The parser notices an unclosed quote where the file ends or where the next quote
    # closes it, lines later; the mistake is where it opened.
    unclosed = _unclosed_quote(lines[:mark.line + 1] if mark else lines)
    if unclosed:
        return ContentError(path, "this quote is never closed; end the text with the same "
                                  "quote mark", unclosed)
    if exc.problem and "mapping values are not allowed" in exc.problem:
        return ContentError(path, "a second ': ' on this line; put text that holds a colon "
                                  "in quotes", line)
    problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    return ContentError(path, f"YAML syntax error: {problem}", line)


def _unclosed_quote(lines: list[str]) -> int | None:
    """The number of the first line whose quoted value does not end on it: content files
    keep each quoted text on one line."""
    for number, line in enumerate(lines, 1):
        value = re.match(r"^\s*(?:-\s+)?(?:[\w-]+:\s+)?(.*)$", line)[1]
        if value.startswith('"'):
            closing = re.search(r'(?<!\\)"', value[1:])
            if not closing:
                return number
        elif value.startswith("'"):
            if not re.search(r"'(?!')", value[1:].replace("''", "")):
                return number
    return None


# "field: #2F5D3A" gives an empty field: in YAML a # after a space starts a comment.
# A comment proper ("field:  # note") has a space after its #, and is left alone.
_COMMENT_AS_VALUE = re.compile(r"^\s*(?:-\s+)?[\w-]+:\s+(#[^\s#]\S*)")


def _check_comment_for_value(path: Path, text: str, root: yaml.Node) -> None:
    """An empty field whose line reads like "brand_color: #2F5D3A": the value was meant, but
    YAML read it as a comment. Left alone, the field would silently be empty."""
    lines = text.splitlines()

    def walk(node, location):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (isinstance(value, yaml.ScalarNode) and value.value == ""
                        and value.tag.endswith(":null") and not value.style):
                    found = _COMMENT_AS_VALUE.match(lines[key.start_mark.line])
                    if found:
                        raise ContentError(
                            path, f"'{found.group(1)}' is read as a comment (in YAML a # "
                                  f"after a space starts one), so the field is empty; put the "
                                  f"value in quotes: {key.value}: \"{found.group(1)}\"",
                            key.start_mark.line + 1,
                            format_location(location + (key.value,)))
                walk(value, location + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, location + (index,))
    walk(root, ())


def _check_size(path: Path, root: yaml.Node) -> None:
    """Refuse, before anything is expanded, a file whose aliases (*name) would multiply it
    (a "billion laughs" file is a few hundred bytes) or that nests too deeply."""
    sizes: dict[int, int] = {}
    aliases = 0

    def size(node, depth):
        nonlocal aliases
        if depth > MAX_DEPTH:
            raise ContentError(path, f"the file nests more than {MAX_DEPTH} levels deep",
                               node.start_mark.line + 1)
        if id(node) in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ContentError(path, f"more than {MAX_ALIASES} aliases (*name); write the "
                                         f"values out instead", node.start_mark.line + 1)
            return sizes[id(node)]
        sizes[id(node)] = 1  # a node that contains itself counts once
        children = [n for pair in node.value for n in pair] \
            if isinstance(node, yaml.MappingNode) else \
            node.value if isinstance(node, yaml.SequenceNode) else []
        total = 1 + sum(size(child, depth + 1) for child in children)
        if total > MAX_EXPANDED_NODES:
            raise ContentError(path, f"the file expands to more than {MAX_EXPANDED_NODES} "
                                     f"values (its aliases repeat too much)",
                               node.start_mark.line + 1)
        sizes[id(node)] = total
        return total
    size(root, 0)


def _map_lines(path: Path, node: yaml.Node, location: Location, origins: dict) -> None:
    origins[location] = (path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        found = INVISIBLE.search(node.value)
        if found:
            raise ContentError(path, f"holds the invisible or control character "
                                     f"U+{ord(found.group()):04X}, which can hide or reorder "
                                     f"what is printed; delete it and retype the text",
                               node.start_mark.line + 1, format_location(location))
        _check_scalar(path, node, location)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                # "[a, b]: 1" or "? {a: 1}" is valid YAML, but no field is named that way.
                raise ContentError(path, "a field name must be a word, not a list or a "
                                         "group of fields", line, format_location(location))
            if INVISIBLE.search(key):
                raise ContentError(path, "a field name holds an invisible or control "
                                         "character; retype it", line)
            if key in seen:
                # PyYAML silently keeps the last of two equal keys; a person meant one of them.
                raise ContentError(path, f"'{key}' appears twice (first on line {seen[key]})",
                                   line, format_location(location + (key,)))
            seen[key] = line
            _map_lines(path, value_node, location + (key,), origins)
            origins[location + (key,)] = (path, line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_lines(path, item, location + (index,), origins)


# What YAML reads a value as, other than text, in the words of an error message.
SCALAR_KINDS = {
    "tag:yaml.org,2002:timestamp": "a date (write it as YYYY-MM-DD, a real day)",
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
}


def _check_scalar(path: Path, node: yaml.ScalarNode, location: Location) -> None:
    """Read a value YAML takes for a date, a number or true/false, as the whole file will be
    read: PyYAML raises plain Python errors for one it cannot read ("2026-02-30", "!!int x"),
    which would otherwise surface as a traceback with no file or line."""
    if node.tag == yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
        return  # text: nothing to read
    try:
        yaml.constructor.SafeConstructor().construct_object(node)
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError):
        kind = SCALAR_KINDS.get(node.tag, f"the type {node.tag.rsplit(':', 1)[-1]}")
        raise ContentError(path, f"'{node.value}' cannot be read as {kind}",
                           node.start_mark.line + 1, format_location(location)) from None
