"""Azure environments: the AzureEnvironments table (built-in clouds plus user-added rows).

Rows live in the site database; the built-ins are (re)written there on every open so
their values follow the code. ``local`` has no fixed URLs: they come from the running
local Azure (``cmgdeploy/services/local.py``) when the environment is resolved.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cmgdeploy.domain import validate
from cmgdeploy.domain.errors import InputError, UsageError

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{1,63}")
DEFAULT_ENVIRONMENT = "AzurePublicCloud"
LOCAL = "local"
RETAIL_PRICES = "https://prices.azure.com/api/retail/prices"
# ConfigMgr's CMG is offered in the public and US Government clouds only. Built-in rows
# outside that list stay in the table (their endpoints are real) but no CMG is deployed
# there; rows added by users point at clouds cmgdeploy cannot judge and are allowed.
CMG_CLOUDS = ("AzurePublicCloud", "AzureUSGovernmentCloud")
CMG_UNSUPPORTED_BUILTINS = frozenset({"azurechinacloud"})


@dataclass(frozen=True)
class AzureEnvironment:
    """One row of the AzureEnvironments table.

    ``audience`` is the token audience without a trailing slash, so the scope is
    ``audience + "/.default"``. Suffixes carry no leading dot. ``prices`` is the Azure
    Retail Prices API of the cloud (None: the cloud documents none).
    """

    name: str
    authority: str
    resource_manager: str
    service_management: str | None
    audience: str
    storage_suffix: str
    keyvault_suffix: str
    public_ip_suffix: str
    instance_discovery: bool = True
    ca_bundle: str | None = None
    is_builtin: bool = False
    prices: str | None = None
    graph: str | None = None  # Microsoft Graph endpoint, no trailing slash

    @property
    def cmg_supported(self) -> bool:
        """False for a built-in cloud where ConfigMgr offers no CMG (AzureChinaCloud)."""
        return not (self.is_builtin and self.name.lower() in CMG_UNSUPPORTED_BUILTINS)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cmg_supported": self.cmg_supported}


BUILTIN_ENVIRONMENTS: tuple[AzureEnvironment, ...] = (
    AzureEnvironment(
        name="AzurePublicCloud",
        authority="https://login.microsoftonline.com",
        resource_manager="https://management.azure.com/",
        service_management="https://management.core.windows.net/",
        audience="https://management.azure.com",
        storage_suffix="core.windows.net",
        keyvault_suffix="vault.azure.net",
        public_ip_suffix="cloudapp.azure.com",
        is_builtin=True,
        prices=RETAIL_PRICES,
        graph="https://graph.microsoft.com",
    ),
    AzureEnvironment(
        name="AzureUSGovernmentCloud",
        authority="https://login.microsoftonline.us",
        resource_manager="https://management.usgovcloudapi.net/",
        service_management="https://management.core.usgovcloudapi.net/",
        audience="https://management.usgovcloudapi.net",
        storage_suffix="core.usgovcloudapi.net",
        keyvault_suffix="vault.usgovcloudapi.net",
        public_ip_suffix="cloudapp.usgovcloudapi.net",
        is_builtin=True,
        # One global API: US Government regions are items in it (armRegionName usgov…).
        prices=RETAIL_PRICES,
        graph="https://graph.microsoft.us",
    ),
    AzureEnvironment(
        name="AzureChinaCloud",
        authority="https://login.chinacloudapi.cn",
        resource_manager="https://management.chinacloudapi.cn",
        service_management="https://management.core.chinacloudapi.cn/",
        audience="https://management.chinacloudapi.cn",
        storage_suffix="core.chinacloudapi.cn",
        keyvault_suffix="vault.azure.cn",
        public_ip_suffix="cloudapp.chinacloudapi.cn",
        is_builtin=True,
        # Azure operated by 21Vianet documents no Retail Prices API: estimate says so.
        prices=None,
        graph="https://microsoftgraph.chinacloudapi.cn",
    ),
    # URLs are filled in at run time from the local Azure's endpoint.json; the
    # suffixes are the public cloud's, which is what the local Azure imitates.
    AzureEnvironment(
        name=LOCAL,
        authority="",
        resource_manager="",
        service_management="",
        audience="",
        storage_suffix="core.windows.net",
        keyvault_suffix="vault.azure.net",
        public_ip_suffix="cloudapp.azure.com",
        instance_discovery=False,
        is_builtin=True,
    ),
)
BUILTIN_NAMES = frozenset(env.name.lower() for env in BUILTIN_ENVIRONMENTS)


def environment_name(value: Any, field_name: str = "environment") -> str:
    """A row name: a letter, then 1–63 letters, digits, ``_`` or ``-``."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise InputError(field_name, value, "a letter followed by 1–63 letters, digits, '_' or '-'")
    return value


def build_environment(
    name: str,
    *,
    authority: str,
    resource_manager: str,
    service_management: str | None = None,
    audience: str | None = None,
    storage_suffix: str = "core.windows.net",
    keyvault_suffix: str = "vault.azure.net",
    public_ip_suffix: str = "cloudapp.azure.com",
    ca_bundle: str | Path | None = None,
    instance_discovery: bool = True,
    prices: str | None = None,
    graph: str | None = None,
) -> AzureEnvironment:
    """Validate the options of ``environments add`` and build the row (not stored)."""
    environment_name(name, "name")
    if name.lower() in BUILTIN_NAMES:
        raise UsageError(f"{name} is a built-in environment and cannot be replaced")
    manager = validate.https_url(resource_manager, "--resource-manager")
    return AzureEnvironment(
        name=name,
        authority=validate.https_url(authority, "--authority").rstrip("/"),
        resource_manager=manager,
        service_management=(
            validate.https_url(service_management, "--service-management")
            if service_management
            else None
        ),
        audience=validate.https_url(audience or manager, "--audience").rstrip("/"),
        storage_suffix=validate.dns_suffix(storage_suffix, "--storage-suffix"),
        keyvault_suffix=validate.dns_suffix(keyvault_suffix, "--keyvault-suffix"),
        public_ip_suffix=validate.dns_suffix(public_ip_suffix, "--public-ip-suffix"),
        instance_discovery=instance_discovery,
        ca_bundle=str(validate.readable_file(ca_bundle, "--ca-bundle")) if ca_bundle else None,
        prices=validate.https_url(prices, "--prices") if prices else None,
        graph=validate.https_url(graph, "--graph").rstrip("/") if graph else None,
    )


def require_cmg_supported(env: Any) -> None:
    """Refuse (exit 2, before any request) a cloud where ConfigMgr offers no CMG.
    ``env`` is a row or a resolved environment (which carries its row)."""
    row = getattr(env, "row", env)
    if not row.cmg_supported:
        raise InputError(
            "environment",
            row.name,
            f"an environment where ConfigMgr offers a cloud management gateway: "
            f"{' or '.join(CMG_CLOUDS)} (or local, or a row added with environments add)",
        )
