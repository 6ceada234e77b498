"""The DSC package's way into the CMG's storage account, before the scale set needs it.

The storage account is deployed first when it does not exist yet (the template's storage
account alone, deployment ``<deployment>-storage``); the package is then put there with
azure-storage-blob (skipped when the blob holds the same Content-MD5), and the main
deployment gets a read-only SAS for it. The SAS is made anew on every deployment, valid
for :data:`SAS_DAYS` days: a scale set instance created later (scale-out, reimage) reads
the package with it, and every ``up`` or ``scale`` renews it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from cmgdeploy.domain.arm_views import StorageAccount
from cmgdeploy.domain.errors import AzureError
from cmgdeploy.domain.redact import register_secret
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.cmgstate import deployment_state
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.dscpackage import BLOB, CONTAINER
from cmgdeploy.services.prepared import Prepared, package_of
from cmgdeploy.services.progress import wait_for_deployment
from cmgdeploy.services.template import select_declared, storage_stage

RUNNING = ("accepted", "running", "creating", "updating", "deploying")
SAS_DAYS = 365


def stage_package(
    ctx: OpContext, session: ArmApi, prepared: Prepared, *, new_group: bool = False
) -> Prepared:
    """``prepared`` with ``dscPackageSasToken`` set, once the package is in the account
    (``new_group``: the group was just created, so the account is not there yet)."""
    spec, package = prepared.spec, package_of(prepared.spec)
    account, created = _storage_account(ctx, session, prepared, new_group)
    endpoint = str(account.blob_endpoint)
    key = session.storage_key(account.id)  # read once per ArmSession; a registered secret
    from cmgdeploy.services.azure.blob import read_sas, upload_if_changed

    ca_bundle = ctx.env.ca_bundle
    where = f"{CONTAINER}/{BLOB} of storage account {spec.name}"
    data, md5 = package.data, package.content_md5
    if upload_if_changed(endpoint, spec.name, key, CONTAINER, BLOB, data, md5,
                         ca_bundle=ca_bundle, new_account=created):  # fmt: skip
        ctx.progress(f"uploaded the DSC package to {where} ({len(package.data)} bytes)")
    else:
        ctx.progress(f"the DSC package is already in {where} (same Content-MD5)")
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=SAS_DAYS)
    sas = read_sas(spec.name, key, CONTAINER, BLOB, expiry)
    register_secret(sas)
    params = {**prepared.parameters, "dscPackageSasToken": {"value": sas}}
    return dataclasses.replace(prepared, parameters=params)


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
    # Its outputs are not needed: the account itself is read next (blob endpoint). The
    # Blob SDK the upload needs is imported while the stage's Retry-After runs.
    from cmgdeploy.services.azure.blob import warm_up
    from cmgdeploy.services.warmup import later

    later("blob-sdk", warm_up)
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
