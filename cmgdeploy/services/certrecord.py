"""What ``check`` needs to know about a CMG's certificates, kept when it is deployed.

``cmgs/<name>.certificates.json`` (0600, no key, no password): the server
certificate's subject, thumbprint and validity, and each trusted root/intermediate CA's.
The deployed thumbprints are also in the deployment's parameters in Azure, so
``check`` can tell whether this record still describes what runs there; a PFX needs its
password to be read again, which a monitoring job should not hold.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cmgdeploy.services.paths import ensure_private_dir, write_private_file


def record_path(home: Path, name: str) -> Path:
    return home / "cmgs" / f"{name}.certificates.json"


def save_certificate_record(home: Path, name: str, server: Any, trusted_cas: Any) -> None:
    """Keep the non-secret facts of ``server`` (ServerCertificate) and ``trusted_cas``."""
    from cryptography import x509

    roots = []
    for ca in trusted_cas:
        cert = x509.load_der_x509_certificate(base64.b64decode(ca.der_b64))
        roots.append(
            {
                "subject": ca.subject,
                "thumbprint": ca.thumbprint,
                "not_after": cert.not_valid_after_utc.isoformat(),
                "path": str(ca.path),
            }
        )
    record = {
        "server_certificate": {
            "subject_cn": server.subject_cn,
            "thumbprint": server.thumbprint,
            "not_before": server.not_before.isoformat(),
            "not_after": server.not_after.isoformat(),
        },
        "trusted_roots": roots,
    }
    ensure_private_dir(home / "cmgs")
    write_private_file(record_path(home, name), json.dumps(record, indent=2).encode())


def load_certificate_record(home: Path, name: str) -> dict[str, Any] | None:
    """The record, or None when this machine did not deploy ``name`` (or it is unreadable)."""
    try:
        data = json.loads(record_path(home, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove_certificate_record(home: Path, name: str) -> None:
    """Delete ``name``'s record (``down``); no record is fine."""
    record_path(home, name).unlink(missing_ok=True)
