"""`up` deploys ConfigMgr's layout for a scale-set CMG, and preflight refuses what Azure
would refuse before any write (the local Azure's request log shows none)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
import requests
from armcheck import arm, group_path
from requestlog import RequestLog

from mocks.core import requestlog

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")
SEVEN = {
    "Microsoft.Compute/virtualMachineScaleSets",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Network/loadBalancers",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Storage/storageAccounts",
}


def _group_types(  # top-level types only
    local_azure: Any, group: str
) -> set[str]:
    listed = arm(local_azure, "GET", group_path(group) + "/resources")
    assert listed.status_code == 200, listed.text
    return {r["type"] for r in listed.json()["value"] if r["type"].count("/") == 1}


def _vmss(local_azure: Any, name: str) -> dict[str, Any]:
    path = (
        group_path(f"{name}-cmg-rg")
        + f"/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"
    )
    found = arm(local_azure, "GET", path, "2024-03-01")
    assert found.status_code == 200, found.text
    return dict(found.json())


def test_up_deploys_the_seven_resources_and_only_the_dsc_extension(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    up = cli("-e", cloud_env, "up", "--name", "layoutcmg", *UP)
    assert up.code == 0, up.err
    assert _group_types(local_azure, "layoutcmg-cmg-rg") == SEVEN
    vmss = _vmss(local_azure, "layoutcmg")
    assert vmss["identity"]["type"] == "SystemAssigned"
    profile = vmss["properties"]["virtualMachineProfile"]
    image = profile["storageProfile"]["imageReference"]
    assert (image["publisher"], image["offer"], image["sku"]) == (
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter",
    )
    (extension,) = profile["extensionProfile"]["extensions"]
    props = extension["properties"]
    assert (props["publisher"], props["type"], props["typeHandlerVersion"]) == (
        "Microsoft.Powershell",
        "DSC",
        "2.77",
    )
    configuration = props["settings"]["configuration"]
    assert configuration["url"].endswith("/cmgdsc/cmgdsc.zip")
    assert (configuration["script"], configuration["function"]) == ("CmgSite.ps1", "CmgSite")
    assert "protectedSettings" not in props  # never returned by Azure


def test_local_without_package_uses_a_stand_in_and_says_so(cli: Any, home: Any) -> None:
    up = cli("-e", "local", "-o", "json", "up", "--name", "standincmg", *UP)
    assert up.code == 0, up.err
    warnings = " ".join(up.json["warnings"])
    assert "stand-in DSC package" in warnings and "not ConfigMgr's cmgdsc.zip" in warnings


def test_package_required_outside_local_exit_2_before_any_request(
    cli: Any, cloud_env: str, local_azure: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("CMGDEPLOY_CMG_PACKAGE")
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    run = cli("-e", cloud_env, "up", "--name", "nopkgcmg", *UP)
    assert run.code == 2
    assert "cmg_package" in run.err and r"inboxes\cloudmgr.box\cmgdsc.zip" in run.err
    assert log.since(mark) == []


def test_package_without_configuration_is_refused(cli: Any, cloud_env: str, tmp_path: Any) -> None:
    bad = tmp_path / "notdsc.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no script here")
    bad.write_bytes(buffer.getvalue())
    run = cli("-e", cloud_env, "up", "--name", "badpkgcmg", "--cmg-package", str(bad), *UP)
    assert run.code == 2
    assert "--cmg-package" in run.err and "Configuration block" in run.err


def test_gen2_image_on_av2_refused_by_preflight_with_zero_writes(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    run = cli("-e", cloud_env, "up", "--name", "gentwocmg", "--vm-size", "Standard_A2_v2",
              "--image-sku", "2022-datacenter-azure-edition", *UP)  # fmt: skip
    assert run.code == 2, run.err
    assert "image_sku" in run.err and "Generation 2" in run.err
    assert "HyperVGenerations" in run.err and "2022-datacenter" in run.err
    assert [r for r in log.since(mark) if r.is_azure_write] == []
    assert any("Microsoft.Compute/skus" in r.path for r in log.since(mark))


def test_digit_first_name_refused_with_zero_requests(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    run = cli("-e", cloud_env, "up", "--name", "1cmg", *UP)
    assert run.code == 2
    assert "--name: '1cmg' is not valid" in run.err and "starting with a letter" in run.err
    assert log.since(mark) == []


def test_china_cloud_refused_before_sign_in(cli: Any, monkeypatch: Any) -> None:
    """AzureChinaCloud stays a row, but no CMG is deployed there: exit 2, and no request
    (the credential would fail first if one were made: its authority is unreachable)."""
    monkeypatch.setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000001")
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000002")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-used")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # any request would fail loudly
    for argv in (
        ("up", "--name", "chinacmg", *UP),
        ("plan", "--name", "chinacmg", "--region", "chinaeast2", "--self-signed-cert",
         "--site-code", "PS1"),
        ("scale", "--name", "chinacmg", "--instances", "2", "--yes"),
        ("migrate", "--from", "oldcmg", "--to", "chinacmg", "--site-code", "PS1", "--yes"),
    ):  # fmt: skip
        run = cli("-e", "AzureChinaCloud", *argv)
        assert run.code == 2, run.err
        assert "AzurePublicCloud or AzureUSGovernmentCloud" in run.err
    listed = cli("-o", "json", "environments", "show", "AzureChinaCloud")
    assert listed.code == 0 and listed.json["data"]["cmg_supported"] is False


def _mi_token(local_azure: Any, principal: str) -> str:
    """A Key Vault token for the scale set's managed identity (the local Azure's
    managed-identity endpoint, as a VM of the scale set would ask it)."""
    answer = _plain_session().get(
        local_azure.endpoint["identity_endpoint"],
        params={"resource": "https://vault.azure.net", "api-version": "2019-08-01",
                "principal_id": principal},
        headers={"X-IDENTITY-HEADER": local_azure.endpoint["identity_header"]},
        verify=str(local_azure.ca_bundle),
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_vault_holds_the_two_secrets_and_the_identity_reads_them(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    up = cli("-e", cloud_env, "up", "--name", "vaultcmg", *UP)
    assert up.code == 0, up.err
    vault = group_path("vaultcmg-cmg-rg") + "/providers/Microsoft.KeyVault/vaults/vaultcmg"
    listed = arm(local_azure, "GET", vault + "/secrets", "2023-07-01")
    assert listed.status_code == 200, listed.text
    names = {s["name"]: s["properties"].get("contentType") for s in listed.json()["value"]}
    # The two ConfigMgr keeps, plus the server certificate the scale set installs: the
    # JSON wrapper {data, dataType, password}, so no application/x-pkcs12 (a raw PFX's type).
    assert names == {
        "storage-connection-string": "text/plain",
        "vm-admin-password": "text/plain",
        "servercert": None,
    }
    principal = _vmss(local_azure, "vaultcmg")["identity"]["principalId"]
    token = _mi_token(local_azure, principal)
    read = {}
    for name in ("storage-connection-string", "vm-admin-password"):
        got = _plain_session().get(
            f"{local_azure.url}/keyvault/vaultcmg/secrets/{name}",
            params={"api-version": "7.4"},
            headers={"Authorization": f"Bearer {token}"},
            verify=str(local_azure.ca_bundle),
            timeout=30,
        )
        assert got.status_code == 200, got.text
        read[name] = got.json()["value"]
    assert read["storage-connection-string"].startswith(
        "DefaultEndpointsProtocol=https;AccountName=vaultcmg;AccountKey="
    )
    assert len(read["vm-admin-password"]) >= 12
    # A redeployment (scale) keeps the identity's access: the vault carries its policy.
    scaled = cli("-e", cloud_env, "scale", "--name", "vaultcmg", "--instances", "2", "--yes")
    assert scaled.code == 0, scaled.err
    policies = arm(local_azure, "GET", vault, "2023-07-01").json()["properties"]["accessPolicies"]
    assert [p["objectId"] for p in policies] == [principal]
    assert _vmss(local_azure, "vaultcmg")["identity"]["principalId"] == principal


def _blob_client(local_azure: Any, name: str, blob_url: str) -> Any:
    """The package blob through azure-storage-blob with the account's key (listKeys)."""
    from azure.storage.blob import BlobClient

    rid = group_path(f"{name}-cmg-rg") + f"/providers/Microsoft.Storage/storageAccounts/{name}"
    keys = arm(local_azure, "POST", rid + "/listKeys", "2023-05-01").json()["keys"]
    credential = {"account_name": name, "account_key": keys[0]["value"]}
    return BlobClient.from_blob_url(
        blob_url, credential=credential, connection_verify=str(local_azure.ca_bundle)
    )


def test_package_uploaded_before_the_scale_set_and_only_once(
    cli: Any, cloud_env: str, local_azure: Any, tmp_path: Any
) -> None:
    package = (tmp_path / "cmgdsc.zip").read_bytes()  # CMGDEPLOY_CMG_PACKAGE's file
    mark = len(requestlog.read(local_azure.state_dir))
    up = cli("-e", cloud_env, "-o", "json", "--verbose", "up", "--name", "pkgcmg", *UP)
    assert up.code == 0, up.err
    assert "uploaded the DSC package to cmgdsc/cmgdsc.zip" in up.err
    # The storage stage made the container: the only Blob request is the package's put.
    blob_ops = [
        e["operation"]
        for e in requestlog.read(local_azure.state_dir, mark)
        if e["operation"].startswith("Blob_") and e["path"].startswith("/pkgcmg/")
    ]
    assert blob_ops == ["Blob_PutBlob"], blob_ops
    vmss = _vmss(local_azure, "pkgcmg")
    (extension,) = vmss["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]
    url = extension["properties"]["settings"]["configuration"]["url"]
    blob = _blob_client(local_azure, "pkgcmg", url)
    assert blob.download_blob().readall() == package
    # The kind of SAS the extension gets reads that blob, and nothing else.
    from azure.core.exceptions import HttpResponseError
    from azure.storage.blob import BlobClient

    from cmgdeploy.services.azure.blob import read_sas

    key = blob.credential.account_key
    sas = read_sas(
        "pkgcmg", key, "cmgdsc", "cmgdsc.zip", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    )
    reader = BlobClient.from_blob_url(f"{url}?{sas}", connection_verify=str(local_azure.ca_bundle))
    assert reader.download_blob().readall() == package
    with pytest.raises(HttpResponseError):
        reader.upload_blob(b"changed", overwrite=True)
    # The scale set was created after the package was there.
    created = blob.get_blob_properties().last_modified
    assert created is not None
    # Same package, other inputs: a new deployment, no new upload.
    again = cli("-e", cloud_env, "--verbose", "up", "--name", "pkgcmg", "--instances", "2", *UP)
    assert again.code == 0, again.err
    assert "the DSC package is already in cmgdsc/cmgdsc.zip" in again.err
    assert blob.get_blob_properties().last_modified == created
