"""The secret sweep. A lifecycle with known secrets — the added
environment's client secret, a PFX password, the generated VM admin password (read back
from the local Azure's store, where Azure keeps it too), the lab certificate's private
key, the server PFX itself and every access token — then every output, every file under
CMGDEPLOY_HOME, the site database and the request log are searched for them.

With the README's layout (`-e local`, the local Azure's state in
``$CMGDEPLOY_HOME/local-azure``) the local Azure's own files are searched too: only the
files documented as holding secrets (keys, ``endpoint.json``, ``store.key``) may, each
0600; its store keeps what it must hold sealed."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from certfactory import make_pfx
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from rel_lab import CliLab, cli_lab

from mocks import LocalAzure
from mocks.core.store import Store
from mocks.keyvault.models import SECRETS
from mocks.storage.models import KEYS

Factory = Callable[..., LocalAzure]
PFX_PASSWORD = "Pfx-Sweep-Password-4711!"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.")
SITE = ("--region", "westeurope", "--site-code", "PS1", "--connection-point", "cp1.contoso.com",
        "--management-point", "mp1.contoso.com", "--yes")  # fmt: skip


def key_files(home: Path, lab_cmg: str) -> set[Path]:
    """Files under CMGDEPLOY_HOME that are meant to hold a private key (mode 0600)."""
    return {home / "certs" / f"{lab_cmg}.pem"}


def vm_passwords(az: LocalAzure | Path) -> list[str]:
    """The adminPassword parameter of every deployment, as the local Azure keeps it
    (read through its store, which opens the sealed values)."""
    store = Store(Path(az if isinstance(az, Path) else az.state_dir) / "cloud.db")
    try:
        params = [doc.get("parameters") or {} for _, doc in store.doc_list("deployments")]
    finally:
        store.close()
    return sorted({str(p["adminPassword"]["value"]) for p in params if "adminPassword" in p})


def stored_secrets(state: Path) -> list[str]:
    """Key Vault secret values and storage account keys the local Azure keeps."""
    store = Store(state / "cloud.db")
    try:
        vault = [v["value"] for _, doc in store.doc_list(SECRETS) for v in doc["versions"]]
        keys = [str(k["value"]) for _, doc in store.doc_list(KEYS) for k in doc.get("keys") or []]
    finally:
        store.close()
    return [*(v[100:160] for v in vault if v), *keys]


def lab_key_text(pem: Path) -> list[str]:
    """The lab key as it could leak: PEM body lines and its DER in base64."""
    data = pem.read_bytes()
    key = load_pem_private_key(
        b"".join(
            re.findall(rb"-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----\n?", data, re.S)
        ),
        None,
    )
    from cryptography.hazmat.primitives import serialization

    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return [base64.b64encode(der).decode()[100:160]]


def sweep(texts: dict[str, str], secrets: list[str]) -> list[str]:
    found = [f"{secret[:4]}… in {where}" for where, text in texts.items() for secret in secrets
             if secret and secret in text]  # fmt: skip
    found += [f"a token in {where}" for where, text in texts.items() if JWT.search(text)]
    return found


def home_files(home: Path, allowed: set[Path]) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        if path in allowed:
            continue
        out[str(path.relative_to(home))] = path.read_bytes().decode("latin-1")
    return out


def test_no_secret_anywhere_after_a_lifecycle(local_azure_factory: Factory, tmp_path: Path) -> None:
    az = local_azure_factory()
    lab: CliLab = cli_lab(az, tmp_path / "home")
    pfx = make_pfx(tmp_path / "server.pfx", "sweepcmg.westeurope.cloudapp.azure.com", PFX_PASSWORD)
    lab.extra_env["CMGDEPLOY_SERVER_CERT_PASSWORD"] = PFX_PASSWORD
    outputs: dict[str, str] = {}

    def run(label: str, *args: str, code: int = 0) -> None:
        done = lab.run("--debug", "--verbose", *args)
        assert done.returncode == code, done.stderr
        outputs[f"{label} stdout"], outputs[f"{label} stderr"] = done.stdout, done.stderr

    run("up pfx", "-o", "json", "up", "--name", "sweepcmg", "--server-cert", str(pfx), *SITE)
    run("up lab", "up", "--name", "labcmg", "--self-signed-cert", *SITE)
    run("scale", "-o", "json", "scale", "--name", "sweepcmg", "--instances", "2", "--yes")
    run("status", "-o", "json", "status", "--name", "sweepcmg")
    run("auth", "-o", "json", "auth", "check")
    run("plan", "plan", "--name", "labcmg", "--self-signed-cert", *SITE[:-1])
    run("site", "site", "export")
    run(
        "bad",
        "up",
        "--name",
        "sweepcmg",
        "--server-cert",
        str(tmp_path / "nope.pfx"),
        *SITE,
        code=2,
    )

    lab_pem = lab.home / "certs" / "labcmg.pem"
    allowed = key_files(lab.home, "labcmg")
    for path in allowed:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    secrets = [az.identity.client_secret, PFX_PASSWORD, *vm_passwords(az), *lab_key_text(lab_pem),
               base64.b64encode(pfx.read_bytes()).decode()[200:260]]  # fmt: skip
    assert len(vm_passwords(az)) >= 3 and all(len(p) >= 12 for p in vm_passwords(az))

    texts = {**outputs, **home_files(lab.home, allowed)}
    texts["request log"] = (Path(az.state_dir) / "requests.jsonl").read_text()
    assert sweep(texts, secrets) == []
    assert "site.db" in texts  # the site database was searched too

    run("down pfx", "down", "--name", "sweepcmg", "--yes")
    run("down lab", "down", "--name", "labcmg", "--yes")
    assert not lab_pem.exists()
    texts = {**outputs, **home_files(lab.home, set())}
    texts["request log"] = (Path(az.state_dir) / "requests.jsonl").read_text()
    assert sweep(texts, secrets) == []


def test_device_code_token_cache_is_private(local_azure_factory: Factory, tmp_path: Path) -> None:
    """The only file holding tokens (azure-identity's persistent cache) is 0600, and its
    tokens appear in no output and in no file under CMGDEPLOY_HOME."""
    az = local_azure_factory(device_code_delay=0.2)
    lab = cli_lab(az, tmp_path / "home")
    user_home = tmp_path / "user"
    user_home.mkdir()
    lab.extra_env.update({"HOME": str(user_home), "CMGDEPLOY_AUTH_METHOD": "device-code",
                          "AZURE_CLIENT_SECRET": ""})  # fmt: skip
    done = lab.run("-o", "json", "auth", "check")
    assert done.returncode == 0, done.stderr
    caches = [p for p in (user_home / ".IdentityService").glob("cmgdeploy*") if p.is_file()]
    assert caches, "no persistent token cache was written"
    for cache in caches:
        assert stat.S_IMODE(cache.stat().st_mode) == 0o600, cache
    tokens = JWT.findall(caches[0].read_text())
    assert tokens  # the cache really holds tokens: that is why it must be private
    texts = {"stdout": done.stdout, "stderr": done.stderr, **home_files(lab.home, set())}
    assert not [where for where, text in texts.items() if JWT.search(text)]


# Files of the local Azure's state dir that hold a secret by design (keys, the service
# principal's certificate, endpoint.json's client secret, the store's own key); each 0600.
LOCAL_SECRET_FILES = ("ca.key", "server.key", "signing.key", "sp.pem", "sp.pfx",
                      "management.pem", "endpoint.json", "store.key")  # fmt: skip


def test_no_secret_in_the_default_local_layout(tmp_path: Path) -> None:
    """The README's main job on `-e local` (the local Azure in $CMGDEPLOY_HOME/local-azure,
    started in each command), then every file under CMGDEPLOY_HOME is searched."""
    home = tmp_path / "home"
    pfx = make_pfx(tmp_path / "server.pfx", "sweepcmg.westeurope.cloudapp.azure.com", PFX_PASSWORD)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CMGDEPLOY_", "AZURE_"))}
    env = {**keep, "CMGDEPLOY_HOME": str(home), "NO_COLOR": "1",
           "CMGDEPLOY_SERVER_CERT_PASSWORD": PFX_PASSWORD}  # fmt: skip
    outputs: dict[str, str] = {}

    def run(label: str, *args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "cmgdeploy", "-e", "local", "--debug",
                               "--verbose", *args], env=env, capture_output=True, text=True,
                              timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs[f"{label} stdout"], outputs[f"{label} stderr"] = done.stdout, done.stderr

    run("up pfx", "-o", "json", "up", "--name", "sweepcmg", "--server-cert", str(pfx), *SITE)
    run("up lab", "up", "--name", "labcmg", "--self-signed-cert", *SITE)
    run("scale", "-o", "json", "scale", "--name", "sweepcmg", "--instances", "2", "--yes")
    run("status", "status", "--name", "sweepcmg")
    run("auth", "-o", "json", "auth", "check")
    run("site", "site", "export")

    state = home / "local-azure"
    endpoint = json.loads((state / "endpoint.json").read_text())
    lab_pem = home / "certs" / "labcmg.pem"
    allowed = {lab_pem, *(state / name for name in LOCAL_SECRET_FILES)}
    for path in allowed:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    passwords = vm_passwords(state)
    kept = stored_secrets(state)
    assert len(passwords) >= 3 and len(kept) >= 2  # the store really holds them (sealed)
    secrets = [endpoint["client_secret"], endpoint["identity_header"], PFX_PASSWORD,
               *passwords, *kept, *lab_key_text(lab_pem),
               base64.b64encode(pfx.read_bytes()).decode()[200:260]]  # fmt: skip
    files = home_files(home, allowed)
    assert {"local-azure/cloud.db", "local-azure/requests.jsonl", "site.db"} <= files.keys()
    assert sweep({**outputs, **files}, secrets) == []

    run("down pfx", "down", "--name", "sweepcmg", "--yes")
    run("down lab", "down", "--name", "labcmg", "--yes")
    files = home_files(home, allowed - {lab_pem})
    assert sweep({**outputs, **files}, secrets) == []
