"""Read YAML into dicts and lists that remember the line of every mapping, key and item.

Only `true`/`false` are booleans here (YAML 1.1 would also turn keys such as NO, ON,
Y... into booleans, which would corrupt row keys and codes).
"""

from __future__ import annotations

import re

import yaml


class LineDict(dict):
    """A YAML mapping that remembers its own line and each key's and value's line (1-based)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[object, int] = {}
        self.value_lines: dict[object, int] = {}
        self.duplicates: list[tuple[object, int]] = []  # (key, line) of repeated keys

    def line_of(self, key: object) -> int:
        """The line of the value under `key`, or of the mapping when the key is absent."""
        return self.value_lines.get(key, self.line)

    def key_line(self, key: object) -> int:
        """The line of the key itself."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence that remembers its own line and each item's line (1-based)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        """The line of item `index`."""
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class YamlError(Exception):
    """The text is not valid YAML; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: faster


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """SafeLoader with only true/false as booleans."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_yaml(text: str) -> object:
    """Parse one YAML document into LineDict/LineList/scalars; raise YamlError if invalid."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Converter(loader).convert(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise YamlError(mark.line + 1 if mark else 1, message or str(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlError(1, str(exc)) from None
    except RecursionError:
        raise YamlError(1, "the document is nested too deeply") from None
    finally:
        loader.dispose()


class _Converter:
    """Turns composed YAML nodes into line-aware Python values."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.active: set[int] = set()

    def convert(self, node: yaml.Node) -> object:
        """Convert one node (recursively)."""
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if id(node) in self.active:
            raise YamlError(node.start_mark.line + 1, "an alias refers to the node containing it")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node)
            return self._sequence(node)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode) -> LineDict:
        explicit = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # resolves `<<` merge keys, merged pairs first
        merged = len(node.value) - explicit
        result = LineDict(node.start_mark.line + 1)
        own: set[object] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.convert(key_node)
            key_line = key_node.start_mark.line + 1
            if isinstance(key, (LineDict, LineList)):
                raise YamlError(key_line, "a mapping key must be a plain value")
            if index >= merged:
                if key in own:
                    result.duplicates.append((key, key_line))
                    continue
                own.add(key)
            result[key] = self.convert(value_node)
            result.key_lines[key] = key_line
            result.value_lines[key] = value_node.start_mark.line + 1
        return result

    def _sequence(self, node: yaml.SequenceNode) -> LineList:
        result = LineList(node.start_mark.line + 1)
        for item in node.value:
            result.append(self.convert(item))
            result.lines.append(item.start_mark.line + 1)
        return result
