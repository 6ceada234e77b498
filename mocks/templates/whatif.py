"""What-if property deltas: what a PUT of ``after`` would change on ``before``.

Only properties present in the request are compared: the provider adds read-only
ones (``provisioningState``, ``resourceGuid``, ``uniqueId``, ``ipAddress``, ``fqdn``,
ids of child resources …) which the template never mentions, and what-if must not
report them as deletions.  Write-only properties the provider never returns
(passwords, protected settings, secret values) are ``NoEffect``.  Not simulated:
ARM's per-provider noise suppression beyond that, and ``Ignore``/``Unsupported``.
"""

from __future__ import annotations

from typing import Any

# Properties Azure accepts on PUT but never returns on GET.
WRITE_ONLY = {"adminpassword", "customdata", "protectedsettings", "value"}
# Read-only properties a template may carry (an exported template does): the provider
# sets them, so they are never a change.
READ_ONLY = {"etag", "provisioningstate"}
# Compared case-insensitively, as ARM treats them.
_CASE_INSENSITIVE = {"id", "location", "type"}


def what_if_delta(before: dict | None, after: dict) -> list[dict]:
    """ARM delta entries ``{"path", "propertyChangeType", "before", "after", "children"}``.

    ``before`` is the stored resource (None when it does not exist: a Create, no
    delta); ``after`` is the body the deployment would PUT.
    """
    if before is None:
        return []
    return _object_delta(before, after, "")


def _object_delta(before: dict, after: dict, prefix: str) -> list[dict]:
    entries: list[dict] = []
    for key, new in after.items():
        if key.lower() in READ_ONLY:
            continue  # the provider sets these; a request's value is ignored
        path = f"{prefix}{key}"
        if key not in before:
            kind = "NoEffect" if key.lower() in WRITE_ONLY else "Create"
            entries.append(_entry(path, kind, None, new))
        else:
            entries.extend(_value_delta(before[key], new, path, key))
    return entries


def _value_delta(old: Any, new: Any, path: str, key: str) -> list[dict]:
    if isinstance(old, dict) and isinstance(new, dict):
        return _object_delta(old, new, f"{path}.")
    if isinstance(old, list) and isinstance(new, list):
        children = _array_children(old, new)
        return [_entry(path, "Array", None, None, children)] if children else []
    if _same_scalar(old, new, key):
        return []
    return [_entry(path, "Modify", old, new)]


def _array_children(old: list, new: list) -> list[dict]:
    children: list[dict] = []
    for position in range(max(len(old), len(new))):
        path = str(position)
        if position >= len(old):
            children.append(_entry(path, "Create", None, new[position]))
        elif position >= len(new):
            children.append(_entry(path, "Delete", old[position], None))
        elif isinstance(old[position], dict) and isinstance(new[position], dict):
            inner = _object_delta(old[position], new[position], "")
            if inner:
                children.append(_entry(path, "Modify", None, None, inner))
        else:
            children.extend(_value_delta(old[position], new[position], path, ""))
    return children


def _same_scalar(old: Any, new: Any, key: str) -> bool:
    if isinstance(old, bool) != isinstance(new, bool):
        return False
    if isinstance(old, str) and isinstance(new, str) and key.lower() in _CASE_INSENSITIVE:
        if key.lower() == "location":
            return old.replace(" ", "").lower() == new.replace(" ", "").lower()
        return old.lower() == new.lower()
    return bool(old == new)


def _entry(
    path: str, kind: str, before: Any, after: Any, children: list[dict] | None = None
) -> dict:
    entry: dict[str, Any] = {"path": path, "propertyChangeType": kind}
    if before is not None:
        entry["before"] = before
    if after is not None:
        entry["after"] = after
    if children:
        entry["children"] = children
    return entry
