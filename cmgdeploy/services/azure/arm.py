"""Resource Manager calls cmgdeploy makes, over the official SDK clients.

:class:`ArmSession` builds every client with the environment's Resource Manager URL,
token scope and CA bundle; SDK exceptions become :mod:`cmgdeploy.domain.errors` (ARM
code, message, target, details). What callers read comes back as the frozen views of
:mod:`cmgdeploy.domain.arm_views` (parsed by :mod:`.views`); :class:`.api.ArmApi` lists
the calls. An ArmSession is a context manager: leaving the block closes its clients and
connections.
Retries of one HTTP call (429/5xx/resets/expired token) are :class:`.retry.RetryPolicy`,
installed in place of azure-core's own; waits for long operations are the caller's
polling loop (see ``docs/ARCHITECTURE.md``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from cmgdeploy.domain.arm_views import (
    DeletedVault,
    Deployment,
    DeploymentOperation,
    GroupResource,
    Instance,
    PublicIp,
    ResourceGroup,
    ScaleSet,
    Started,
    StorageAccount,
    Subscription,
    WhatIfChange,
)
from cmgdeploy.domain.errors import AzureError, WaitTimeout
from cmgdeploy.services.azure import views
from cmgdeploy.services.azure.envtypes import EnvironmentLike, arm_scope, transport_kwargs
from cmgdeploy.services.azure.retry import RetryPolicy, RetrySettings, operation_remaining
from cmgdeploy.services.azure.retry import parse_retry_after as parse_retry_after
from cmgdeploy.services.azure.translate import translate

T = TypeVar("T")

# api-versions for the raw calls (ARM accepts any supported version).
SUBSCRIPTIONS_API = "2022-12-01"
PROVIDERS_API = "2021-04-01"
STORAGE_API = "2023-05-01"
KEYVAULT_API = "2023-07-01"
RESOURCES_API = "2021-04-01"  # resource groups, deployments, resource lists
SKUS_API = "2021-07-01"  # Microsoft.Compute/skus
COMPUTE_API = "2024-07-01"  # scale sets and their VMs
NETWORK_API = "2024-05-01"  # checkDnsNameAvailability, public IP addresses
# Fallback api-version for generic GET/DELETE by id when the type is not known.
GENERIC_API = "2021-04-01"
# Without Retry-After azure-core waits polling_interval (30 s default) between polls.
SDK_POLLING_INTERVAL = 1


def plain(model: Any) -> dict[str, Any]:
    """An SDK model (or dict) as ARM's JSON wire shape."""
    if model is None:
        return {}
    if isinstance(model, dict):
        return model
    as_dict = getattr(model, "as_dict", None)
    return dict(as_dict()) if as_dict else dict(model)


@contextlib.contextmanager
def _azure_call(doing: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        translated = translate(exc, doing=doing)
        if translated is exc:
            raise
        raise translated from None


def _is_not_found(exc: Exception) -> bool:
    from azure.core.exceptions import ResourceNotFoundError

    return isinstance(exc, ResourceNotFoundError)


class ArmSession:
    """One signed-in subscription in one environment."""

    def __init__(self, env: EnvironmentLike, credential: Any, subscription_id: str) -> None:
        self.env = env
        self.credential = credential
        self.subscription_id = subscription_id
        self._clients: dict[str, Any] = {}
        self.retry_settings = RetrySettings()  # bounds of our per-call retries
        # Status URL and first Retry-After of each deployment this ArmSession started.
        self._started: dict[tuple[str, str], Started] = {}
        self._lock = threading.Lock()  # threads of a fleet run share this ArmSession
        self._storage: dict[str, StorageAccount] = {}  # Succeeded storage accounts read
        self._keys: dict[str, str] = {}  # their keys (listKeys)

    def use_subscription(self, subscription_id: str) -> None:
        """Switch to ``subscription_id``: the typed clients are bound to one (rebuilt when
        next used); the raw pipeline is not (kept, with its connection)."""
        with self._lock:
            typed = {k: c for k, c in self._clients.items() if k != "pipeline"}
            for kind, client in typed.items():
                with contextlib.suppress(Exception):
                    client.close()
                del self._clients[kind]
        self.subscription_id = subscription_id

    @property
    def _sub_path(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    # -- clients -------------------------------------------------------------------
    def _client_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.env.resource_manager,
            "credential_scopes": [arm_scope(self.env)],
            "polling_interval": SDK_POLLING_INTERVAL,
            # Ours replaces azure-core's RetryPolicy: one layer retries one call.
            "retry_policy": RetryPolicy(self.retry_settings),
            **transport_kwargs(self.env),
        }

    def _client(self, kind: str) -> Any:
        with self._lock:
            if kind not in self._clients:
                self._clients[kind] = self._build(kind)
            return self._clients[kind]

    def _build(self, kind: str) -> Any:
        sub = self.subscription_id or "00000000-0000-0000-0000-000000000000"
        return _client_class(kind)(self.credential, sub, **self._client_kwargs())

    def _call(self, doing: str, fn: Callable[[], T]) -> T:
        with _azure_call(doing):
            return fn()

    def _pipeline(self) -> Any:
        """One bare ARM pipeline (no generated SDK client) for every raw call: the token
        policy, our retry policy and one connection pool, shared by all threads."""
        with self._lock:
            if "pipeline" not in self._clients:
                self._clients["pipeline"] = _pipeline_client(
                    self.env, self.credential, self.retry_settings
                )
            return self._clients["pipeline"]

    def _send(
        self,
        method: str,
        url: str,
        doing: str,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Send one request; the response (any status), transport errors translated."""
        from azure.core.rest import HttpRequest

        client = self._pipeline()
        request = HttpRequest(method, client.format_url(url), params=params, json=body)
        with _azure_call(doing):
            return client.send_request(request)

    def _answer(self, response: Any, doing: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, headers) of a successful response; an ARM error raised."""
        if response.status_code >= 400:
            from azure.core.exceptions import HttpResponseError
            from azure.mgmt.core.exceptions import ARMErrorFormat

            with _azure_call(doing):
                raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        data = response.json() if response.content else {}
        return response.status_code, data, dict(response.headers)

    def raw(
        self, method: str, path: str, api_version: str, body: Any = None, **params: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """A call without a typed client: (status, JSON body, headers); errors raised."""
        doing = f"{method} {path}"
        response = self._send(method, path, doing, body, {"api-version": api_version, **params})
        return self._answer(response, doing)

    def _read(
        self, path: str, api_version: str, doing: str, **params: str
    ) -> dict[str, Any] | None:
        """GET ``path``; None when it is not there (404), other errors raised."""
        response = self._send("GET", path, doing, None, {"api-version": api_version, **params})
        if response.status_code == 404:
            return None
        return self._answer(response, doing)[1]

    def _list(self, path: str, api_version: str, doing: str, **params: str) -> list[dict[str, Any]]:
        """Every item of an ARM list (``nextLink`` followed)."""
        data = self.raw("GET", path, api_version, **params)[1]
        found: list[dict[str, Any]] = []
        while True:
            found += list(data.get("value") or [])
            link = data.get("nextLink")
            if not link:
                return found
            data = self._get_url(str(link), doing)[1]

    # -- subscriptions and locations -------------------------------------------------
    def list_subscriptions(self) -> list[Subscription]:
        """Subscriptions the credential sees."""
        values = self.raw("GET", "/subscriptions", SUBSCRIPTIONS_API)[1].get("value", [])
        return [views.subscription(v) for v in values]

    def get_subscription(self) -> Subscription:
        path = f"/subscriptions/{self.subscription_id}"
        return views.subscription(self.raw("GET", path, SUBSCRIPTIONS_API)[1])

    def list_locations(self) -> list[str]:
        """Names of the regions of the subscription (``westeurope``...)."""
        path = f"/subscriptions/{self.subscription_id}/locations"
        values = self.raw("GET", path, SUBSCRIPTIONS_API)[1].get("value", [])
        return [str(v.get("name", "")).lower() for v in values]

    # -- compute skus ----------------------------------------------------------------
    def vm_size_offer(self, region: str, size: str) -> tuple[str | None, tuple[str, ...]]:
        """(None when ``size`` is offered in ``region`` for this subscription, else why not;
        the HyperV generations it boots, from the SKU capability ``HyperVGenerations``).

        A SKU without that capability is taken as Generation 1 only: every Azure size
        boots Generation 1 images, and Generation 2 is the one that needs support."""
        path = f"{self._sub_path}/providers/Microsoft.Compute/skus"
        skus = self._list(
            path, SKUS_API, "listing VM sizes", **{"$filter": f"location eq '{region}'"}
        )
        for sku in skus:
            if sku.get("resourceType") == "virtualMachines" and sku.get("name") == size:
                return _restriction_reason(sku, region), _hyperv_generations(sku)
        return f"{size} is not offered in {region}", ()

    # -- providers -----------------------------------------------------------------
    def provider_state(self, namespace: str) -> str:
        """``Registered``, ``Registering`` or ``NotRegistered``."""
        path = f"/subscriptions/{self.subscription_id}/providers/{namespace}"
        return str(self.raw("GET", path, PROVIDERS_API)[1].get("registrationState", ""))

    def register_provider(self, namespace: str) -> str:
        path = f"/subscriptions/{self.subscription_id}/providers/{namespace}/register"
        return str(self.raw("POST", path, PROVIDERS_API)[1].get("registrationState", ""))

    # -- resource groups -------------------------------------------------------------
    def _group_path(self, name: str) -> str:
        return f"{self._sub_path}/resourcegroups/{name}"

    def get_group(self, name: str) -> ResourceGroup | None:
        found = self._read(self._group_path(name), RESOURCES_API, f"reading resource group {name}")
        return views.resource_group(found) if found is not None else None

    def ensure_group(self, name: str, region: str, tags: dict[str, str]) -> ResourceGroup:
        body = {"location": region, "tags": tags}
        return views.resource_group(self.raw("PUT", self._group_path(name), RESOURCES_API, body)[1])

    def delete_group(self, name: str, timeout: float | None = None) -> bool:
        """Delete group ``name``; False when ``timeout`` seconds passed first (Azure goes on)."""
        groups = self._client("resource").resource_groups
        return self._call(
            f"deleting resource group {name}", lambda: _wait(groups.begin_delete(name), timeout)
        )

    def list_group_resources(self, group: str, missing_ok: bool = False) -> list[GroupResource]:
        """The group's resources with their provisioning state; [] for a group that does
        not exist when ``missing_ok`` (else its ResourceGroupNotFound is raised)."""
        path = f"{self._group_path(group)}/resources"
        doing = f"listing resources of {group}"
        params = {"api-version": RESOURCES_API, "$expand": "provisioningState"}
        response = self._send("GET", path, doing, None, params)
        if missing_ok and response.status_code == 404:
            return []
        return [views.group_resource(r) for r in self._pages(response, doing)]

    def _pages(self, response: Any, doing: str) -> list[dict[str, Any]]:
        """Every item of a list ``response`` and of its next pages (``nextLink``)."""
        data = self._answer(response, doing)[1]
        found = list(data.get("value") or [])
        while data.get("nextLink"):
            data = self._get_url(str(data["nextLink"]), doing)[1]
            found += list(data.get("value") or [])
        return found

    def tagged_groups(self, tag: str, value: str) -> list[ResourceGroup]:
        """The subscription's resource groups tagged ``tag=value``."""
        path = f"{self._sub_path}/resourcegroups"
        found = self._list(path, RESOURCES_API, "listing resource groups by tag",
                           **{"$filter": _tag_filter(tag, value)})  # fmt: skip
        return [views.resource_group(g) for g in found]

    def tagged_resources(self, tag: str, value: str) -> list[GroupResource]:
        """The subscription's resources tagged ``tag=value``."""
        path = f"{self._sub_path}/resources"
        found = self._list(path, RESOURCES_API, "listing resources by tag",
                           **{"$filter": _tag_filter(tag, value)})  # fmt: skip
        return [views.group_resource(r) for r in found]

    def delete_resource(
        self, rid: str, api_version: str = GENERIC_API, timeout: float | None = None
    ) -> bool:
        """Delete one resource and wait (the SDK poller honours Retry-After); False when
        ``timeout`` seconds passed first (the deletion goes on in Azure). Gone → True."""
        res = self._client("resource").resources
        try:
            return _wait(res.begin_delete_by_id(rid, api_version=api_version), timeout)
        except Exception as exc:
            if not _is_not_found(exc):
                raise translate(exc, doing=f"deleting {rid}") from None
            return True

    # -- storage accounts (the run lease and the DSC package share them) -------------------
    def storage_account(self, group: str, name: str) -> StorageAccount | None:
        """Storage account ``name`` of ``group``; a Succeeded one is kept by this ArmSession
        (its endpoints do not change), so the run lease and the package upload read it once."""
        rid = f"{self._group_path(group)}/providers/Microsoft.Storage/storageAccounts/{name}"
        key = rid.lower()
        with self._lock:
            kept = self._storage.get(key)
        if kept is not None:
            return kept
        # A raw call: no generated client (and its import) for one GET.
        found = self._read(rid, STORAGE_API, f"reading storage account {rid}")
        if found is None:
            return None
        account = views.storage_account({"id": rid, **found})
        if account.provisioning_state == "Succeeded":
            with self._lock:
                self._storage[key] = account
        return account

    def storage_key(self, rid: str) -> str:
        """The first key of storage account ``rid`` (``listKeys``), read once per ArmSession;
        registered as a secret."""
        from cmgdeploy.domain.redact import register_secret

        key = rid.lower()
        with self._lock:
            kept = self._keys.get(key)
        if kept is not None:
            return kept
        keys = self.raw("POST", f"{rid}/listKeys", STORAGE_API)[1].get("keys") or []
        if not keys:
            raise AzureError(f"listKeys of {rid} returned no key", code="NoStorageKey", target=rid)
        value = str(keys[0]["value"])
        register_secret(value)
        with self._lock:
            self._keys[key] = value
        return value

    # -- soft-deleted key vaults -----------------------------------------------------
    def list_deleted_vaults(self) -> list[DeletedVault]:
        """The subscription's soft-deleted key vaults."""
        path = f"{self._sub_path}/providers/Microsoft.KeyVault/deletedVaults"
        found = self._list(path, KEYVAULT_API, "listing deleted key vaults")
        return [views.deleted_vault(v) for v in found]

    def purge_deleted_vault(self, location: str, name: str, timeout: float | None = None) -> bool:
        """Purge soft-deleted vault ``name`` (frees its name) and wait for the operation;
        False when ``timeout`` seconds passed first. Already gone → True."""
        path = (
            f"{self._sub_path}/providers/Microsoft.KeyVault/locations/{location}"
            f"/deletedVaults/{name}/purge"
        )
        try:
            status, _, headers = self.raw("POST", path, KEYVAULT_API)
        except AzureError as err:
            if err.code in ("ResourceNotFound", "NotFound"):
                return True
            raise
        url = _header(headers, "Location")
        if status != 202 or not url:
            return True
        return self._follow(url, f"purging deleted key vault {name}", timeout)

    def _get_url(self, url: str, doing: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """GET an absolute URL the service handed out (nextLink, Location, status URL)."""
        return self._answer(self._send("GET", url, doing), doing)

    def _follow(self, url: str, doing: str, timeout: float | None) -> bool:
        """Poll an operation's ``Location`` until it is no longer 202 (Retry-After
        honoured); False when ``timeout`` seconds passed first."""
        import time

        from cmgdeploy.services.azure.retry import poll_delay

        end = time.monotonic() + (timeout if timeout is not None else 3600.0)
        attempt = 0
        while True:
            status, _, headers = self._get_url(url, doing)
            if status != 202:
                return True
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            retry_after = parse_retry_after(_header(headers, "Retry-After"))
            time.sleep(poll_delay(attempt, retry_after, remaining))
            attempt += 1

    # -- name checks ---------------------------------------------------------------
    def check_storage_name(self, name: str) -> tuple[bool, str]:
        path = f"{self._sub_path}/providers/Microsoft.Storage/checkNameAvailability"
        body = {"name": name, "type": "Microsoft.Storage/storageAccounts"}
        return _availability(self.raw("POST", path, STORAGE_API, body)[1])

    def check_vault_name(self, name: str) -> tuple[bool, str]:
        path = f"{self._sub_path}/providers/Microsoft.KeyVault/checkNameAvailability"
        body = {"name": name, "type": "Microsoft.KeyVault/vaults"}
        return _availability(self.raw("POST", path, KEYVAULT_API, body)[1])

    def check_dns_label(self, region: str, label: str) -> bool:
        path = (
            f"{self._sub_path}/providers/Microsoft.Network/locations/{region}"
            "/CheckDnsNameAvailability"
        )
        body = self.raw("GET", path, NETWORK_API, domainNameLabel=label)[1]
        return bool(body.get("available"))

    # -- deployments -----------------------------------------------------------------
    def _deployment_path(self, group: str, name: str) -> str:
        return f"{self._group_path(group)}/providers/Microsoft.Resources/deployments/{name}"

    def get_deployment(self, group: str, name: str) -> Deployment | None:
        """Deployment ``name`` of ``group``; None when it (or the group) does not exist."""
        return self.find_deployment(group, name)[0]

    def find_deployment(self, group: str, name: str) -> tuple[Deployment | None, bool]:
        """(the deployment or None, whether ``group`` exists): one GET answers both —
        ARM says ``ResourceGroupNotFound`` or ``DeploymentNotFound``."""
        doing = f"reading deployment {name}"
        response = self._send(
            "GET", self._deployment_path(group, name), doing, None, {"api-version": RESOURCES_API}
        )
        if response.status_code == 404:
            code = _error_code(response)
            return None, code != "ResourceGroupNotFound"
        return views.deployment(self._answer(response, doing)[1]), True

    def list_deployments(self, group: str) -> list[Deployment]:
        """The deployments of ``group``."""
        path = f"{self._group_path(group)}/providers/Microsoft.Resources/deployments"
        found = self._list(path, RESOURCES_API, f"listing deployments of {group}")
        return [views.deployment(d) for d in found]

    def begin_deployment(
        self, group: str, name: str, template: dict[str, Any], parameters: dict[str, Any]
    ) -> None:
        """PUT the deployment and return at once; the caller polls its status URL (the
        ``Azure-AsyncOperation`` answer, kept in :attr:`started`) for the server's
        Retry-After."""
        body = _deployment_body(template, parameters)
        path = self._deployment_path(group, name)
        _, _, headers = self.raw("PUT", path, RESOURCES_API, body)
        started = Started(
            status_url=_header(headers, "Azure-AsyncOperation"),
            retry_after=parse_retry_after(_header(headers, "Retry-After")),
        )
        with self._lock:
            self._started[(group.lower(), name)] = started

    def started(self, group: str, name: str) -> Started | None:
        """What the PUT of deployment ``name`` answered, when this ArmSession sent it."""
        with self._lock:
            return self._started.get((group.lower(), name))

    def poll_status(self, url: str, name: str) -> tuple[str, float | None]:
        """One look at an operation status URL: (status, Retry-After seconds)."""
        _, body, headers = self._get_url(url, f"reading the status of deployment {name}")
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return str(body.get("status") or ""), retry_after

    def poll_deployment(self, group: str, name: str) -> tuple[Deployment | None, float | None]:
        """The deployment and the server's Retry-After (seconds) if it sent one."""
        doing = f"reading deployment {name}"
        response = self._send(
            "GET", self._deployment_path(group, name), doing, None, {"api-version": RESOURCES_API}
        )
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if response.status_code == 404:
            return None, retry_after
        return views.deployment(self._answer(response, doing)[1]), retry_after

    def deployment_operations(self, group: str, name: str) -> list[DeploymentOperation]:
        path = f"{self._group_path(group)}/deployments/{name}/operations"
        found = self._list(path, RESOURCES_API, f"listing operations of deployment {name}")
        return [views.deployment_operation(op) for op in found]

    def what_if(
        self, group: str, name: str, template: dict[str, Any], parameters: dict[str, Any]
    ) -> list[WhatIfChange]:
        """ARM what-if of the deployment: one change per resource, with its property
        changes."""
        body = _deployment_body(template, parameters)
        deps = self._client("deployments").deployments
        poller = self._call(
            f"what-if of deployment {name}", lambda: deps.begin_what_if(group, name, body)
        )
        if not self._call(
            f"what-if of deployment {name}", lambda: _wait(poller, operation_remaining())
        ):
            raise WaitTimeout(
                f"what-if of deployment {name} did not finish in time",
                hint="run it again with a longer --timeout",
            )
        result = plain(poller.result())
        changes = (result.get("properties") or result).get("changes") or []
        return [views.what_if_change(c) for c in changes]

    # -- compute and network reads -----------------------------------------------------
    def _vmss_path(self, group: str, name: str) -> str:
        return (
            f"{self._group_path(group)}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"
        )

    def get_vmss(self, group: str, name: str) -> ScaleSet | None:
        found = self._read(self._vmss_path(group, name), COMPUTE_API, f"reading scale set {name}")
        return views.scale_set(found) if found is not None else None

    def vmss_instances(self, group: str, name: str) -> list[Instance]:
        """The scale set's VMs with their instance view; [] when the scale set is gone."""
        path = f"{self._vmss_path(group, name)}/virtualMachines"
        doing = f"listing instances of {name}"
        response = self._send(
            "GET", path, doing, None, {"api-version": COMPUTE_API, "$expand": "instanceView"}
        )
        if response.status_code == 404:
            return []
        return [views.instance(i, name) for i in self._pages(response, doing)]

    def get_public_ip(self, group: str, name: str) -> PublicIp | None:
        path = f"{self._group_path(group)}/providers/Microsoft.Network/publicIPAddresses/{name}"
        found = self._read(path, NETWORK_API, f"reading public IP {name}")
        return views.public_ip(found) if found is not None else None

    def close(self) -> None:
        """Close every client and the raw pipeline (their connection pools)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()

    def __enter__(self) -> ArmSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _header(headers: dict[str, str], name: str) -> str | None:
    """A response header by name, whatever its case."""
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _wait(poller: Any, timeout: float | None) -> bool:
    """Wait for an SDK poller up to ``timeout`` s; True when it finished (errors raised)."""
    poller.wait(timeout)
    if not poller.done():
        return False
    poller.result()  # raises the operation's error, if any
    return True


def _pipeline_client(env: EnvironmentLike, credential: Any, settings: RetrySettings) -> Any:
    """An ARM pipeline without a generated client: the policies of one (request id,
    user agent, our retry, the bearer token with its claims challenges, logging), not its
    models and operations — importing those costs more than the calls that need them."""
    from azure.core import PipelineClient
    from azure.core.pipeline import policies

    pipeline_policies = [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(sdk_moniker="cmgdeploy"),
        policies.ProxyPolicy(),
        policies.ContentDecodePolicy(),
        policies.RedirectPolicy(),
        RetryPolicy(settings),  # ours, before the token policy: a retry gets a fresh token
        policies.BearerTokenCredentialPolicy(credential, arm_scope(env)),
        policies.CustomHookPolicy(),
        policies.NetworkTraceLoggingPolicy(),
        policies.HttpLoggingPolicy(),
    ]
    return PipelineClient(
        base_url=env.resource_manager, policies=pipeline_policies, **transport_kwargs(env)
    )


def _error_code(response: Any) -> str:
    """ARM's error code in a failed response's body ("" when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(((body or {}).get("error") or {}).get("code") or "")


def _client_class(kind: str) -> Any:
    if kind == "resource":
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient
    if kind == "deployments":
        from azure.mgmt.resource.deployments import DeploymentsMgmtClient

        return DeploymentsMgmtClient
    if kind == "compute":
        from azure.mgmt.compute import ComputeManagementClient

        return ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient

    return NetworkManagementClient


def _tag_filter(tag: str, value: str) -> str:
    return f"tagName eq '{tag}' and tagValue eq '{value}'"


def _deployment_body(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {"mode": "Incremental", "template": template, "parameters": parameters}}


def _availability(body: dict[str, Any]) -> tuple[bool, str]:
    available = bool(body.get("nameAvailable"))
    return available, str(body.get("message") or body.get("reason") or "")


def _hyperv_generations(sku: dict[str, Any]) -> tuple[str, ...]:
    """``("V1", "V2")`` from the capability ``HyperVGenerations`` (``"V1,V2"``)."""
    for cap in sku.get("capabilities") or []:
        if str(cap.get("name", "")).lower() == "hypervgenerations":
            return tuple(g.strip().upper() for g in str(cap.get("value", "")).split(",") if g)
    return ("V1",)


def _restriction_reason(sku: dict[str, Any], region: str) -> str | None:
    for restriction in sku.get("restrictions") or []:
        if restriction.get("type") == "Location":
            code = restriction.get("reasonCode", "NotAvailableForSubscription")
            return f"{sku.get('name')} is restricted in {region} ({code})"
    return None
