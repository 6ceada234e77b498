"""`cmgdeploy classic list|show`: read classic (Service Management) CMGs.

Operations take a :class:`~cmgdeploy.services.azure.classic.ClassicClient` and return frozen
results; they never print. A classic CMG is "Ready" when its production deployment
is Running with every role instance ReadyRole (what the console shows as Ready).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.errors import InputError, UsageError
from cmgdeploy.services.azure.classic import ClassicClient, ClassicService
from cmgdeploy.services.config import ManagementCertSettings, Setting


def classic_state(service: ClassicService) -> str:
    """Ready, NoDeployment, Deleting, or the deployment's status (e.g. Suspended, Running
    while some instance is still busy is reported as "Starting")."""
    if service.status == "Deleting":
        return "Deleting"
    dep = service.deployment
    if dep is None:
        return "NoDeployment"
    if dep.all_ready:
        return "Ready"
    return "Starting" if dep.status == "Running" else dep.status


@dataclass(frozen=True)
class ClassicSummary:
    """One classic hosted service as `classic list` shows it."""

    name: str
    fqdn: str
    region: str
    location: str
    state: str
    instances: int
    deployment: str | None

    @classmethod
    def of(cls, service: ClassicService) -> ClassicSummary:
        dep = service.deployment
        return cls(
            name=service.name,
            fqdn=service.fqdn,
            region=service.region,
            location=service.location,
            state=classic_state(service),
            instances=dep.instance_count if dep else 0,
            deployment=dep.name if dep else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ClassicListResult:
    subscription_id: str
    services: tuple[ClassicSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "services": [s.to_dict() for s in self.services],
        }


@dataclass(frozen=True)
class ClassicShowResult:
    subscription_id: str
    summary: ClassicSummary
    service: ClassicService

    @property
    def ready(self) -> bool:
        return self.summary.state == "Ready"

    def to_dict(self) -> dict[str, Any]:
        dep = self.service.deployment
        return {
            "subscription_id": self.subscription_id,
            **self.summary.to_dict(),
            "ready": self.ready,
            "status": self.service.status,
            "url": dep.url if dep else None,
            "role_instances": [i.to_dict() for i in dep.role_instances] if dep else [],
        }


def list_classic(client: ClassicClient) -> ClassicListResult:
    """Every hosted service of the subscription, each with its production deployment."""
    names = [s.name for s in client.list_hosted_services()]
    services = tuple(ClassicSummary.of(client.get_hosted_service(n)) for n in names)
    return ClassicListResult(client.subscription_id, services)


def show_classic(client: ClassicClient, name: str) -> ClassicShowResult:
    """One hosted service with its production deployment and role instances."""
    service = client.get_hosted_service(name)
    return ClassicShowResult(client.subscription_id, ClassicSummary.of(service), service)


# -- the one way to build a Service Management client (classic list/show, migrate) --------
def classic_subscription(op: Any, setting: Setting) -> str:
    """The classic subscription: the resolved ``subscription`` setting (--subscription >
    CMGDEPLOY_SUBSCRIPTION > the config file's) > the environment's own (local Azure);
    InputError if none."""
    from cmgdeploy.domain.validate import guid

    if setting.value in (None, ""):
        if op.env.subscription_id:
            return str(op.env.subscription_id)
        raise InputError(
            "subscription",
            None,
            "a subscription id: --subscription, CMGDEPLOY_SUBSCRIPTION or subscription in the "
            "config file",
        )
    return str(guid(setting.value, setting.source))


@contextlib.contextmanager
def open_classic_client(
    op: Any,
    settings: ManagementCertSettings | None,
    subscription: str,
    *,
    poll_interval: float = 1.0,
) -> Iterator[ClassicClient]:
    """A Service Management client for ``subscription``: the management certificate
    ``settings`` (--management-cert / CMGDEPLOY_MANAGEMENT_CERT / the config file),
    else (local Azure) its own; its password is registered for redaction before
    anything is read."""
    from cmgdeploy.domain.redact import register_secret
    from cmgdeploy.services.azure.classic import ManagementCertificate

    path = settings.path if settings else op.env.management_certificate
    if not path:
        raise UsageError(
            "give --management-cert (or CMGDEPLOY_MANAGEMENT_CERT / management_cert in the "
            "config file) for Service Management"
        )
    if not op.env.service_management:
        raise UsageError(
            f"the environment {op.env.name} has no Service Management URL",
            hint="add one with `cmgdeploy environments add ... --service-management URL`",
        )
    if not subscription:
        raise InputError("subscription", subscription, "a subscription id")
    password = settings.password if settings else None
    register_secret(password)
    with ManagementCertificate.load(path, password) as cert, ClassicClient(
        op.env.service_management, subscription, cert, op.env.ca_bundle,
        poll_interval=poll_interval,
    ) as client:  # fmt: skip
        yield client
