"""The CMG's ARM template: loading, parameters from a spec, local validation, naming.

The template lives in ``arm_templates/cmg.json`` at the top of the repository;
``cmgdeploy/arm_templates`` links to that directory, so an editable install reads it in
place and a wheel (``pip install .``, ``pipx install .``) carries it as package data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmgdeploy.domain import settings as settings_table
from cmgdeploy.domain.errors import CmgError, InputError

if TYPE_CHECKING:
    from cmgdeploy.services.certs import ServerCertificate
    from cmgdeploy.services.local import ResolvedEnvironment
    from cmgdeploy.services.spec import CmgSpec

TEMPLATE_FILE = "cmg.json"
ADMIN_USERNAME = "cmgadmin"
MANAGED_BY_TAG = ("managed-by", "cmgdeploy")
CMG_TAG = "cmgdeploy-cmg"

# Template parameter -> the option a user sets it with (for error messages).
# The template parameters that take a spec setting (the settings table's `parameter`).
PARAMETER_FIELDS = {str(r.parameter): r.key for r in settings_table.parameter_rows()}
SECURE_TYPES = ("securestring", "secureobject")


@dataclass(frozen=True)
class Template:
    """A loaded template and where it came from."""

    path: Path
    body: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.body, sort_keys=True).encode()).hexdigest()

    @property
    def declared(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("parameters") or {})

    def api_versions(self) -> dict[str, str]:
        """``{resource type (lower case): apiVersion}`` of the template's resources."""
        return {
            str(r.get("type", "")).lower(): str(r.get("apiVersion", ""))
            for r in self.body.get("resources") or []
        }


def template_dir() -> Path:
    """The directory holding ``cmg.json`` (installed package data, else the repo's)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "arm_templates", here.parent / "arm_templates"):
        if (candidate / TEMPLATE_FILE).is_file():
            return candidate
    raise CmgError(
        f"the ARM template {TEMPLATE_FILE} was not found next to the cmgdeploy package",
        code="TemplateMissing",
        hint="reinstall cmgdeploy (`pipx install .` or `pip install .` from a clone)",
    )


def load_template(path: Path | None = None) -> Template:
    """Load and parse the CMG template."""
    path = path or template_dir() / TEMPLATE_FILE
    try:
        return Template(path, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise CmgError(
            f"cannot read the ARM template {path}: {exc}", code="InvalidTemplate"
        ) from None


def cmg_tags(name: str, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """Tags on every resource cmgdeploy creates for CMG ``name`` (ours win over the user's)."""
    return {**dict(extra), MANAGED_BY_TAG[0]: MANAGED_BY_TAG[1], CMG_TAG: name}


@dataclass(frozen=True)
class PackageRef:
    """What the template needs of the uploaded DSC package (the SAS token is a secret)."""

    script: str
    function: str
    sha256: str
    sas_token: str = field(default="", repr=False)


def build_parameters(
    spec: CmgSpec,
    cert: ServerCertificate,
    admin_password: str,
    env: ResolvedEnvironment,
    package: PackageRef,
    image_sku: str,
) -> dict[str, Any]:
    """The deployment's parameters ``{name: {"value": ...}}`` for the template's own list."""
    from cmgdeploy.services.certs import key_vault_secret

    # A setting not given (None) leaves its parameter out: the template's default applies,
    # or validate_parameters names the setting to give.
    values: dict[str, Any] = {}
    for parameter, key in PARAMETER_FIELDS.items():
        value = settings_table.value_of(spec, key)
        if value is not None:
            values[parameter] = settings_table.shown(settings_table.row(key), value)
    values |= {
        "imageSku": image_sku,
        "serverCertificateSecret": key_vault_secret(cert),
        "dscPackageSasToken": package.sas_token,
        "dscPackageHash": package.sha256,
        "dscScript": package.script,
        "dscFunction": package.function,
        "adminUsername": ADMIN_USERNAME,
        "adminPassword": admin_password,
        "tags": cmg_tags(spec.name, tuple(spec.tags)),
        "storageSuffix": env.storage_suffix,
    }
    return {k: {"value": v} for k, v in values.items()}


def select_declared(template: Template, parameters: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters the template declares (it may not use all of ours)."""
    return {k: v for k, v in parameters.items() if k in template.declared}


def validate_parameters(template: Template, parameters: dict[str, Any]) -> None:
    """Check values against the template's declared constraints, before any Azure call."""
    for name, decl in template.declared.items():
        if name not in parameters:
            if "defaultValue" not in decl:
                raise InputError(_field(name), None, _required_hint(name))
            continue
        _check_one(name, decl, parameters[name].get("value"))


def _field(name: str) -> str:
    return PARAMETER_FIELDS.get(name, name)


def _check_one(name: str, decl: dict[str, Any], value: Any) -> None:
    kind = str(decl.get("type", "string")).lower()
    if value is None and "defaultValue" not in decl:
        raise InputError(_field(name), None, _required_hint(name))
    shown = "(secret)" if kind in SECURE_TYPES else value
    if not _type_ok(kind, value):
        raise InputError(_field(name), shown, f"a value of type {kind}")
    allowed = decl.get("allowedValues")
    if allowed is not None and value not in allowed:
        raise InputError(_field(name), shown, "one of " + ", ".join(map(str, allowed)))
    _check_range(name, decl, value, shown)


def _required_hint(name: str) -> str:
    """What to set for a required template parameter the inputs left empty."""
    field = PARAMETER_FIELDS.get(name)
    if field is None:
        return "a value (the template requires it)"
    row = settings_table.row(field)
    flag, env = row.flag_label, row.env_var
    return f"a value is required: give {flag}, {env} or {field} in the config file"


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("string", "securestring"):
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _check_range(name: str, decl: dict[str, Any], value: Any, shown: Any) -> None:
    low, high = decl.get("minValue"), decl.get("maxValue")
    if isinstance(value, int) and (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        raise InputError(_field(name), shown, f"an integer from {low} to {high}")
    low, high = decl.get("minLength"), decl.get("maxLength")
    if isinstance(value, str | list) and (
        (low is not None and len(value) < low) or (high is not None and len(value) > high)
    ):
        raise InputError(_field(name), shown, f"a length from {low} to {high}")


def deployment_name(cmg_name: str, input_hash: str, template: Template) -> str:
    """``cmgdeploy-<name>-<8 hex>``: the same inputs and template give the same name."""
    digest = hashlib.sha256(f"{input_hash}:{template.content_hash}".encode()).hexdigest()
    return f"cmgdeploy-{cmg_name}-{digest[:8]}"


STORAGE_TYPE = "Microsoft.Storage/storageAccounts"


def storage_stage(template: Template, containers: tuple[str, ...] = ()) -> Template:
    """The template's storage account alone, with the parameters and variables it uses,
    and blob ``containers`` in it (``blobServices/containers``, made by the deployment, so
    the package upload and the run lease need no Blob request to create them): deployed
    first, so the DSC package is in the account before the scale set needs it."""
    body = template.body
    resources = [r for r in body.get("resources") or [] if r.get("type") == STORAGE_TYPE]
    used = json.dumps(resources)
    variables = {
        k: v for k, v in (body.get("variables") or {}).items() if f"variables('{k}')" in used
    }
    used += json.dumps(variables)
    parameters = {k: v for k, v in template.declared.items() if f"parameters('{k}')" in used}
    for account in list(resources):
        resources += [_container(account, name) for name in containers]
    stage = {
        "$schema": body.get("$schema"),
        "contentVersion": body.get("contentVersion", "1.0.0.0"),
        "parameters": parameters,
        "variables": variables,
        "resources": resources,
        "outputs": {},
    }
    return Template(template.path, stage)


CONTAINER_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers"


def _container(account: dict[str, Any], name: str) -> dict[str, Any]:
    """A private blob container of the template's storage account ``account``."""
    account_name = str(account["name"]).removeprefix("[").removesuffix("]")
    return {
        "type": CONTAINER_TYPE,
        "apiVersion": account.get("apiVersion", "2023-05-01"),
        "name": f"[concat({account_name}, '/default/{name}')]",
        "dependsOn": [f"[resourceId('{STORAGE_TYPE}', {account_name})]"],
        "properties": {"publicAccess": "None"},
    }
