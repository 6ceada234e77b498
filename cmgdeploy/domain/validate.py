"""Validators for every user input: each returns the normalised value or raises InputError.

The messages name the field, show the value and say what is allowed, so the same
function serves flags, environment variables and the config file (the caller passes
the field name as the user wrote it, e.g. ``--instances`` or ``CMGDEPLOY_INSTANCES``).
"""

from __future__ import annotations

import math
import os
import re
import stat
import uuid
from pathlib import Path
from typing import Any

from cmgdeploy.domain.errors import InputError

VM_SIZES = ("Standard_B2s", "Standard_A2_v2", "Standard_A4_v2")
MIN_INSTANCES = 1
MAX_INSTANCES = 16

NAME_RE = re.compile(r"[a-z][a-z0-9]{2,23}")
REGION_RE = re.compile(r"[a-z0-9]{1,64}")
RESOURCE_GROUP_RE = re.compile(r"[-\w.()]{1,90}")
SITE_CODE_RE = re.compile(r"[A-Z0-9]{3}")
FQDN_LABEL_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
CLASSIC_NAME_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
TAG_KEY_FORBIDDEN = set("<>%&\\?/")
MAX_TAGS = 50

NAME_ALLOWED = (
    "3–24 characters, lowercase letters and digits only (no dash), starting with a letter "
    "(key vault names and public IP DNS labels must start with a letter)"
)
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def cmg_name(value: Any, field_name: str = "name") -> str:
    """The CMG prefix: names the scale set, key vault and storage account."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise InputError(field_name, value, NAME_ALLOWED)
    return value


def classic_service_name(value: Any, field_name: str = "from_classic") -> str:
    """A classic hosted service name (letters, digits, dashes; 1–63; lower-cased)."""
    text = value.strip().lower() if isinstance(value, str) else value
    if not isinstance(text, str) or not CLASSIC_NAME_RE.fullmatch(text):
        raise InputError(field_name, value, "a cloud service name: 1–63 letters, digits or dashes")
    return text


def region(value: Any, field_name: str = "region") -> str:
    """An Azure region name such as ``westeurope`` (``West Europe`` is normalised)."""
    text = value.replace(" ", "").lower() if isinstance(value, str) else value
    if not isinstance(text, str) or not REGION_RE.fullmatch(text):
        raise InputError(
            field_name,
            value,
            "an Azure region name of lowercase letters and digits, e.g. westeurope",
        )
    return text


def resource_group(value: Any, field_name: str = "resource_group") -> str:
    """ARM's rule: 1–90 of letters, digits, ``-_.()``, not ending in a period."""
    ok = isinstance(value, str) and RESOURCE_GROUP_RE.fullmatch(value) and value.isascii()
    if not ok or value.endswith("."):
        raise InputError(
            field_name,
            value,
            "1–90 characters of letters, digits, '-', '_', '.', '(' and ')', not ending in '.'",
        )
    return str(value)


def guid(value: Any, field_name: str) -> str:
    """A GUID such as a subscription or client id, returned lower-case."""
    try:
        parsed = uuid.UUID(str(value).strip()) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or len(str(value).strip()) != 36:
        raise InputError(field_name, value, "a GUID like 00000000-0000-0000-0000-000000000000")
    return str(parsed)


def tenant(value: Any, field_name: str = "tenant_id") -> str:
    """A tenant: a GUID or a verified domain such as ``contoso.onmicrosoft.com``."""
    if isinstance(value, str) and "." in value:
        return fqdn(value, field_name).lower()
    return guid(value, field_name)


def vm_size(value: Any, field_name: str = "vm_size") -> str:
    """One of the three sizes a CMG offers (case-insensitive input, canonical output)."""
    for size in VM_SIZES:
        if isinstance(value, str) and value.strip().lower() == size.lower():
            return size
    raise InputError(
        field_name, value, f"one of {', '.join(VM_SIZES)}", hint=did_you_mean(value, VM_SIZES)
    )


def did_you_mean(value: Any, choices: Any) -> str | None:
    """``did you mean X?`` for the closest of ``choices`` (difflib, case-insensitive)."""
    import difflib

    if not isinstance(value, str):
        return None
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(value.strip().lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean {by_lower[close[0]]}?" if close else None


# Windows Server images (publisher MicrosoftWindowsServer, offer WindowsServer) the
# template allows, with the HyperV generation each boots as (see docs/SOURCES.md).
IMAGE_GENERATIONS = {"2022-datacenter": "V1", "2022-datacenter-azure-edition": "V2"}
# Generation 1 boots on every size (Av2 sizes are Generation 1 only).
DEFAULT_IMAGE_SKU = "2022-datacenter"


def image_sku(value: Any, field_name: str = "image_sku") -> str:
    """One of the Windows Server image SKUs in :data:`IMAGE_GENERATIONS`."""
    for sku in IMAGE_GENERATIONS:
        if isinstance(value, str) and value.strip().lower() == sku:
            return sku
    allowed = ", ".join(f"{sku} (Generation {gen[1]})" for sku, gen in IMAGE_GENERATIONS.items())
    raise InputError(field_name, value, f"one of {allowed}")


def instances(value: Any, field_name: str = "instances") -> int:
    """An integer 1–16; ``"3.5"``, ``"abc"``, ``True`` and ``3.0`` are refused."""
    allowed = f"a whole number from {MIN_INSTANCES} to {MAX_INSTANCES}"
    if isinstance(value, bool):
        raise InputError(field_name, value, allowed)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,6}\s*", value):
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        raise InputError(field_name, value, allowed)
    if not MIN_INSTANCES <= number <= MAX_INSTANCES:
        raise InputError(field_name, value, allowed)
    return number


def hours(value: Any, field_name: str = "drain_hours") -> float:
    """A non-negative number of hours (fractions allowed, for labs)."""
    allowed = "a number of hours, 0 or more"
    if isinstance(value, bool):
        raise InputError(field_name, value, allowed)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(field_name, value, allowed) from None
    if not math.isfinite(number) or number < 0:
        raise InputError(field_name, value, allowed)
    return number


def site_code(value: Any, field_name: str = "site_code") -> str:
    """A ConfigMgr site code: three letters or digits, returned upper-case."""
    text = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(text, str) or not SITE_CODE_RE.fullmatch(text):
        raise InputError(field_name, value, "3 letters or digits, e.g. P01")
    return text


def fqdn(value: Any, field_name: str) -> str:
    """A fully qualified host name: RFC 1123 labels, at least one dot, ≤ 253 chars."""
    allowed = "a fully qualified host name such as cmgcp.contoso.com (letters, digits, dashes)"
    text = value.strip().rstrip(".") if isinstance(value, str) else value
    if not isinstance(text, str) or "." not in text or len(text) > 253:
        raise InputError(field_name, value, allowed)
    if not all(FQDN_LABEL_RE.fullmatch(label) for label in text.split(".")):
        raise InputError(field_name, value, allowed)
    return text.lower()


def fqdn_list(values: Any, field_name: str) -> tuple[str, ...]:
    """A list of FQDNs, de-duplicated, order kept."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        raise InputError(field_name, values, "a list of fully qualified host names")
    return tuple(dict.fromkeys(fqdn(item, field_name) for item in values))


def tag(key: Any, value: Any, field_name: str = "tags") -> tuple[str, str]:
    """One ARM tag: key 1–512 chars without ``<>%&\\?/``, value ≤ 256 chars."""
    if not isinstance(key, str) or not key.strip() or len(key) > 512:
        raise InputError(field_name, key, "a tag name of 1–512 characters")
    if TAG_KEY_FORBIDDEN & set(key):
        raise InputError(field_name, key, "tag names cannot contain < > % & \\ ? /")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InputError(field_name, value, f"tag {key!r}: a text value")
    text = str(value)
    if len(text) > 256:
        raise InputError(field_name, text, f"tag {key!r}: a value of at most 256 characters")
    return key.strip(), text


def tags(values: Any, field_name: str = "tags") -> tuple[tuple[str, str], ...]:
    """Tags from ``["k=v", ...]``, a ``{k: v}`` table or a comma-separated string."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(values, dict):
        pairs = list(values.items())
    else:
        items = values.split(",") if isinstance(values, str) else values
        if not isinstance(items, list | tuple):
            raise InputError(field_name, values, "tags as key=value")
        for item in items:
            if not isinstance(item, str) or "=" not in item:
                raise InputError(field_name, item, "tags as key=value")
            key, _, val = item.partition("=")
            pairs.append((key, val))
    checked = dict(tag(k, v, field_name) for k, v in pairs)
    if len(checked) > MAX_TAGS:
        raise InputError(field_name, f"{len(checked)} tags", f"at most {MAX_TAGS} tags")
    return tuple(sorted(checked.items()))


def boolean(value: Any, field_name: str) -> bool:
    """True/false from a bool or the words true/false, yes/no, on/off, 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise InputError(field_name, value, "true or false")


def readable_file(value: Any, field_name: str, base: Path | None = None) -> Path:
    """An existing, readable regular file; relative paths resolve against ``base``."""
    if not isinstance(value, str | Path) or not str(value).strip():
        raise InputError(field_name, value, "the path of an existing file")
    path = Path(value).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        raise InputError(field_name, str(value), "the path of an existing file") from None
    if not stat.S_ISREG(mode):
        raise InputError(field_name, str(value), "a regular file (not a directory or device)")
    if not os.access(path, os.R_OK):
        raise InputError(field_name, str(value), "a file this user can read")
    return path.absolute()


def https_url(value: Any, field_name: str) -> str:
    """An absolute ``https://host[/path]`` URL; plain http is refused."""
    allowed = "an https:// URL (plain http is not allowed)"
    if not isinstance(value, str) or not value.lower().startswith("https://"):
        raise InputError(field_name, value, allowed)
    host = value[len("https://") :].split("/", 1)[0].split(":", 1)[0]
    if not host or not (host == "localhost" or _is_ip(host) or "." in host):
        raise InputError(field_name, value, allowed + " with a host name")
    return value


def _is_ip(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def dns_suffix(value: Any, field_name: str) -> str:
    """A DNS suffix such as ``core.windows.net`` (a leading dot is kept off)."""
    text = value.strip().lstrip(".") if isinstance(value, str) else value
    if not isinstance(text, str) or not all(FQDN_LABEL_RE.fullmatch(p) for p in text.split(".")):
        raise InputError(field_name, value, "a DNS suffix such as core.windows.net")
    return text.lower()


def site_system(value: Any, field_name: str, *, allow_http: bool) -> tuple[str, bool]:
    """A site system server as ``fqdn``, ``https://fqdn`` or (if allowed) ``http://fqdn``.

    Returns (fqdn, https). A management point must be HTTPS to serve a CMG (1802+).
    """
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.lower().startswith("http://"):
        if not allow_http:
            raise InputError(
                field_name,
                value,
                "an HTTPS management point: since 1802 a CMG-enabled management point "
                "must use HTTPS",
            )
        return fqdn(text[len("http://") :].rstrip("/"), field_name), False
    if isinstance(text, str) and text.lower().startswith("https://"):
        text = text[len("https://") :].rstrip("/")
    return fqdn(text, field_name), True
