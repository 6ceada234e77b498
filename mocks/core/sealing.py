"""Encryption at rest of the local Azure's SQLite store.

The store holds what Azure itself must hold and never shows again: the service
principal's client secret, deployments' secure parameters (the server PFX, generated VM
admin passwords), Key Vault secret values, storage account keys. Every value the store
writes (meta values, documents, resource bodies) is sealed with Fernet (AES-128-CBC +
HMAC-SHA256, from ``cryptography``) under a key kept next to the database in
``store.key`` (mode 0600, created on first use). ``cloud.db`` and its WAL then hold no
secret in clear; a reader needs the key file, as a process of the same user does.
Values written before sealing existed (plain JSON) are still read.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "store.key"
PREFIX = "sealed:"  # marks a sealed value (plain JSON never starts with it)


class SealError(RuntimeError):
    """A sealed value that this key cannot open (another state dir's key, or damage)."""


class Sealer:
    """Seals and opens the store's text values with the key of one state dir."""

    def __init__(self, key_path: Path) -> None:
        self.key_path = Path(key_path)
        self._fernet = Fernet(load_or_create_key(self.key_path))

    def seal(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode()).decode("ascii")

    def open(self, text: str) -> str:
        if not text.startswith(PREFIX):
            return text  # written before values were sealed
        try:
            return self._fernet.decrypt(text[len(PREFIX) :].encode("ascii")).decode()
        except InvalidToken:
            raise SealError(
                f"a value in the local Azure's store cannot be opened with {self.key_path}"
            ) from None


def load_or_create_key(path: Path) -> bytes:
    """The Fernet key in ``path``; made (0600) when missing. Several processes may start
    at once: the key is written to a private temporary file and linked into place, so
    every process reads the same complete key."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, Fernet.generate_key())
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic; fails if another process made the key first
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()
