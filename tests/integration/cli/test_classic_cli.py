"""`classic list|show` through the CLI: --management-cert / --subscription flags, or the
config file's management_cert and subscription, on an added environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clifixtures import use_site_package
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from mocks.classic import models

PFX_PASSWORD = "Mgmt-pfx-pass-7"


@pytest.fixture()
def sm_env(local_azure: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `smcloud` row with a Service Management URL, a seeded classic CMG, and the
    management certificate as a password-protected PFX. Returns the PFX path."""
    use_site_package(monkeypatch)
    added = cli("environments", "add", "smcloud", "--authority", local_azure.url,
                "--resource-manager", local_azure.url + "/", "--service-management",
                local_azure.url, "--ca-bundle", str(local_azure.ca_bundle),
                "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
    models.seed_classic(local_azure.cloud, "oldclassic", "westeurope", 2)
    pem = Path(local_azure.identity.management_certificate).read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    cert = x509.load_pem_x509_certificate(pem)
    enc = serialization.BestAvailableEncryption(PFX_PASSWORD.encode())
    pfx = tmp_path / "mgmt.pfx"
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(b"m", key, cert, None, enc))  # type: ignore[arg-type]
    monkeypatch.setenv("CMGDEPLOY_MANAGEMENT_CERT_PASSWORD", PFX_PASSWORD)
    return pfx


def test_classic_list_with_flags(cli: Any, sm_env: Path, local_azure: Any) -> None:
    sub = local_azure.identity.subscription_id
    listed = cli("-e", "smcloud", "-o", "json", "classic", "list",
                 "--management-cert", str(sm_env), "--subscription", sub)  # fmt: skip
    assert listed.code == 0, listed.err
    assert listed.json["data"]["subscription_id"] == sub
    names = {s["name"]: s for s in listed.json["data"]["services"]}
    assert names["oldclassic"]["instances"] == 2
    assert PFX_PASSWORD not in listed.out + listed.err


def test_classic_show_from_config_file(cli: Any, sm_env: Path, local_azure: Any) -> None:
    sub = local_azure.identity.subscription_id
    Path("cmgdeploy.toml").write_text(
        f'environment = "smcloud"\nsubscription = "{sub}"\nmanagement_cert = "{sm_env}"\n'
    )
    shown = cli("-o", "json", "classic", "show", "oldclassic")
    assert shown.code == 0, shown.err
    data = shown.json["data"]
    assert data["subscription_id"] == sub and data["name"] == "oldclassic"
    assert len(data["role_instances"]) == 2


def test_classic_without_subscription_is_bad_input(cli: Any, sm_env: Path) -> None:
    refused = cli("-e", "smcloud", "-o", "json", "classic", "list",
                  "--management-cert", str(sm_env))  # fmt: skip
    assert refused.code == 2
    assert (
        refused.json["errors"][0]["target"] == "subscription"
        or "subscription" in (refused.json["errors"][0]["message"])
    )


def test_classic_bad_subscription_flag_is_bad_input(cli: Any, sm_env: Path) -> None:
    refused = cli("-e", "smcloud", "-o", "json", "classic", "list",
                  "--management-cert", str(sm_env), "--subscription", "not-a-guid")  # fmt: skip
    assert refused.code == 2
    assert "--subscription" in refused.json["errors"][0]["message"]
