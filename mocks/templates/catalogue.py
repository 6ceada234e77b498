"""Every function of Microsoft's ARM template function reference, by docs page.

Source: https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions
and its pages ``template-functions-<page>`` (see docs/SOURCES.md).  ``scripts/gen_coverage.py``
renders the status of each one into mocks/COVERAGE.md; a test checks that every name
here is either implemented or refused loudly (LocalAzureUnsupportedOperation).
"""

from __future__ import annotations

DOCS_URL = (
    "https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-{page}"
)

DOCUMENTED_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "array": (
        "array",
        "concat",
        "contains",
        "createArray",
        "empty",
        "first",
        "flatten",
        "indexFromEnd",
        "indexOf",
        "intersection",
        "last",
        "lastIndexOf",
        "length",
        "max",
        "min",
        "range",
        "skip",
        "take",
        "tryGet",
        "tryIndexFromEnd",
        "union",
    ),
    "cidr": ("parseCidr", "cidrSubnet", "cidrHost"),
    "comparison": ("coalesce", "equals", "greater", "greaterOrEquals", "less", "lessOrEquals"),
    "date": ("dateTimeAdd", "dateTimeFromEpoch", "dateTimeToEpoch", "utcNow"),
    "deployment": ("deployment", "environment", "parameters", "variables"),
    "lambda": (
        "filter",
        "groupBy",
        "lambda",
        "lambdaVariables",
        "map",
        "mapValues",
        "reduce",
        "sort",
        "toObject",
    ),
    "logical": ("and", "bool", "false", "if", "not", "or", "true"),
    "numeric": ("add", "copyIndex", "div", "float", "int", "max", "min", "mod", "mul", "sub"),
    "object": (
        "contains",
        "createObject",
        "empty",
        "intersection",
        "items",
        "json",
        "length",
        "null",
        "objectKeys",
        "shallowMerge",
        "tryGet",
        "union",
    ),
    "resource": (
        "extensionResourceId",
        "listAccountSas",
        "listKeys",
        "listSecrets",
        "managementGroupResourceId",
        "pickZones",
        "providers",
        "reference",
        "references",
        "resourceId",
        "subscriptionResourceId",
        "tenantResourceId",
    ),
    "scope": ("managementGroup", "resourceGroup", "subscription", "tenant"),
    "string": (
        "base64",
        "base64ToJson",
        "base64ToString",
        "concat",
        "contains",
        "dataUri",
        "dataUriToString",
        "empty",
        "endsWith",
        "first",
        "format",
        "guid",
        "indexOf",
        "join",
        "json",
        "last",
        "lastIndexOf",
        "length",
        "newGuid",
        "padLeft",
        "replace",
        "skip",
        "split",
        "startsWith",
        "string",
        "substring",
        "take",
        "toLower",
        "toUpper",
        "trim",
        "uniqueString",
        "uri",
        "uriComponent",
        "uriComponentToString",
    ),
}

# Documented functions that the local Azure refuses with LocalAzureUnsupportedOperation.
REFUSED = {
    "providers": "deprecated in ARM; read the resource provider instead",
}
# Where a function only works at another deployment scope, ARM's own error is given.
OTHER_SCOPE_ONLY = {"managementGroup": "management-group deployments only"}


def documented_names() -> list[str]:
    """Each documented function once, in ARM's spelling, sorted case-insensitively."""
    names = {name for page in DOCUMENTED_FUNCTIONS.values() for name in page}
    return sorted(names, key=str.lower)


def pages_of(name: str) -> list[str]:
    """The docs pages that document ``name``."""
    return [page for page, names in DOCUMENTED_FUNCTIONS.items() if name in names]
