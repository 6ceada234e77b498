"""What a deployment is made of, computed locally before any Azure call: certificate,
template, parameters (with the generated VM password) and the site rules."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.arm_views import GroupResource
from cmgdeploy.domain.errors import InputError
from cmgdeploy.domain.redact import register_secret
from cmgdeploy.services import site
from cmgdeploy.services.certs import ServerCertificate
from cmgdeploy.services.cmgstate import (
    VMSS_TYPE,
)
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.dscpackage import DscPackage, missing_package_error
from cmgdeploy.services.servercert import server_certificate
from cmgdeploy.services.spec import CmgSpec, with_package
from cmgdeploy.services.template import (
    PackageRef,
    Template,
    build_parameters,
    deployment_name,
    load_template,
    select_declared,
    validate_parameters,
)


@dataclass(frozen=True)
class Prepared:
    """Everything computed locally before any Azure call (parameters hold secrets)."""

    spec: CmgSpec
    template: Template
    parameters: dict[str, Any] = dataclasses.field(repr=False)
    deployment: str
    site_config: site.SiteConfig
    certificate: ServerCertificate | None = None  # the server certificate deployed


def prepare(ctx: OpContext, spec: CmgSpec, *, keep_cert: bool = True) -> Prepared:
    """Certificate, template, parameters and site rules, all checked locally
    (``keep_cert=False``, plan: a new lab certificate is not kept)."""
    if spec.site_code is None:  # the CMG belongs to a site: its code is on every site record
        raise InputError(
            "site_code",
            None,
            "a value is required: give --site-code, CMGDEPLOY_SITE_CODE or site_code in the "
            "config file",
        )
    spec = with_package(spec, ctx.env.name)
    cert, notes = server_certificate(spec, ctx.home, ctx.env.public_ip_suffix, keep=keep_cert)
    for note in [*spec.warnings, *notes, *site.site_warnings(spec)]:
        ctx.warnings.add(note)
    admin_password = generate_admin_password()
    template = load_template()
    package = package_of(spec)
    ref = PackageRef(package.script, package.function, package.sha256)
    params = build_parameters(spec, cert, admin_password, ctx.env, ref, spec.image_sku)
    params = select_declared(template, params)
    validate_parameters(template, params)
    name = deployment_name(spec.name, spec.input_hash(), template)
    return Prepared(spec, template, params, name, site.plan_site(spec, cert), cert)


def package_of(spec: CmgSpec) -> DscPackage:
    """The DSC package of a spec :func:`prepare` settled (``with_package``)."""
    if spec.package is None:
        raise missing_package_error(spec.environment)
    return spec.package


def generate_admin_password() -> str:
    """A fresh VM admin password per deployment: never printed, logged or stored.

    Nobody signs in to CMG VMs; Azure only requires one. Mixed classes, 32 characters.
    """
    password = "Aa1!" + secrets.token_urlsafe(28)
    register_secret(password)
    return password


def scale_set_principal(resources: list[GroupResource]) -> str:
    """The managed identity (principal id) of the CMG's scale set among ``resources``
    (a group listing, which carries each resource's ``identity``); "" when none."""
    for res in resources:
        if res.type.lower() == VMSS_TYPE:
            return res.principal_id
    return ""


def with_principal(prepared: Prepared, principal: str) -> Prepared:
    """``prepared`` with the existing scale set's identity as a template parameter, so a
    redeployed vault keeps that identity's access policy (a vault PUT replaces them)."""
    if not principal or "scaleSetPrincipalId" not in prepared.template.declared:
        return prepared
    params = {**prepared.parameters, "scaleSetPrincipalId": {"value": principal}}
    return dataclasses.replace(prepared, parameters=params)
