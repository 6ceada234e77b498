"""The DSC package's way into the CMG's storage account, before the scale set needs it.

The storage account is deployed first when it does not exist yet (the template's storage
account alone, deployment ``<deployment>-storage``); the package is then put there over
the Blob REST API (:mod:`.azure.blobsas`) with a write SAS that ARM's ``ListServiceSas``
signs (skipped when the blob holds the same Content-MD5, read with the read SAS), and the
main deployment gets a read-only SAS for it from the same action: cmgdeploy holds no
account key and imports no Storage SDK on this path. The read SAS is made anew on every
deployment, valid for :data:`SAS_DAYS` days: a scale set instance created later
(scale-out, reimage) reads the package with it, and every ``up`` or ``scale`` renews it.
Requests: a fresh account takes three (write SAS, Put Blob, read SAS), a known one two
(read SAS, Get Blob Properties) and two more when the package changed. A run that holds
the account key already (the run lease read it: ``scale``, ``up`` of an existing CMG)
puts the package with it through azure-storage-blob, which the lease loaded, and signs
the read SAS itself: one request (Get Blob Properties), and the put when it changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from cmgdeploy.domain.arm_views import StorageAccount
from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.cmgstate import deployment_state
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.dscpackage import BLOB, CONTAINER, DscPackage
from cmgdeploy.services.prepared import Prepared, package_of
from cmgdeploy.services.progress import wait_for_deployment
from cmgdeploy.services.template import select_declared, storage_stage

RUNNING = ("accepted", "running", "creating", "updating", "deploying")
SAS_DAYS = 365
WRITE_SAS_MINUTES = 60  # the upload's SAS: one Put Blob, retries included
SAS_TIME = "%Y-%m-%dT%H:%M:%SZ"


def stage_package(
    ctx: OpContext, session: ArmApi, prepared: Prepared, *, new_group: bool = False
) -> Prepared:
    """``prepared`` with ``dscPackageSasToken`` set, once the package is in the account
    (``new_group``: the group was just created, so the account is not there yet)."""
    spec, package = prepared.spec, package_of(prepared.spec)
    account, created = _storage_account(ctx, session, prepared, new_group)
    ca_bundle = ctx.env.ca_bundle
    key = session.held_storage_key(account.id)
    if key is not None:  # the run lease read it: its Blob SDK signs, no request added
        signed = _stage_with_key(ctx, account, spec.name, key, package, ca_bundle, created)
        params = {**prepared.parameters, "dscPackageSasToken": {"value": signed}}
        return dataclasses.replace(prepared, parameters=params)
    from cmgdeploy.services.azure.blobsas import blob_url, held_md5, sas_parameters

    url = blob_url(str(account.blob_endpoint), CONTAINER, BLOB)
    where = f"{CONTAINER}/{BLOB} of storage account {spec.name}"
    now = dt.datetime.now(dt.UTC)
    expiry = (now + dt.timedelta(days=SAS_DAYS)).strftime(SAS_TIME)
    read = sas_parameters(spec.name, CONTAINER, BLOB, "r", expiry)
    sas: str | None = None
    held = None
    if not created:  # an account this run just deployed holds no package yet
        sas = session.service_sas(account.id, read)
        held = held_md5(url, sas, f"reading {where}", ca_bundle=ca_bundle)
    if held == package.content_md5:
        ctx.progress(f"the DSC package is already in {where} (same Content-MD5)")
    else:
        _put(session, account, spec.name, package, url, now, ca_bundle)
        ctx.progress(f"uploaded the DSC package to {where} ({len(package.data)} bytes)")
    if sas is None:
        sas = session.service_sas(account.id, read)
    params = {**prepared.parameters, "dscPackageSasToken": {"value": sas}}
    return dataclasses.replace(prepared, parameters=params)


def _stage_with_key(
    ctx: OpContext,
    account: StorageAccount,
    name: str,
    key: str,
    package: DscPackage,
    ca_bundle: str | None,
    created: bool,
) -> str:
    """The package put with the account key the run already holds (azure-storage-blob,
    loaded by the run lease); the read-only SAS signed with it."""
    from cmgdeploy.domain.redact import register_secret
    from cmgdeploy.services.azure.blob import read_sas, upload_if_changed

    where = f"{CONTAINER}/{BLOB} of storage account {name}"
    endpoint = str(account.blob_endpoint)
    if upload_if_changed(endpoint, name, key, CONTAINER, BLOB, package.data, package.content_md5,
                         ca_bundle=ca_bundle, new_account=created):  # fmt: skip
        ctx.progress(f"uploaded the DSC package to {where} ({len(package.data)} bytes)")
    else:
        ctx.progress(f"the DSC package is already in {where} (same Content-MD5)")
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=SAS_DAYS)
    sas = read_sas(name, key, CONTAINER, BLOB, expiry)
    register_secret(sas)
    return sas


def _put(
    session: ArmApi,
    account: StorageAccount,
    name: str,
    package: DscPackage,
    url: str,
    now: dt.datetime,
    ca_bundle: str | None,
) -> None:
    """Put the package with a write SAS valid for :data:`WRITE_SAS_MINUTES`; a container
    deleted from an existing account by hand is made again with the account's key (a
    blob SAS cannot make one), through the Blob SDK."""
    from cmgdeploy.services.azure.blobsas import put_block_blob, sas_parameters

    where = f"{CONTAINER}/{BLOB} of storage account {name}"
    expiry = (now + dt.timedelta(minutes=WRITE_SAS_MINUTES)).strftime(SAS_TIME)
    sas = session.service_sas(account.id, sas_parameters(name, CONTAINER, BLOB, "w", expiry))
    try:
        put_block_blob(url, sas, package.data, package.content_md5, f"uploading {where}",
                       ca_bundle=ca_bundle)  # fmt: skip
    except AzureError as exc:
        if exc.code != "ContainerNotFound":
            raise
        from cmgdeploy.services.azure.blob import upload_if_changed

        key = session.storage_key(account.id)
        upload_if_changed(str(account.blob_endpoint), name, key, CONTAINER, BLOB, package.data,
                          package.content_md5, ca_bundle=ca_bundle, new_account=True)  # fmt: skip


def _storage_account(
    ctx: OpContext, session: ArmApi, prepared: Prepared, new_group: bool
) -> tuple[StorageAccount, bool]:
    """The CMG's storage account, deploying the template's storage stage if needed; and
    whether this run created it."""
    spec = prepared.spec
    account = None if new_group else session.storage_account(spec.resource_group, spec.name)
    if account is not None and _ready(account):
        return account, False
    # The package's container and the run lease's are made by the stage itself.
    from cmgdeploy.services.lease import CONTAINER as LEASE_CONTAINER

    stage = storage_stage(prepared.template, (CONTAINER, LEASE_CONTAINER))
    name = f"{prepared.deployment}-storage"
    # A run stopped while this stage ran left it running: follow it (ARM refuses to
    # overwrite an active deployment), else start it. A new group has none to read.
    dep = None if new_group else session.get_deployment(spec.resource_group, name)
    if (deployment_state(dep) or "").lower() in RUNNING:
        ctx.progress(f"attaching to running deployment {name}")
    else:
        ctx.progress(f"starting deployment {name} (the storage account, for the DSC package)")
        session.begin_deployment(
            spec.resource_group, name, stage.body, select_declared(stage, prepared.parameters)
        )
    # Its outputs are not needed: the account itself is read next (blob endpoint).
    wait_for_deployment(ctx, session, spec.resource_group, name, spec.name, outputs=False)
    account = session.storage_account(spec.resource_group, spec.name)
    if account is None or not _ready(account):
        raise AzureError(
            f"storage account {spec.name} is not ready after deployment {name}",
            code="StorageAccountNotReady",
            target=account.id if account else spec.name,
        )
    return account, True


def _ready(account: StorageAccount) -> bool:
    return account.provisioning_state == "Succeeded"
