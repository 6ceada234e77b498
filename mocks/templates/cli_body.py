"""Lenient parsing of deployment request bodies.

azure-cli's ``--template-file`` sends ``{"properties": {…, template:<raw file text>}}``:
valid JSON up to an *unquoted* ``template:`` key, then the template file verbatim
(comments and all), then ``}}`` (azure-cli ``JsonCTemplatePolicy``).  Templates may
also carry ``//`` and ``/* */`` comments and trailing commas (ARM accepts JSONC).
"""

from __future__ import annotations

import json
from typing import Any

from .errors import TemplateError

_MARKER = "template:"


def parse_cli_body(raw: bytes) -> dict:
    """The deployment request body as a dict (azure-cli quirk and JSONC accepted)."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes | bytearray) else str(raw)
    try:
        body = loads_jsonc(text)
    except TemplateError:
        body = _parse_spliced(text)
    if not isinstance(body, dict):
        raise _invalid("the request body must be a JSON object")
    return body


def _parse_spliced(text: str) -> dict:
    position = _unquoted_marker(text)
    if position < 0:
        raise _invalid("the request body is not valid JSON")
    head = text[:position].rstrip().rstrip(",")
    tail = text[position + len(_MARKER) :].rstrip()
    if not tail.endswith("}}"):
        raise _invalid("the spliced template is not followed by '}}'")
    template = loads_jsonc(tail[:-2].lstrip("\ufeff"))
    body = loads_jsonc(head + "}}")
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise _invalid("the request body has no 'properties' object")
    body["properties"]["template"] = template
    return body


def _unquoted_marker(text: str) -> int:
    """Position of the first ``template:`` outside JSON strings, or -1."""
    in_string = escaped = False
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif text.startswith(_MARKER, position):
            return position
    return -1


def loads_jsonc(text: str) -> Any:
    """JSON with ``//`` and ``/* */`` comments and trailing commas."""
    try:
        return json.loads(strip_jsonc(text))
    except ValueError as exc:
        raise _invalid(str(exc)) from None


def strip_jsonc(text: str) -> str:
    """Remove comments and trailing commas outside strings."""
    out: list[str] = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if char == '"':
            end = _string_end(text, position)
            out.append(text[position:end])
            position = end
        elif text.startswith("//", position):
            newline = text.find("\n", position)
            position = length if newline < 0 else newline
        elif text.startswith("/*", position):
            close = text.find("*/", position + 2)
            if close < 0:
                raise _invalid("unterminated /* comment")
            position = close + 2
        elif char in "}]":
            _drop_trailing_comma(out)
            out.append(char)
            position += 1
        else:
            out.append(char)
            position += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    position = start + 1
    while position < len(text):
        if text[position] == "\\":
            position += 2
            continue
        if text[position] == '"':
            return position + 1
        position += 1
    return len(text)


def _drop_trailing_comma(out: list[str]) -> None:
    # Walk back over whitespace; a comma right before } or ] is dropped.
    position = len(out) - 1
    while position >= 0 and out[position].strip() == "":
        position -= 1
    if position >= 0 and out[position] == ",":
        del out[position]


def _invalid(why: str) -> TemplateError:
    return TemplateError(
        f"The request content was invalid and could not be deserialized: '{why}'.",
        code="InvalidRequestContent",
    )
