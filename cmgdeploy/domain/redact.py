"""Known secret values of this process, and their removal from any text shown.

Secrets (client secrets, PFX and VM passwords, tokens) are registered when they enter
the process; the renderer and the Azure error translation pass every message through
:func:`redact`, so a secret echoed back by a server or a library never reaches output.
"""

from __future__ import annotations

_SECRETS: set[str] = set()
MASK = "***"


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret (values shorter than 4 characters are ignored)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text
