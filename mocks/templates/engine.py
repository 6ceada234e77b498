"""The deployment plan: parameters, variables, resources (copy, condition, children,
dependencies, order) and outputs of one ARM template deployment.

Pure: no HTTP, no store.  ``prepare`` validates the template and parameters and
expands it into :class:`PlannedResource` entries in dependency order; the deployment
driver then asks :meth:`PreparedDeployment.evaluate_resource` for each body (with a
``reference()`` resolver over the store) and :meth:`evaluate_outputs` at the end.

A ``Microsoft.Resources/deployments`` resource is planned like any other; its inner
template is left to the child deployment (``nested.py``).  Language version 2.0
templates may give ``resources`` as an object of symbolic names.

Extension resources are placed on the resource their ``scope`` names (or, in the
older form, a type ``<type>/providers/<extension type>`` and name
``<resource>/<namespace>/<name>``).

Not simulated: symbolic-name ``reference()``, batch sizes of serial copy loops
(accepted, not enforced).  Implicit dependencies also
follow ``resourceId()`` (ARM only follows ``reference()``/``list*``): an
over-approximation that only makes the order stricter.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import params as _params
from . import user_functions as _user
from .errors import UNSUPPORTED, VALIDATION_PREFIX, TemplateError, Unresolved, validation_failed
from .evaluator import (
    STAGE_DISCOVERY,
    STAGE_PARAMETER_DEFAULT,
    STAGE_RUNTIME,
    STAGE_VALIDATION,
    Context,
    ReferenceResolver,
    copy_count,
    evaluate_node,
    evaluate_value,
    expand_copy_array,
    type_name,
)
from .expressions import Call, Literal, is_expression, parse_template_string, walk
from .functions import is_known_function, provider_path, unknown_function

# Resource keys that steer the engine rather than being part of the PUT body.
_CONTROL_KEYS = {
    "apiVersion",
    "dependsOn",
    "copy",
    "condition",
    "resources",
    "comments",
    "metadata",
    "resourceGroup",
    "subscriptionId",
    "name",
    "type",
    "existing",
    "scope",
    "__symbolicName",
}
_ID_FUNCTIONS = {"resourceid", "subscriptionresourceid", "extensionresourceid"}
RESOURCES_HELP = "Please see https://aka.ms/arm-template/#resources for usage details."


@dataclass
class DeploymentScope:
    """Where a deployment runs (resource-group scope) and what its functions see."""

    subscription_id: str
    tenant_id: str
    resource_group: str
    resource_group_location: str
    resource_group_tags: dict
    deployment_name: str
    environment: dict
    subscription_display_name: str = "Local Azure subscription"
    tenant_display_name: str = "Local Azure"
    tenant_country_code: str = "US"
    mode: str = "Incremental"
    template_link: dict | None = None
    deployment_location: str = ""
    # The deployment's start (epoch seconds): utcNow() reads it, so a template
    # evaluated again later in the same deployment sees the same time.
    started: float | None = None
    # Seeds newGuid(): the same deployment evaluates its defaults to the same GUIDs
    # however often the plan is rebuilt; another deployment gets other GUIDs.
    guid_seed: str = ""


@dataclass
class PlannedResource:
    """One resource instance of the template (after copy and condition)."""

    id: str
    type: str
    name: str
    api_version: str
    depends_on: list[str]
    symbolic: str


@dataclass
class _Instance:
    planned: PlannedResource
    raw: dict
    loops: dict[str, int]
    active: bool
    copy_name: str | None
    order: int
    parent_id: str | None
    explicit: list[str] = field(default_factory=list)


class PreparedDeployment:
    """A validated, expanded template deployment (see module docstring)."""

    def __init__(self, template: dict, parameters: dict, scope: DeploymentScope) -> None:
        self.template = template
        self.scope = scope
        self.supplied = parameters
        self.declared: dict = template.get("parameters") or {}
        self.parameters: dict[str, Any] = {}
        self._variables: dict[str, Any] = {}
        self._in_progress: set[str] = set()
        self._variable_id_cache: dict[str, set[str]] = {}
        self._instances: list[_Instance] = []
        self._by_id: dict[str, _Instance] = {}
        self.resources: list[PlannedResource] = []
        self.template_hash = template_hash(template)
        self._guids_given = 0
        self.user_functions: dict[str, dict] = {}

    def now(self) -> datetime.datetime:
        """The deployment's time for ``utcNow()`` (its start; the clock when unset)."""
        if self.scope.started is None:
            return datetime.datetime.now(datetime.UTC)
        return datetime.datetime.fromtimestamp(self.scope.started, datetime.UTC)

    def new_guid(self) -> str:
        """``newGuid()``: a random-looking v4 GUID, stable for this deployment's run."""
        self._guids_given += 1
        if not self.scope.guid_seed:
            return str(uuid.uuid4())
        seed = f"{self.scope.guid_seed}:{self._guids_given}".encode()
        digest = bytearray(hashlib.sha256(seed).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x40  # version 4
        digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
        return str(uuid.UUID(bytes=bytes(digest)))

    # --- parameters and variables ---------------------------------------------------

    def parameter_value(self, name: str) -> Any:
        """``parameters(name)``: the supplied value or the evaluated default."""
        declared = _find_key(self.declared, name)
        if declared is None:
            raise TemplateError(
                f"The template parameter '{name}' is not found. Please see "
                "https://aka.ms/arm-template/#parameters for usage details."
            )
        if declared not in self.parameters:
            self.parameters[declared] = self._resolve_parameter(declared)
        return self.parameters[declared]

    def _resolve_parameter(self, name: str) -> Any:
        definition = self.declared[name]
        given, value = _params.supplied_value(name, self.supplied)
        if not given:
            if "defaultValue" not in definition:
                raise _params.missing(name)
            value = self._guarded(
                "parameter",
                name,
                lambda: evaluate_value(
                    definition["defaultValue"], Context(self, STAGE_PARAMETER_DEFAULT)
                ),
            )
        return _params.check_value(name, definition, value)

    def variable_value(self, name: str) -> Any:
        """``variables(name)``, evaluated once."""
        key = self._variable_key(name)
        if key not in self._variables:
            self._variables[key] = self._guarded("variable", key, lambda: self._evaluate_var(key))
        return self._variables[key]

    def _variable_definitions(self) -> dict[str, Any]:
        variables = dict(self.template.get("variables") or {})
        loops = variables.pop("copy", None)
        if isinstance(loops, list):
            for loop in loops:
                if isinstance(loop, dict) and isinstance(loop.get("name"), str):
                    variables[loop["name"]] = {"copy": [loop]}
        elif loops is not None:
            variables["copy"] = loops
        return variables

    def _variable_key(self, name: str) -> str:
        key = _find_key(self._variable_definitions(), name)
        if key is None:
            raise TemplateError(
                f"The template variable '{name}' is not found. Please see "
                "https://aka.ms/arm-template/#variables for usage details."
            )
        return key

    def _evaluate_var(self, key: str) -> Any:
        definition = self._variable_definitions()[key]
        ctx = Context(self, STAGE_VALIDATION)
        if isinstance(definition, dict) and list(definition) == ["copy"]:
            loops = definition["copy"]
            if isinstance(loops, list) and len(loops) == 1 and loops[0].get("name") == key:
                return expand_copy_array(loops, ctx)[key]
        return evaluate_value(definition, ctx)

    def _guarded(self, what: str, name: str, compute: Any) -> Any:
        marker = f"{what}:{name.lower()}"
        if marker in self._in_progress:
            raise TemplateError(
                f"The template {what} '{name}' is not valid: circular reference detected."
            )
        self._in_progress.add(marker)
        try:
            return compute()
        finally:
            self._in_progress.discard(marker)

    # --- resources ------------------------------------------------------------------

    def resolve_reference_target(self, target: str) -> str:
        """``reference()``'s first argument → a resource id (bare names: template ones;
        ``Namespace/type/name`` in this deployment's resource group)."""
        if target.startswith("/"):
            return target
        relative = _relative_resource_id(target, self.scope)
        if relative is not None:
            return relative
        matches = [i for i in self._instances if i.planned.name.lower() == target.lower()]
        matches = matches or self._symbolic_instances(target)
        if not matches:
            raise TemplateError(
                f"The template reference '{target}' is not valid: could not find template "
                "resource or resource copy with this name. Please see "
                "https://aka.ms/arm-function-reference for usage details."
            )
        if len(matches) > 1:
            raise TemplateError(
                f"The template reference '{target}' is ambiguous: more than one template "
                "resource has this name. Use resourceId() to name the resource."
            )
        return matches[0].planned.id

    def _symbolic_instances(self, symbolic: str) -> list[_Instance]:
        """The instances of a languageVersion 2.0 resource (or copy loop) by symbolic name."""
        return [
            i
            for i in self._instances
            if SYMBOLIC_KEY in i.raw and i.planned.symbolic.lower() == symbolic.lower()
        ]

    def collection_ids(self, symbolic: str) -> list[str]:
        """``references(symbolicName)``: the ids of that resource collection's instances."""
        found = [i for i in self._symbolic_instances(symbolic) if i.active]
        if not found and not self._symbolic_instances(symbolic):
            raise TemplateError(
                f"The template reference '{symbolic}' is not valid: no resource collection "
                "has this symbolic name. Please see https://aka.ms/arm-function-references "
                "for usage details."
            )
        return [i.planned.id for i in found]

    def raw_of(self, res: PlannedResource) -> dict:
        """The template JSON a planned resource came from."""
        return self._instance(res).raw

    def loops_of(self, res: PlannedResource) -> dict[str, int]:
        """The copy-loop positions of a planned resource."""
        return self._instance(res).loops

    def _instance(self, res: PlannedResource) -> _Instance:
        instance = self._by_id.get(res.id.lower())
        if instance is None:
            raise TemplateError(f"The resource '{res.id}' is not part of this deployment.")
        return instance

    def evaluate_resource(self, res: PlannedResource, reference: ReferenceResolver) -> dict:
        """The body ARM would PUT for ``res``, with every expression evaluated."""
        instance = self._by_id.get(res.id.lower())
        if instance is None:
            raise TemplateError(f"The resource '{res.id}' is not part of this deployment.")
        ctx = Context(self, STAGE_RUNTIME, instance.loops, reference)
        body: dict[str, Any] = {"name": instance.planned.name, "type": instance.planned.type}
        try:
            for key, value in instance.raw.items():
                if key not in _CONTROL_KEYS:
                    body[key] = evaluate_value(_without_nested_template(res, key, value), ctx)
        except TemplateError as exc:
            raise TemplateError(
                f"Unable to process template language expressions for resource '{res.id}' at "
                f"line '1' and column '1'. '{exc.message}'",
                code=exc.code,
                target=res.id,
            ) from None
        return body

    def evaluate_outputs(self, reference: ReferenceResolver) -> dict:
        """``{name: {"type", "value"}}`` of the template's outputs (secure: no value)."""
        ctx = Context(self, STAGE_RUNTIME, {}, reference)
        out: dict[str, dict] = {}
        for name, definition in (self.template.get("outputs") or {}).items():
            try:
                entry = self._evaluate_output(name, definition, ctx)
            except TemplateError as exc:
                raise TemplateError(
                    f"Unable to evaluate template outputs: '{name}'. {exc.message}",
                    code=exc.code
                    if exc.code == UNSUPPORTED
                    else "DeploymentOutputEvaluationFailed",
                    target=name,
                ) from None
            if entry is not None:
                out[name] = entry
        return out

    def _evaluate_output(self, name: str, definition: dict, ctx: Context) -> dict | None:
        if not _as_bool(evaluate_value(definition.get("condition", True), ctx), name):
            return None
        kind = str(definition.get("type", "string")).lower()
        display = _params.DISPLAY_TYPES.get(kind, definition.get("type", "String"))
        if kind in ("securestring", "secureobject"):
            return {"type": display}
        copy = definition.get("copy")
        if isinstance(copy, dict):
            count = copy_count(evaluate_value(copy.get("count"), ctx), name)
            value: Any = [
                evaluate_value(copy.get("input"), ctx.with_loop(name, i)) for i in range(count)
            ]
        else:
            value = evaluate_value(definition.get("value"), ctx)
        if not (value is None and definition.get("nullable") is True):
            _params.check_output_type(name, kind, value)
        return {"type": display, "value": value}

    def parameters_for_display(self) -> dict:
        """``{name: {"type", "value"}}``; secure parameters show their type only."""
        out: dict[str, dict] = {}
        for name, definition in self.declared.items():
            kind = str(definition.get("type", "")).lower()
            entry: dict[str, Any] = {"type": _params.DISPLAY_TYPES.get(kind, kind)}
            if not _params.is_secure(definition):
                entry["value"] = self.parameters.get(name)
            out[name] = entry
        return out

    # --- building the plan ----------------------------------------------------------

    def build(self) -> None:
        """Validate and expand (called by :func:`prepare`)."""
        _check_template_shape(self.template)
        self.user_functions = _user.declarations(self.template)
        check_expressions(self.template)
        _check_user_functions(self.user_functions)
        _params.check_declarations(self.declared)
        _params.check_supplied_names(self.declared, self.supplied)
        for name in self.declared:
            self.parameter_value(name)
        for name in self._variable_definitions():
            self.variable_value(name)
        resources = template_resources(self.template)
        self._expand(resources, None, Context(self, STAGE_VALIDATION))
        self._link_dependencies()
        self.resources = [i.planned for i in _topological(self._instances) if i.active]

    def _expand(self, defs: Any, parent: _Instance | None, base: Context) -> None:
        if not isinstance(defs, list):
            raise TemplateError(f"The template 'resources' must be an array. {RESOURCES_HELP}")
        for raw in defs:
            if not isinstance(raw, dict) or not {"type", "name", "apiVersion"} <= raw.keys():
                raise TemplateError(
                    "The template resource is not valid: 'type', 'name' and 'apiVersion' are "
                    f"required. {RESOURCES_HELP}"
                )
            copy_name, contexts = _copy_contexts(raw, base)
            for ctx in contexts:
                instance = self._make_instance(raw, parent, ctx, copy_name)
                self._expand(raw.get("resources", []), instance, ctx)

    def _make_instance(
        self, raw: dict, parent: _Instance | None, ctx: Context, copy_name: str | None
    ) -> _Instance:
        name = _as_str(evaluate_value(raw["name"], ctx), "name")
        rtype = _as_str(evaluate_value(raw["type"], ctx), "type")
        if parent is not None and "/" not in rtype:
            rtype, name = f"{parent.planned.type}/{rtype}", f"{parent.planned.name}/{name}"
        active = _as_bool(evaluate_value(raw.get("condition", True), ctx), "condition")
        active = active and (parent is None or parent.active)
        rid = self._resource_id(raw, rtype, name, ctx)
        if rid.lower() in self._by_id:
            raise TemplateError(
                f"The resource '{rid}' at line '1' and column '1' is defined multiple times in a "
                f"template. {RESOURCES_HELP}"
            )
        planned = PlannedResource(
            id=rid,
            type=rtype,
            name=name,
            api_version=str(evaluate_value(raw["apiVersion"], ctx)),
            depends_on=[],
            symbolic=str(raw.get(SYMBOLIC_KEY, raw["name"])),
        )
        instance = _Instance(
            planned, raw, ctx.loops, active, copy_name, len(self._instances), _parent_id(rid)
        )
        depends = evaluate_value(raw.get("dependsOn", []), ctx)
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            raise TemplateError(f"The 'dependsOn' of resource '{rid}' must be an array of strings.")
        instance.explicit = depends
        self._instances.append(instance)
        self._by_id[rid.lower()] = instance
        return instance

    def _resource_id(self, raw: dict, rtype: str, name: str, ctx: Context) -> str:
        names = name.split("/")
        if len(rtype.split("/")) != len(names) + 1 or not all(names):
            raise TemplateError(
                f"The template resource '{name}' for type '{rtype}' at line '1' and column '1' "
                "has incorrect segment lengths. A nested resource type must have identical "
                "number of segments as its resource name. A root resource type must have "
                f"segment length one greater than its resource name. {RESOURCES_HELP}"
            )
        if "scope" in raw and rtype.lower() != "microsoft.resources/deployments":
            return f"{self._extension_scope(raw['scope'], ctx)}/{provider_path(rtype, names)}"
        sub = str(evaluate_value(raw.get("subscriptionId", self.scope.subscription_id), ctx))
        group = str(evaluate_value(raw.get("resourceGroup", self.scope.resource_group), ctx))
        return f"/subscriptions/{sub}/resourceGroups/{group}/{provider_path(rtype, names)}"

    def _extension_scope(self, scope: Any, ctx: Context) -> str:
        """An extension resource's ``scope``: a resource id, or ``Namespace/type/name``."""
        target = evaluate_value(scope, ctx)
        if not isinstance(target, str) or not target:
            raise TemplateError(
                f"The template resource 'scope' must be a resource id or 'Namespace/type/name'; "
                f"actual value '{target}'. {RESOURCES_HELP}"
            )
        resolved = target if target.startswith("/") else _relative_resource_id(target, self.scope)
        if resolved is None:
            raise TemplateError(
                f"The template resource scope '{target}' is not valid: it must be a resource id "
                f"or 'Namespace/type/name'. {RESOURCES_HELP}"
            )
        return resolved.rstrip("/")

    def _link_dependencies(self) -> None:
        for instance in self._instances:
            targets: list[_Instance] = []
            for entry in instance.explicit:
                targets.extend(self._explicit_targets(entry, instance))
            for rid in sorted(self._discover_ids(instance)):
                owner = self._owner_of(rid)
                if owner is not None:
                    targets.append(owner)
            if instance.parent_id and instance.parent_id.lower() in self._by_id:
                targets.append(self._by_id[instance.parent_id.lower()])
            deps: list[str] = []
            for target in targets:
                if target is instance or not target.active or target.planned.id in deps:
                    continue
                deps.append(target.planned.id)
            instance.planned.depends_on = deps

    def _explicit_targets(self, entry: str, instance: _Instance) -> list[_Instance]:
        key = entry.lower()
        if key in self._by_id:
            return [self._by_id[key]]
        found = [i for i in self._instances if (i.copy_name or "").lower() == key]
        found = found or [
            i
            for i in self._instances
            if key in (i.planned.name.lower(), f"{i.planned.type}/{i.planned.name}".lower())
            or (SYMBOLIC_KEY in i.raw and i.planned.symbolic.lower() == key)
        ]
        # A child resource may name a sibling child by its short name ("subnet1" for
        # "vnet/subnet1") or by its short type/name ("subnets/subnet1").
        found = found or [
            i
            for i in self._instances
            if i.parent_id is not None
            and key
            in (
                i.planned.name.split("/")[-1].lower(),
                f"{i.planned.type.split('/')[-1]}/{i.planned.name.split('/')[-1]}".lower(),
            )
        ]
        if not found:
            raise TemplateError(
                f"The resource '{entry}' is not defined in the template (dependsOn of "
                f"'{instance.planned.id}'). {RESOURCES_HELP}"
            )
        return found

    def _owner_of(self, rid: str) -> _Instance | None:
        """The template resource an id names, or the one it is a child of."""
        key = rid.lower()
        while key.count("/") > 4:
            if key in self._by_id:
                return self._by_id[key]
            key = key.rsplit("/", 2)[0]
        return None

    def _discover_ids(self, instance: _Instance) -> set[str]:
        body = {k: v for k, v in instance.raw.items() if k not in _CONTROL_KEYS}
        ctx = Context(self, STAGE_DISCOVERY, instance.loops)
        return self._ids_in(body, ctx, set())

    def _ids_in(self, value: Any, ctx: Context, seen_vars: set[str]) -> set[str]:
        ids: set[str] = set()
        for text in _strings(value):
            if not is_expression(text):
                continue
            for node in walk(parse_template_string(text)):
                if isinstance(node, Call):
                    ids |= self._ids_of_call(node, ctx, seen_vars)
        return ids

    def _ids_of_call(self, node: Call, ctx: Context, seen_vars: set[str]) -> set[str]:
        name = node.name.lower()
        try:
            if name in _ID_FUNCTIONS:
                return {str(evaluate_node(node, ctx))}
            if name == "reference" and node.args:
                return {self.resolve_reference_target(str(evaluate_node(node.args[0], ctx)))}
            if name == "references" and node.args:
                return set(self.collection_ids(str(evaluate_node(node.args[0], ctx))))
            if name == "variables" and node.args and isinstance(node.args[0], Literal):
                return self._variable_ids(str(node.args[0].value), seen_vars)
        except (TemplateError, Unresolved):
            pass  # not an id we can know before deployment: no implicit dependency
        return set()

    def _variable_ids(self, name: str, seen_vars: set[str]) -> set[str]:
        key = self._variable_key(name)
        if key in seen_vars:
            return set()
        if key not in self._variable_id_cache:
            definition = self._variable_definitions()[key]
            ctx = Context(self, STAGE_DISCOVERY)
            self._variable_id_cache[key] = self._ids_in(definition, ctx, seen_vars | {key})
        return self._variable_id_cache[key]


def prepare(template: dict, parameters: dict, scope: DeploymentScope) -> PreparedDeployment:
    """Validate a template with its parameters and expand it into a plan.

    Raises :class:`TemplateError` (``InvalidTemplate``) with ARM's message when the
    template or the parameters are not valid.
    """
    if not isinstance(template, dict):
        raise validation_failed("The template must be a JSON object.")
    deployment = PreparedDeployment(template, parameters or {}, scope)
    try:
        deployment.build()
    except TemplateError as exc:
        if exc.message.startswith(VALIDATION_PREFIX):
            raise
        raise TemplateError(
            f"{VALIDATION_PREFIX}'{exc.message}'", code=exc.code, target=exc.target
        ) from None
    return deployment


def template_hash(template: dict) -> str:
    """A stable numeric hash of the template (ARM's ``templateHash`` is one too)."""
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return str(int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big"))


def check_expressions(template: dict) -> None:
    """Every expression in the template parses and calls only known functions."""
    declared = _user.declarations(template)
    for text in _strings(template):
        if is_expression(text):
            for node in walk(parse_template_string(text)):
                if isinstance(node, Call) and not _callable(node.name, declared):
                    raise unknown_function(node.name)


def _callable(name: str, declared: dict[str, dict]) -> bool:
    # list* functions are real ARM functions: they fail later, when evaluated.
    if "." in name:
        return name.lower() in declared
    return is_known_function(name) or name.lower().startswith("list")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _check_user_functions(declared: dict[str, dict]) -> None:
    """A user-defined function may not call what ARM forbids inside one."""
    for name, member in declared.items():
        for text in _strings((member.get("output") or {}).get("value")):
            if not is_expression(text):
                continue
            for node in walk(parse_template_string(text)):
                if isinstance(node, Call) and _user.forbidden_inside(node.name):
                    raise TemplateError(
                        f"The template function '{name}' is not valid: a user-defined "
                        f"function cannot call '{node.name}'. {_user.HELP}"
                    )


def _check_template_shape(template: dict) -> None:
    if "resources" in template and not isinstance(template["resources"], list | dict):
        raise TemplateError(
            f"The template resources must be an array, or an object of symbolic names "
            f"(languageVersion 2.0). {RESOURCES_HELP}"
        )


SYMBOLIC_KEY = "__symbolicName"  # set on resources of a languageVersion 2.0 template


def template_resources(template: dict) -> list:
    """The template's resources as a list; a symbolic-name object keeps each name, and
    ``existing`` resources (references to resources made elsewhere) are not deployed."""
    resources = template.get("resources") or []
    if isinstance(resources, list):
        return resources
    out = []
    for name, body in resources.items():
        if isinstance(body, dict) and not body.get("existing"):
            out.append({**body, SYMBOLIC_KEY: name})
    return out


def _copy_contexts(raw: dict, base: Context) -> tuple[str | None, list[Context]]:
    copy = raw.get("copy")
    if copy is None:
        return None, [base]
    if not isinstance(copy, dict) or not isinstance(copy.get("name"), str):
        raise TemplateError(f"The resource copy must be an object with a 'name'. {RESOURCES_HELP}")
    name = copy["name"]
    count = copy_count(evaluate_value(copy.get("count"), base), name)
    mode = str(copy.get("mode", "Parallel")).lower()
    if mode not in ("parallel", "serial"):
        raise TemplateError(f"The copy mode '{copy.get('mode')}' is not valid: Parallel or Serial.")
    return name, [base.with_loop(name, i) for i in range(count)]


def _parent_id(rid: str) -> str | None:
    # .../providers/NS/t1/n1/t2/n2 → .../providers/NS/t1/n1 for child resources; an
    # extension resource (.../providers/NS/t/n/providers/NS2/t2/n2) → the resource it extends
    head, _, tail = rid.partition("/providers/")
    scope, marker, _extension = tail.partition("/providers/")
    if marker:
        return f"{head}/providers/{scope}"
    segments = tail.split("/")
    if len(segments) <= 3:
        return None
    return f"{head}/providers/{'/'.join(segments[:-2])}"


def _topological(instances: list[_Instance]) -> list[_Instance]:
    by_id = {i.planned.id: i for i in instances if i.active}
    done: set[str] = set()
    ordered: list[_Instance] = []
    pending = [i for i in instances if i.active]
    while pending:
        ready = [i for i in pending if all(d in done for d in i.planned.depends_on)]
        if not ready:
            cyclic = _find_cycle(pending, by_id)
            raise TemplateError(
                f"Circular dependency detected on resource: '{cyclic}'. {RESOURCES_HELP}"
            )
        for instance in ready:
            done.add(instance.planned.id)
            ordered.append(instance)
        pending = [i for i in pending if i.planned.id not in done]
    return ordered


def _find_cycle(pending: list[_Instance], by_id: dict[str, _Instance]) -> str:
    # Follow unmet dependencies until a resource repeats: that one is on a cycle.
    current = pending[0]
    seen: list[str] = []
    while current.planned.id not in seen:
        seen.append(current.planned.id)
        nxt = next(
            d for d in current.planned.depends_on if d in by_id and d not in _done(by_id, pending)
        )
        current = by_id[nxt]
    return current.planned.id


def _done(by_id: dict[str, _Instance], pending: list[_Instance]) -> set[str]:
    waiting = {i.planned.id for i in pending}
    return {rid for rid in by_id if rid not in waiting}


def _relative_resource_id(target: str, scope: DeploymentScope) -> str | None:
    """``Microsoft.Storage/storageAccounts/name`` → that resource's id in the group."""
    parts = target.strip("/").split("/")
    if len(parts) < 3 or len(parts) % 2 == 0 or "." not in parts[0]:
        return None
    rtype = "/".join([parts[0], *parts[1::2]])
    names = parts[2::2]
    return (
        f"/subscriptions/{scope.subscription_id}/resourceGroups/{scope.resource_group}/"
        f"{provider_path(rtype, names)}"
    )


def _without_nested_template(res: PlannedResource, key: str, value: Any) -> Any:
    # A nested deployment's template is evaluated by the child deployment, not here.
    if key != "properties" or not isinstance(value, dict):
        return value
    if res.type.lower() != "microsoft.resources/deployments":
        return value
    return {k: v for k, v in value.items() if k != "template"}


def _find_key(mapping: dict, name: str) -> str | None:
    if name in mapping:
        return name
    return next((k for k in mapping if k.lower() == name.lower()), None)


def _as_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TemplateError(
            f"The template '{what}' must evaluate to a boolean; actual type '{type_name(value)}'."
        )
    return value


def _as_str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise TemplateError(f"The template resource '{what}' must evaluate to a non-empty string.")
    return value
