"""Option declarations shared by several commands, and the CMG spec options (up, plan,
migrate) declared once in :data:`SPEC_OPTIONS`."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from cmgdeploy.cli.session import Session, secret_prompt
from cmgdeploy.domain.errors import UsageError

NAME = typer.Option(
    None, "--name", help="CMG name (prefix): 3–24 lowercase letters/digits, a letter first."
)
REGION = typer.Option(None, "--region", help="Azure region, e.g. westeurope.")
RG = typer.Option(None, "--resource-group", help="Resource group (default <name>-cmg-rg).")
SUB = typer.Option(None, "--subscription", help="Subscription id (default: the only/default one).")
INSTANCES = typer.Option(None, "--instances", help="VM instances, 1–16 (default 1).")
VM_SIZE = typer.Option(
    None, "--vm-size", help="Standard_B2s | Standard_A2_v2 (default) | Standard_A4_v2."
)
IMAGE = typer.Option(
    None,
    "--image-sku",
    help="Windows Server image: 2022-datacenter (default, Generation 1) or "
    "2022-datacenter-azure-edition (Generation 2; not on Av2 sizes).",
)
PACKAGE = typer.Option(
    None,
    "--cmg-package",
    help="The site's CMG DSC package, <ConfigMgr install dir>\\inboxes\\cloudmgr.box\\"
    "cmgdsc.zip (env CMGDEPLOY_CMG_PACKAGE); -e local makes a stand-in without it.",
)
CERT = typer.Option(
    None,
    "--server-cert",
    help="Server certificate PFX (password: CMGDEPLOY_SERVER_CERT_PASSWORD or a prompt).",
)
SELF_SIGNED = typer.Option(
    None,
    "--self-signed-cert",
    help="Make a lab certificate with the right CN (clients must trust it).",
)
TRUSTED = typer.Option(None, "--trusted-ca", help="Trusted root/intermediate CA file (repeatable).")
SITE_CODE = typer.Option(None, "--site-code", help="ConfigMgr site code (3 characters).")
CRL = typer.Option(
    None,
    "--verify-client-revocation/--no-verify-client-revocation",
    help="The CMG checks client certificate revocation (default: on).",
)
TLS12 = typer.Option(
    None, "--enforce-tls12/--no-enforce-tls12", help="The CMG enforces TLS 1.2 (default: on)."
)
CONTENT = typer.Option(
    None,
    "--content-from-storage/--no-content-from-storage",
    help="The CMG serves content from Azure storage, as a cloud DP (default: off).",
)
CP = typer.Option(None, "--connection-point", help="CMG connection point server FQDN (repeatable).")
MP = typer.Option(
    None,
    "--management-point",
    help="Management point FQDN to enable for CMG traffic (repeatable); http://FQDN "
    "for an HTTP management point of an Enhanced HTTP site.",
)
SUP = typer.Option(
    None, "--software-update-point", help="Software update point FQDN to enable (repeatable)."
)
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
NO_WAIT = typer.Option(False, "--no-wait", help="Return once Azure accepted the deployment.")
TIMEOUT = typer.Option(3600.0, "--timeout", help="Seconds to wait before exit 4 (Azure continues).")
WAIT_LOCK = typer.Option(
    False,
    "--wait-lock",
    help="If another run holds this CMG's lock, wait for it (up to --timeout) instead of exit 5.",
)


@dataclass(frozen=True)
class SpecOption:
    """One option of the CMG spec (up, plan): its parameter, type, Typer option and the
    key :func:`cmgdeploy.services.spec.load_spec` reads it under."""

    param: str
    annotation: Any
    option: Any
    key: str


SPEC_OPTIONS = (
    SpecOption("name", str, NAME, "name"),
    SpecOption("region", str, REGION, "region"),
    SpecOption("resource_group", str, RG, "resource_group"),
    SpecOption("subscription", str, SUB, "subscription"),
    SpecOption("instances", int, INSTANCES, "instances"),
    SpecOption("vm_size", str, VM_SIZE, "vm_size"),
    SpecOption("image_sku", str, IMAGE, "image_sku"),
    SpecOption("cmg_package", str, PACKAGE, "cmg_package"),
    SpecOption("server_cert", str, CERT, "server_cert"),
    SpecOption("self_signed_cert", bool, SELF_SIGNED, "self_signed_cert"),
    SpecOption("trusted_ca", list[str], TRUSTED, "trusted_cas"),
    SpecOption("verify_client_revocation", bool, CRL, "verify_client_revocation"),
    SpecOption("enforce_tls12", bool, TLS12, "enforce_tls12"),
    SpecOption("content_from_storage", bool, CONTENT, "content_from_storage"),
    SpecOption("site_code", str, SITE_CODE, "site_code"),
    SpecOption("connection_point", list[str], CP, "connection_points"),
    SpecOption("management_point", list[str], MP, "management_points"),
    SpecOption("software_update_point", list[str], SUP, "software_update_points"),
)


def with_spec_options(
    *overrides: SpecOption, skip: tuple[str, ...] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a Typer command the spec options (declared once, in :data:`SPEC_OPTIONS`).

    The command declares ``flags: dict`` where the options belong in --help and gets
    the given ones there, under their spec keys (as :func:`load_spec` wants them).
    ``overrides`` replace options of the same parameter (other help), ``skip`` drops
    some. Typer reads the published ``__signature__``.
    """
    replaced = {o.param: o for o in overrides}
    options = [replaced.get(o.param, o) for o in SPEC_OPTIONS if o.param not in skip]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        kw = inspect.Parameter.KEYWORD_ONLY
        params: list[inspect.Parameter] = []
        for p in inspect.signature(command, eval_str=True).parameters.values():
            if p.name != "flags":
                params.append(p.replace(kind=kw))
                continue
            params += [inspect.Parameter(o.param, kw, default=o.option, annotation=o.annotation)
                       for o in options]  # fmt: skip

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> None:
            given = {o.key: kwargs.pop(o.param) for o in options}
            command(flags=spec_flags(**given), **kwargs)

        del wrapper.__wrapped__  # typer must see the signature below, not the command's
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        setattr(wrapper, "__signature__", inspect.Signature(params))  # noqa: B010
        return wrapper

    return decorate


def spec_flags(**given: Any) -> dict[str, Any]:
    flags = {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in given.items()}
    return {k: v for k, v in flags.items() if v is not None and v != []}


def load_spec(s: Session, flags: dict[str, Any]) -> Any:
    from cmgdeploy.services.spec import load_spec as load

    flags["environment"] = s.environment_name()
    spec = load(flags, os.environ, s.config, password_prompt=secret_prompt())
    s.cmg_name = spec.name
    return spec


def name_of(s: Session, name: str | None) -> str:
    """The CMG name: --name, CMGDEPLOY_NAME or the config file, checked."""
    from cmgdeploy.domain.validate import cmg_name
    from cmgdeploy.services.config import resolve

    setting = resolve("name", {"name": name}, os.environ, s.config)
    if setting.value is None:
        raise UsageError("give --name (or CMGDEPLOY_NAME, or name in the config file)")
    s.cmg_name = str(cmg_name(setting.value, setting.source))
    return s.cmg_name
