"""Template deployments at resource-group scope, and the driver that runs them.

A deployment is a document (collection ``deployments``, key = lower-cased id) that
holds everything needed to resume it: the template, the raw parameters, the scope,
the mode and one entry per planned resource with its state.  Nothing runs in the
background: :func:`advance` is called on every read of the deployment, its status,
its operations and of resources in its group, and moves the plan forward against
the clock inside one store transaction (so two server processes sharing a state
directory never start the same resource twice).

The timeline is the clock's, not the reader's: a resource starts when its last
dependency finished (the deployment's start for the first level) and finishes its
provisioning time later, so a deployment read every 0.1 s and one read every 2 s
finish at the same server time.  Reads only observe.

Nested inline deployments run as child deployments (see ``nested.py``); linked
templates are read from the local Blob service (``links.py``).

Not simulated: links to anywhere else (refused loudly), Key Vault parameter
references, ``onErrorDeployment`` rollback, subscription/management-group/tenant
scope deployments, ``$top`` paging.
"""

from __future__ import annotations

import secrets
import uuid
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from mocks.core import lro
from mocks.core.errors import ArmError, UnsupportedOperation
from mocks.core.registry import lookup
from mocks.templates import (
    DeploymentScope,
    TemplateError,
    Unresolved,
    is_nested_deployment,
    nested_request,
    parse_cli_body,
    prepare,
    template_hash,
)

from . import catalog, links, models, nested, vault_references
from .exceptions import (
    DeploymentActive,
    DeploymentCannotBeCancelled,
    DeploymentNotFound,
    DeploymentOperationNotFound,
    InvalidDeploymentMode,
    InvalidTemplate,
    InvalidTemplateDeployment,
    OperationNotFound,
)
from .provisioning import (
    ResourceRef,
    mark_deleting,
    resource_or_inline_child,
    type_of_id,
    write_resource,
)
from .views import deployment_body, iso_time, operations

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud
    from mocks.templates import PlannedResource, PreparedDeployment

COLLECTION = "deployments"
ACTIVE = {"Accepted", "Running"}
TERMINAL = {"Succeeded", "Failed", "Canceled"}
HISTORY_LIMIT = 800  # ARM's per-group limit
HISTORY_TRIM_TO = 700  # ARM trims automatically once past this many
DEPLOYMENT_FAILED = (
    "At least one resource deployment operation failed. Please list deployment operations "
    "for details. Please see https://aka.ms/arm-deployment-operations for usage details."
)


# -- ids, times -----------------------------------------------------------------------------
def deployment_id(sub: str, group: str, name: str) -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Resources/"
        f"deployments/{name}"
    )


def _operation_id() -> str:
    return secrets.token_hex(8).upper()


def _status_code(status: int) -> str:
    """ARM's statusCode text for an HTTP status: 409 -> 'Conflict'."""
    try:
        return HTTPStatus(status).phrase.replace(" ", "")
    except ValueError:
        return str(status)


# -- scope and template -----------------------------------------------------------------------
def template_environment(cloud: Cloud) -> dict[str, Any]:
    """What ``environment()`` returns inside a template (public-cloud suffixes)."""
    base = cloud.base_url
    return {
        "name": "AzureCloud",
        "gallery": "https://gallery.azure.com/",
        "graph": "https://graph.windows.net/",
        "portal": "https://portal.azure.com",
        "graphAudience": "https://graph.windows.net/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": base + "/metadata/vm-image-aliases",
        "resourceManager": base + "/",
        "authentication": {
            "loginEndpoint": base + "/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {
            "acrLoginServer": ".azurecr.io",
            "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "keyvaultDns": ".vault.azure.net",
            "sqlServerHostname": ".database.windows.net",
            "storage": "core.windows.net",
        },
    }


def _scope(cloud: Cloud, doc: dict[str, Any]) -> DeploymentScope:
    tenant = models.tenant_body(cloud)
    return DeploymentScope(
        subscription_id=doc["subscription"],
        tenant_id=cloud.identity.tenant_id,
        resource_group=doc["group"],
        resource_group_location=doc["group_location"],
        resource_group_tags=doc.get("group_tags") or {},
        deployment_name=doc["name"],
        environment=template_environment(cloud),
        tenant_display_name=tenant["displayName"],
        tenant_country_code=tenant["countryCode"],
        mode=doc["mode"],
        started=doc["started"],
        guid_seed=doc["status_op"],
        template_link=doc.get("template_link"),
    )


def link_fetcher(cloud: Cloud) -> Any:
    """``uri -> JSON document`` for linked templates on the local Blob service."""
    return lambda uri: links.fetch_json(cloud, uri)


def parse_request(raw: bytes, cloud: Cloud | None = None) -> dict[str, Any]:
    """The deployment request's ``properties`` (lenient about azure-cli's body); a
    ``templateLink``/``parametersLink`` on the local Blob service is read (``cloud``)."""
    try:
        body = parse_cli_body(raw)
    except TemplateError as exc:
        raise ArmError(exc.message, code="InvalidRequestContent") from exc
    except ValueError as exc:
        msg = f"The request content was invalid: {exc}"
        raise ArmError(msg, code="InvalidRequestContent") from exc
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise ArmError(
            "The request content was invalid and could not be deserialized: 'Required "
            "property 'properties' not found in JSON.'",
            code="InvalidRequestContent",
        )
    props = _resolve_links(props, cloud)
    mode = props.get("mode") or "Incremental"
    if mode not in ("Incremental", "Complete"):
        raise InvalidDeploymentMode(
            f"The deployment mode '{mode}' is not supported. Supported values: "
            "'Incremental', 'Complete'."
        )
    if not isinstance(props.get("template"), dict):
        raise InvalidTemplate("The template of the deployment is missing or is not an object.")
    return {**props, "mode": mode, "parameters": props.get("parameters") or {}}


def _shown_link(link: Any) -> dict[str, Any] | None:
    """``deployment().properties.templateLink``: the link without its SAS token."""
    if not isinstance(link, dict) or not isinstance(link.get("uri"), str):
        return None
    return {**link, "uri": link["uri"].split("?", 1)[0]}


def _resolve_links(props: dict[str, Any], cloud: Cloud | None) -> dict[str, Any]:
    out = dict(props)
    for key, target in (("templateLink", "template"), ("parametersLink", "parameters")):
        link = props.get(key)
        if not link:
            continue
        uri = link.get("uri") if isinstance(link, dict) else None
        document = links.fetch_json(cloud, uri) if cloud and isinstance(uri, str) else None
        if document is None:
            shown = str(uri or link).split("?", 1)[0]
            raise UnsupportedOperation(
                f"The local Azure only reads '{key}' from its own Blob service ('{shown}' is "
                "not on it): put the file there, or send it inline."
            )
        out[target] = document if target == "template" else document.get("parameters") or {}
    return out


def _prepare(cloud: Cloud, doc: dict[str, Any]) -> PreparedDeployment:
    # Key Vault references are read now, each time: their values are never stored.
    parameters = vault_references.resolve(cloud, doc["parameters"])
    return prepare(doc["template"], parameters, _scope(cloud, doc))


def validate_plan(cloud: Cloud, doc: dict[str, Any]) -> PreparedDeployment:
    """Preflight: the engine's checks and known namespaces.

    Provider registration is not checked: ARM registers the providers a template names
    when it deploys it (see :func:`register_template_providers`).
    """
    try:
        prepared = _prepare(cloud, doc)
        fetch = link_fetcher(cloud)
        nested.check_children(prepared, lambda req: child_scope(cloud, doc, req), fetch)
    except TemplateError as exc:
        raise ArmError(exc.message, code=exc.code, target=exc.target) from exc
    unknown = [r for r in prepared.resources if _namespace_unknown(r.type)]
    if unknown:
        raise InvalidTemplateDeployment(
            f"The template deployment '{doc['name']}' is not valid according to the "
            "validation procedure. See inner errors for details.",
            details=[_no_provider(r) for r in unknown],
        )
    return prepared


def child_scope(cloud: Cloud, doc: dict[str, Any], request: Any) -> DeploymentScope:
    """The scope a nested deployment's template sees (its own group and name)."""
    group = models.get_group(cloud, doc["subscription"], request.resource_group)
    child = {
        **doc,
        "group": group["name"],
        "group_location": group["location"],
        "group_tags": group.get("tags") or {},
        "name": request.name,
        "mode": request.mode,
    }
    return _scope(cloud, child)


def save_planned(cloud: Cloud, doc: dict[str, Any], prepared: PreparedDeployment) -> None:
    """Store a validated deployment with its plan (one entry per resource)."""
    doc["resources"] = _plan_entries(prepared)
    doc["display_parameters"] = prepared.parameters_for_display()
    _save(cloud, doc)
    _trim_history(cloud, doc["subscription"], doc["group"])


def register_template_providers(cloud: Cloud, sub: str, prepared: PreparedDeployment) -> None:
    """Register every namespace the template's resources use ("When you deploy an ARM
    template, resource providers defined in the template are registered automatically");
    the driver starts a resource only once its namespace is Registered."""
    namespaces = {r.type.split("/")[0] for r in prepared.resources}
    for namespace in sorted(namespaces):
        if catalog.canonical_namespace(namespace) is not None:
            models.register_provider(cloud, sub, namespace)


def _namespace_unknown(type_name: str) -> bool:
    from mocks.core import registry

    known = catalog.canonical_namespace(type_name.split("/")[0])
    return known is None and registry.lookup(type_name) is None


def _no_provider(res: PlannedResource) -> dict[str, Any]:
    return {
        "code": "NoRegisteredProviderFound",
        "target": res.id,
        "message": f"No registered resource provider found for type '{res.type}' and API "
        f"version '{res.api_version}'.",
    }


# -- the document -------------------------------------------------------------------------------
def new_doc(
    cloud: Cloud, sub: str, group: dict[str, Any], name: str, props: dict[str, Any]
) -> dict[str, Any]:
    """A fresh deployment document (state Accepted) for ``props`` (see parse_request);
    what-if builds one too, without saving it."""
    now = cloud.now()
    return {
        "id": deployment_id(sub, group["name"], name),
        "name": name,
        "subscription": sub,
        "group": group["name"],
        "group_location": group["location"],
        "group_tags": group.get("tags") or {},
        "template": props["template"],
        "parameters": props["parameters"],
        "mode": props["mode"],
        "correlation_id": "",
        "status_op": str(uuid.uuid4()),
        "started": now,
        "ended": None,
        "state": "Accepted",
        "template_hash": template_hash(props["template"]),
        "resources": [],
        "deletes": [],
        "outputs_op": None,
        "outputs": {},
        "error": None,
        "display_parameters": {},
        "echo": {k: props[k] for k in ("debugSetting", "onErrorDeployment") if k in props},
        "template_link": _shown_link(props.get("templateLink")),
    }


def _plan_entries(prepared: PreparedDeployment) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "type": type_of_id(r.id),
            "name": r.name,
            "api_version": r.api_version,
            "depends_on": list(r.depends_on),
            "symbolic": r.symbolic,
            "state": "Pending",
        }
        for r in prepared.resources
    ]


def _load(cloud: Cloud, sub: str, group: str, name: str) -> dict[str, Any] | None:
    return cloud.store.doc_get(COLLECTION, deployment_id(sub, group, name))


def _save(cloud: Cloud, doc: dict[str, Any]) -> None:
    cloud.store.doc_put(COLLECTION, doc["id"], doc)


# -- public operations -----------------------------------------------------------------------
def create_or_update(
    cloud: Cloud, sub: str, group_name: str, name: str, raw: bytes, correlation_id: str = ""
) -> tuple[dict[str, Any], bool]:
    """PUT a deployment: validate, store, start.  Returns (document, created)."""
    group = models.require_group_writable(cloud, sub, group_name)
    props = parse_request(raw, cloud)
    with cloud.store.tx():
        existing = advance(cloud, sub, group["name"], name)
        if existing and existing["state"] in ACTIVE:
            raise DeploymentActive(name, iso_time(existing["started"]))
        doc = new_doc(cloud, sub, group, name, props)
        doc["correlation_id"] = correlation_id or str(uuid.uuid4())
        prepared = validate_plan(cloud, doc)
        register_template_providers(cloud, sub, prepared)
        save_planned(cloud, doc, prepared)
    return advance(cloud, sub, group["name"], name) or doc, existing is None


def validate(cloud: Cloud, sub: str, group_name: str, name: str, raw: bytes) -> dict[str, Any]:
    """POST …/validate: the would-be deployment with provisioningState Succeeded."""
    group = models.require_group_writable(cloud, sub, group_name)
    props = parse_request(raw, cloud)
    doc = new_doc(cloud, sub, group, name, props)
    try:
        prepared = validate_plan(cloud, doc)
    except ArmError as exc:
        raise ValidationFailed(exc) from exc
    doc["resources"] = _plan_entries(prepared)
    doc["display_parameters"] = prepared.parameters_for_display()
    doc.update(state="Succeeded", ended=doc["started"])
    body = deployment_body(doc)
    body["properties"]["validatedResources"] = [{"id": r["id"]} for r in doc["resources"]]
    return body


class ValidationFailed(Exception):
    """Validate answers 400 with a DeploymentValidateResult carrying ``error``."""

    def __init__(self, error: ArmError) -> None:
        super().__init__(error.message)
        self.error = error


def get(cloud: Cloud, sub: str, group_name: str, name: str) -> dict[str, Any]:
    models.get_group(cloud, sub, group_name)
    doc = advance(cloud, sub, group_name, name)
    if doc is None:
        raise DeploymentNotFound(name)
    return doc


def list_group(cloud: Cloud, sub: str, group_name: str) -> list[dict[str, Any]]:
    group = models.get_group(cloud, sub, group_name)
    advance_group(cloud, sub, group["name"])
    docs = [doc for _k, doc in cloud.store.doc_list(COLLECTION, _group_prefix(sub, group_name))]
    return sorted(docs, key=lambda d: d["started"])


def list_operations(cloud: Cloud, sub: str, group_name: str, name: str) -> list[dict[str, Any]]:
    """``GET …/deployments/{name}/operations``: one per started resource, delete, outputs."""
    return operations(get(cloud, sub, group_name, name), cloud.now())


def get_operation(cloud: Cloud, sub: str, group_name: str, name: str, op_id: str) -> dict[str, Any]:
    """One deployment operation by id (404 DeploymentOperationNotFound)."""
    for op in list_operations(cloud, sub, group_name, name):
        if op["operationId"].lower() == op_id.lower():
            return op
    raise DeploymentOperationNotFound(op_id)


def resource_ref(cloud: Cloud, sub: str, group_name: str, rest: str) -> ResourceRef:
    """A by-id resource path in an existing group (404 ResourceGroupNotFound), with the
    group's running deployments advanced first so reads see what they have made."""
    ref = ResourceRef.parse(sub, group_name, rest)
    ref.group = models.get_group(cloud, ref.subscription, ref.group)["name"]
    advance_group(cloud, ref.subscription, ref.group)
    return ref


def cancel(cloud: Cloud, sub: str, group_name: str, name: str) -> None:
    """POST …/cancel: Accepted/Running -> Canceled; running resources finish alone."""
    with cloud.store.tx():
        doc = get(cloud, sub, group_name, name)
        if doc["state"] not in ACTIVE:
            raise DeploymentCannotBeCancelled(name, doc["state"])
        doc.update(state="Canceled", ended=cloud.now())
        _save(cloud, doc)


def delete(cloud: Cloud, sub: str, group_name: str, name: str) -> dict[str, Any] | None:
    """DELETE: removes the record (not the resources); None when it did not exist.

    A deployment still Accepted/Running is refused (409 DeploymentActive), as in ARM.
    """
    models.get_group(cloud, sub, group_name)
    with cloud.store.tx():
        doc = advance(cloud, sub, group_name, name)
        if doc is None:
            return None
        if doc["state"] in ACTIVE:
            raise DeploymentActive(name, iso_time(doc["started"]), action="delete")
        cloud.store.doc_delete(COLLECTION, doc["id"])
    return lro.start(
        cloud,
        kind="deployment-delete",
        subscription_id=sub,
        namespace="Microsoft.Resources",
        location=doc["group_location"],
        target_id=doc["id"],
    )


def forget_group(cloud: Cloud, sub: str, group_name: str) -> None:
    """The group is going away: its deployment history goes with it."""
    with cloud.store.tx():
        for key, _doc in cloud.store.doc_list(COLLECTION, _group_prefix(sub, group_name)):
            cloud.store.doc_delete(COLLECTION, key)


def _group_prefix(sub: str, group_name: str) -> str:
    return deployment_id(sub, group_name, "")


def _trim_history(cloud: Cloud, sub: str, group_name: str) -> None:
    docs = [d for _k, d in cloud.store.doc_list(COLLECTION, _group_prefix(sub, group_name))]
    if len(docs) <= HISTORY_TRIM_TO:
        return
    done = sorted((d for d in docs if d["state"] in TERMINAL), key=lambda d: d["started"])
    for doc in done[: len(docs) - HISTORY_TRIM_TO]:
        cloud.store.doc_delete(COLLECTION, doc["id"])


# -- the driver ----------------------------------------------------------------------------------
def advance_group(cloud: Cloud, sub: str, group_name: str) -> None:
    """Advance every active deployment of a group (called on reads of its resources)."""
    for _key, doc in cloud.store.doc_list(COLLECTION, _group_prefix(sub, group_name)):
        if doc["state"] in ACTIVE:
            advance(cloud, sub, doc["group"], doc["name"])


def advance(cloud: Cloud, sub: str, group_name: str, name: str) -> dict[str, Any] | None:
    """Move a deployment forward against the clock; returns the (saved) document."""
    with cloud.store.tx():
        doc = _load(cloud, sub, group_name, name)
        if doc is None or doc["state"] not in ACTIVE:
            return doc
        _Driver(cloud, doc).run()
        _save(cloud, doc)
        return doc


class _Driver:
    """One pass of the state machine over a deployment document (in a transaction)."""

    def __init__(self, cloud: Cloud, doc: dict[str, Any]) -> None:
        self.cloud = cloud
        self.doc = doc
        self._prepared: PreparedDeployment | None = None

    @property
    def prepared(self) -> PreparedDeployment:
        if self._prepared is None:
            self._prepared = _prepare(self.cloud, self.doc)
        return self._prepared

    def run(self) -> None:
        self.doc["state"] = "Running"
        try:
            while self._settle_running() | self._start_ready():
                pass
            self._finish_if_done()
        except (TemplateError, ArmError) as exc:  # the template stopped evaluating mid-way
            self._fail_deployment(exc.to_error())

    # resources ---------------------------------------------------------------------------
    def _settle_running(self) -> bool:
        changed = False
        for entry in [*self.doc["resources"], *self.doc["deletes"]]:
            if entry["state"] == "Running":
                changed |= self._settle(entry)
        return changed

    def _settle(self, entry: dict[str, Any]) -> bool:
        if entry["operation"] == "Create" and is_nested_deployment(entry["type"]):
            return self._settle_nested(entry)
        body = self.cloud.store.resource_get(entry["id"])
        if entry["operation"] == "Delete":
            if body is not None:
                return False
            return self._finish(entry, "Succeeded", "OK")
        if body is None:
            err = {"code": "ResourceNotFound", "message": f"'{entry['id']}' was deleted."}
            return self._finish(entry, "Failed", "NotFound", err)
        state = body.get("properties", {}).get("provisioningState")
        if state == "Succeeded":
            code = "Created" if entry["created"] else "OK"
            return self._finish(entry, "Succeeded", code, at=entry.get("ready_at"))
        if state == "Failed":
            err = {"code": "ResourceDeploymentFailure", "message": "Provisioning failed."}
            return self._finish(entry, "Failed", "Conflict", err)
        return False

    def _settle_nested(self, entry: dict[str, Any]) -> bool:
        child = nested.child_state(self.cloud, entry)
        if child is None:
            err = {"code": "DeploymentNotFound", "message": f"'{entry['id']}' was deleted."}
            return self._finish(entry, "Failed", "NotFound", err)
        if child["state"] == "Succeeded":
            return self._finish(entry, "Succeeded", "Created", at=child["ended"])
        if child["state"] in ("Failed", "Canceled"):
            err = child.get("error") or {"code": "DeploymentFailed", "message": child["state"]}
            return self._finish(entry, "Failed", "BadRequest", err, at=child["ended"])
        return False

    def _finish(
        self,
        entry: dict[str, Any],
        state: str,
        code: str,
        error: dict[str, Any] | None = None,
        at: float | None = None,
    ) -> bool:
        ended = self.cloud.now() if at is None else min(at, self.cloud.now())
        entry.update(state=state, status_code=code, error=error, ended=ended)
        return True

    def _blocked(self) -> bool:
        return self.doc["state"] != "Running" or any(
            e["state"] == "Failed" for e in self.doc["resources"]
        )

    def _start_ready(self) -> bool:
        if self._blocked():
            return False
        states = {e["id"].lower(): e["state"] for e in self.doc["resources"]}
        started = False
        for entry in self.doc["resources"]:
            deps = [states.get(d.lower(), "Succeeded") for d in entry["depends_on"]]
            ready = entry["state"] == "Pending" and all(s == "Succeeded" for s in deps)
            if ready and self._provider_registered(entry):
                self._start(entry)
                started = True
                if self._blocked():
                    break
        return started

    def _provider_registered(self, entry: dict[str, Any]) -> bool:
        # Waits out the registration register_template_providers started.
        namespace = entry["type"].split("/")[0]
        state = models.provider_state(self.cloud, self.doc["subscription"], namespace)
        return state == "Registered" or catalog.canonical_namespace(namespace) is None

    def _start_time(self, entry: dict[str, Any]) -> float:
        """When the plan reached ``entry``: its last dependency's end (or the start)."""
        ends = {e["id"].lower(): e.get("ended") for e in self.doc["resources"]}
        times = [self.doc["started"]] + [
            ends[d.lower()] for d in entry["depends_on"] if ends.get(d.lower()) is not None
        ]
        namespace = entry["type"].split("/")[0]
        registered = models.provider_registered_at(self.cloud, self.doc["subscription"], namespace)
        if registered is not None:
            times.append(registered)  # it waited for its provider's registration
        return min(max(times), self.cloud.now())

    def _start(self, entry: dict[str, Any]) -> None:
        at = self._start_time(entry)
        entry.update(
            state="Running", operation="Create", operation_id=_operation_id(),
            started=at, created=False,
        )  # fmt: skip
        fault = self.cloud.faults.take_targeted("fail_deployment", entry["type"])
        if fault is not None:
            self._finish(entry, "Failed", "Conflict", {**fault, "target": entry["id"]}, at=at)
            return
        try:
            if is_nested_deployment(entry["type"]):
                self._start_nested(entry, at)
                return
            requested = self.prepared.evaluate_resource(self._planned(entry), self._resolver)
            ref = ResourceRef.from_id(entry["id"])
            _body, created = write_resource(self.cloud, ref, requested, at=at)
        except ArmError as exc:
            err = {**exc.to_error(), "target": entry["id"]}
            self._finish(entry, "Failed", _status_code(exc.status), err, at=at)
            return
        except Unresolved as exc:
            err = {"code": "ResourceNotFound", "message": f"'{exc.resource_id}' not found."}
            self._finish(entry, "Failed", "NotFound", err, at=at)
            return
        entry["created"] = created
        entry["ready_at"] = at + self.cloud.provisioning_seconds(entry["type"])
        self._settle(entry)

    def _start_nested(self, entry: dict[str, Any], at: float) -> None:
        try:
            planned = self._planned(entry)
            request = nested_request(
                self.prepared, planned, self._resolver, link_fetcher(self.cloud)
            )
        except TemplateError as exc:
            raise ArmError(exc.message, code=exc.code, target=entry["id"]) from exc
        nested.start_child(self.cloud, self.doc, request, at)
        entry["created"] = True
        self._settle(entry)

    def _planned(self, entry: dict[str, Any]) -> PlannedResource:
        for res in self.prepared.resources:
            if res.id.lower() == entry["id"].lower():
                return res
        raise TemplateError(f"The resource '{entry['id']}' is no longer in the template.")

    def _reference(self, rid: str, api_version: str | None, full: bool) -> dict[str, Any]:
        if nested.is_deployment_id(rid):
            return nested.deployment_reference(self.cloud, rid, full)
        body = resource_or_inline_child(self.cloud, rid)
        if body is None:
            raise Unresolved(rid)
        return body if full else dict(body.get("properties") or {})

    @property
    def _resolver(self) -> RuntimeResolver:
        return RuntimeResolver(self.cloud, self._reference)

    # completion ----------------------------------------------------------------------------
    def _finish_if_done(self) -> None:
        entries = self.doc["resources"]
        if any(e["state"] == "Running" for e in [*entries, *self.doc["deletes"]]):
            return
        failed = [e for e in entries if e["state"] == "Failed"]
        if failed:
            self._fail_deployment(_deployment_failed(failed))
        elif self.doc["state"] == "Running" and all(e["state"] == "Succeeded" for e in entries):
            if self.doc["mode"] == "Complete" and not self.doc.get("deletes_started"):
                self._start_complete_mode_deletes()
                return
            self._evaluate_outputs()

    def _start_complete_mode_deletes(self) -> None:
        self.doc["deletes_started"] = True
        keep = [rid.lower() for rid in self._deployed_ids(self.doc)]
        rows = models.list_group_resources(self.cloud, self.doc["subscription"], self.doc["group"])
        for body in rows:
            rid = body["id"].lower()
            if rid in keep or any(rid.startswith(k + "/") for k in keep):
                continue
            if body["properties"].get("provisioningState") == "Deleting":
                continue
            mark_deleting(self.cloud, body, self.cloud.provisioning_seconds(body["type"]))
            self.doc["deletes"].append(_delete_entry(self.cloud, body))
        self._settle_running()
        self._finish_if_done()

    def _deployed_ids(self, doc: dict[str, Any]) -> list[str]:
        """The resources a deployment made, with those of its nested deployments."""
        ids = []
        for entry in doc["resources"]:
            ids.append(entry["id"])
            child = (
                nested.child_state(self.cloud, entry)
                if is_nested_deployment(entry["type"])
                else None
            )
            if child is not None:
                ids += self._deployed_ids(child)
        return ids

    def _evaluate_outputs(self) -> None:
        try:
            outputs = self.prepared.evaluate_outputs(self._resolver)
        except Unresolved as exc:
            raise TemplateError(f"The resource '{exc.resource_id}' was not found.") from exc
        now = self._last_end()
        self.doc.update(outputs=outputs, state="Succeeded", ended=now)
        self.doc["outputs_op"] = {"operation_id": _operation_id(), "started": now, "ended": now}

    def _last_end(self) -> float:
        """When the plan's last operation ended (the deployment's own end time)."""
        entries = [*self.doc["resources"], *self.doc["deletes"]]
        ends = [e["ended"] for e in entries if e.get("ended")]
        return min(max([self.doc["started"], *ends]), self.cloud.now())

    def _fail_deployment(self, error: dict[str, Any]) -> None:
        self.doc.update(state="Failed", error=error, ended=self._last_end())


class RuntimeResolver:
    """What a template sees of the store at deployment time: ``reference()`` and the
    ``list*`` actions (answered by the resource type's ``invoke_action``)."""

    def __init__(self, cloud: Cloud, reference: Any) -> None:
        self.cloud = cloud
        self.reference = reference

    def __call__(self, rid: str, api_version: str | None, full: bool) -> dict[str, Any]:
        return dict(self.reference(rid, api_version, full))

    def list_action(self, rid: str, name: str, api_version: str, payload: Any) -> Any:
        body = self.cloud.store.resource_get(rid)
        if body is None:
            raise Unresolved(rid)
        rtype = lookup(body["type"])
        answer = rtype.invoke_action(self.cloud, body, name, payload) if rtype else None
        if answer is None:
            raise UnsupportedOperation(
                f"The local Azure does not support the template function '{name}' on "
                f"resource type '{body['type']}'."
            )
        return answer


def _delete_entry(cloud: Cloud, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": body["id"],
        "type": body["type"],
        "name": body["name"],
        "api_version": "",
        "depends_on": [],
        "symbolic": "",
        "state": "Running",
        "operation": "Delete",
        "operation_id": _operation_id(),
        "started": cloud.now(),
        "created": False,
    }


def _deployment_failed(failed: list[dict[str, Any]]) -> dict[str, Any]:
    details = []
    for entry in failed:
        err = dict(entry.get("error") or {"code": "Failed", "message": "Failed."})
        err.setdefault("target", entry["id"])
        details.append(err)
    return {"code": "DeploymentFailed", "message": DEPLOYMENT_FAILED, "details": details}


# -- status ------------------------------------------------------------------------------------
def status(cloud: Cloud, sub: str, group_name: str, name: str, op_id: str) -> dict[str, Any]:
    """``…/deployments/{name}/operationStatuses/{id}`` body; 404 for an id this
    deployment's current run did not hand out."""
    doc = get(cloud, sub, group_name, name)
    if op_id.lower() != doc["status_op"].lower():
        raise OperationNotFound(op_id)
    state = "Running" if doc["state"] in ACTIVE else doc["state"]
    body: dict[str, Any] = {"id": f"{doc['id']}/operationStatuses/{op_id}", "status": state}
    if doc.get("error"):
        body["error"] = doc["error"]
    return body


def status_url(cloud: Cloud, doc: dict[str, Any]) -> str:
    return (
        f"{cloud.base_url}{doc['id']}/operationStatuses/{doc['status_op']}?api-version=2025-04-01"
    )
