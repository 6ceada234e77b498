"""`cmgdeploy classic list|show`: read classic (Service Management) CMGs.

Operations take a :class:`~cmgdeploy.azure.classic.ClassicClient` and return frozen
results; they never print. A classic CMG is "Ready" when its production deployment
is Running with every role instance ReadyRole (what the console shows as Ready).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmgdeploy.azure.classic import ClassicClient, ClassicService


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
    is_cmg: bool
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
            is_cmg=service.is_cmg,
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
            "site_code": self.service.extended_properties.get("ConfigMgrSiteCode"),
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
