"""The ARM template expression language: tokenizer, parser and syntax tree.

A template string is an expression when it is wrapped in ``[`` … ``]``; ``[[`` at
the start escapes a literal ``[``.  Inside: function calls, string literals in
single quotes (``''`` is a quote), integer literals, ``.prop`` and ``[i]`` access.
User-defined functions are called as ``namespace.name(…)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import TemplateError

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)"
    r"|(?P<punct>[(),.\[\]]))"
)


@dataclass(frozen=True)
class Literal:
    """A string or integer literal."""

    value: str | int

    def to_text(self) -> str:
        if isinstance(self.value, str):
            return "'" + self.value.replace("'", "''") + "'"
        return str(self.value)


@dataclass(frozen=True)
class Call:
    """A function call: ``name(arg, …)``."""

    name: str
    args: tuple[Node, ...]

    def to_text(self) -> str:
        return f"{self.name}({', '.join(a.to_text() for a in self.args)})"


@dataclass(frozen=True)
class Member:
    """Property access: ``target.name``."""

    target: Node
    name: str

    def to_text(self) -> str:
        return f"{self.target.to_text()}.{self.name}"


@dataclass(frozen=True)
class Index:
    """Index access: ``target[index]`` (array position or property name)."""

    target: Node
    index: Node

    def to_text(self) -> str:
        return f"{self.target.to_text()}[{self.index.to_text()}]"


Node = Literal | Call | Member | Index


def is_expression(value: str) -> bool:
    """True when a template string is an expression (``[…]`` but not ``[[…``)."""
    return value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def unescape_literal(value: str) -> str:
    """The literal value of a non-expression template string (``[[x]`` → ``[x]``)."""
    return value[1:] if value.startswith("[[") else value


def _parse_error(text: str, expected: str, actual: str) -> TemplateError:
    return TemplateError(
        f"Unable to parse language expression '{text}': expected token '{expected}' "
        f"and actual '{actual}'."
    )


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise TemplateError(
                f"The template language expression '{text}' is not valid: the string "
                f"character '{text[pos:].lstrip()[:1]}' at position '{pos}' is not expected."
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "EndOfData")

    def take(self, value: str, name: str) -> None:
        kind, actual = self.peek()
        if actual != value or kind not in ("punct",):
            raise _parse_error(self.text, name, actual)
        self.pos += 1

    def _namespaced_call_follows(self) -> bool:
        ahead = self.tokens[self.pos : self.pos + 3]
        return (
            len(ahead) == 3
            and ahead[0] == ("punct", ".")
            and ahead[1][0] == "ident"
            and ahead[2] == ("punct", "(")
        )

    def parse(self) -> Node:
        node = self.expression()
        kind, actual = self.peek()
        if kind != "end":
            raise _parse_error(self.text, "EndOfData", actual)
        return node

    def expression(self) -> Node:
        node = self.primary()
        while True:
            kind, value = self.peek()
            if kind == "punct" and value == ".":
                self.pos += 1
                ident_kind, ident = self.peek()
                if ident_kind != "ident":
                    raise _parse_error(self.text, "Identifier", ident)
                self.pos += 1
                node = Member(node, ident)
            elif kind == "punct" and value == "[":
                self.pos += 1
                index = self.expression()
                self.take("]", "RightSquareBracket")
                node = Index(node, index)
            else:
                return node

    def primary(self) -> Node:
        kind, value = self.peek()
        if kind == "string":
            self.pos += 1
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "number":
            self.pos += 1
            return Literal(int(value))
        if kind == "ident":
            self.pos += 1
            return self.call(value)
        raise _parse_error(self.text, "Identifier", value)

    def call(self, name: str) -> Node:
        if self._namespaced_call_follows():  # a user-defined function: ns.name(…)
            self.pos += 1
            name = f"{name}.{self.peek()[1]}"
            self.pos += 1
        kind, value = self.peek()
        if not (kind == "punct" and value == "("):
            # ARM spells booleans and null as calls, but accepts them bare too.
            if name.lower() in ("true", "false", "null"):
                return Call(name, ())
            raise _parse_error(self.text, "LeftParenthesis", value)
        self.pos += 1
        args: list[Node] = []
        if self.peek() == ("punct", ")"):
            self.pos += 1
            return Call(name, ())
        while True:
            args.append(self.expression())
            kind, value = self.peek()
            if kind == "punct" and value == ",":
                self.pos += 1
                continue
            self.take(")", "RightParenthesis")
            return Call(name, tuple(args))


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse the inside of an expression (without the surrounding brackets)."""
    if not text.strip():
        raise TemplateError("The language expression '' is not valid: the expression is empty.")
    return _Parser(text).parse()


def parse_template_string(value: str) -> Node:
    """Parse a ``[…]`` template string into its syntax tree."""
    return parse(value[1:-1])


def walk(node: Node) -> list[Node]:
    """Every node of a tree, parents before children."""
    out: list[Node] = [node]
    if isinstance(node, Call):
        for arg in node.args:
            out.extend(walk(arg))
    elif isinstance(node, Member):
        out.extend(walk(node.target))
    elif isinstance(node, Index):
        out.extend(walk(node.target))
        out.extend(walk(node.index))
    return out
