"""Static data Azure serves: public regions and the resource types of each provider.

Region names, display names, geography groups and pairs are the real public-cloud
values (``az account list-locations``); coordinates are rounded.  Not simulated:
per-subscription region access, availability zones mappings, extended locations.
"""

from __future__ import annotations

from typing import Any

# name, displayName, geographyGroup, physicalLocation, latitude, longitude, pairedRegion
_REGIONS: list[tuple[str, str, str, str, str, str, str]] = [
    ("eastus", "East US", "US", "Virginia", "37.3719", "-79.8164", "westus"),
    ("eastus2", "East US 2", "US", "Virginia", "36.6681", "-78.3889", "centralus"),
    ("southcentralus", "South Central US", "US", "Texas", "29.4167", "-98.5", "northcentralus"),
    ("westus2", "West US 2", "US", "Washington", "47.233", "-119.852", "westcentralus"),
    ("westus3", "West US 3", "US", "Phoenix", "33.448376", "-112.074036", "eastus"),
    (
        "australiaeast",
        "Australia East",
        "Asia Pacific",
        "New South Wales",
        "-33.86",
        "151.2094",
        "australiasoutheast",
    ),
    (
        "southeastasia",
        "Southeast Asia",
        "Asia Pacific",
        "Singapore",
        "1.283",
        "103.833",
        "eastasia",
    ),
    ("northeurope", "North Europe", "Europe", "Ireland", "53.3478", "-6.2597", "westeurope"),
    ("swedencentral", "Sweden Central", "Europe", "Gävle", "60.67488", "17.14127", "swedensouth"),
    ("uksouth", "UK South", "Europe", "London", "50.941", "-0.799", "ukwest"),
    ("westeurope", "West Europe", "Europe", "Netherlands", "52.3667", "4.9", "northeurope"),
    ("centralus", "Central US", "US", "Iowa", "41.5908", "-93.6208", "eastus2"),
    (
        "southafricanorth",
        "South Africa North",
        "Africa",
        "Johannesburg",
        "-25.73134",
        "28.21837",
        "southafricawest",
    ),
    ("centralindia", "Central India", "Asia Pacific", "Pune", "18.5822", "73.9197", "southindia"),
    ("eastasia", "East Asia", "Asia Pacific", "Hong Kong", "22.267", "114.188", "southeastasia"),
    ("japaneast", "Japan East", "Asia Pacific", "Tokyo, Saitama", "35.68", "139.77", "japanwest"),
    ("koreacentral", "Korea Central", "Asia Pacific", "Seoul", "37.5665", "126.978", "koreasouth"),
    ("canadacentral", "Canada Central", "Canada", "Toronto", "43.653", "-79.383", "canadaeast"),
    ("francecentral", "France Central", "Europe", "Paris", "46.3772", "2.373", "francesouth"),
    (
        "germanywestcentral",
        "Germany West Central",
        "Europe",
        "Frankfurt",
        "50.110924",
        "8.682127",
        "germanynorth",
    ),
    ("italynorth", "Italy North", "Europe", "Milan", "45.46888", "9.18109", ""),
    ("norwayeast", "Norway East", "Europe", "Norway", "59.913868", "10.752245", "norwaywest"),
    ("polandcentral", "Poland Central", "Europe", "Warsaw", "52.23334", "21.01666", ""),
    (
        "switzerlandnorth",
        "Switzerland North",
        "Europe",
        "Zurich",
        "47.451542",
        "8.564572",
        "switzerlandwest",
    ),
    ("uaenorth", "UAE North", "Middle East", "Dubai", "25.266666", "55.316666", "uaecentral"),
    (
        "brazilsouth",
        "Brazil South",
        "South America",
        "Sao Paulo State",
        "-23.55",
        "-46.633",
        "southcentralus",
    ),
    (
        "northcentralus",
        "North Central US",
        "US",
        "Illinois",
        "41.8819",
        "-87.6278",
        "southcentralus",
    ),
    ("westus", "West US", "US", "California", "37.783", "-122.417", "eastus"),
    ("westcentralus", "West Central US", "US", "Wyoming", "40.89", "-110.234", "westus2"),
    (
        "australiasoutheast",
        "Australia Southeast",
        "Asia Pacific",
        "Victoria",
        "-37.8136",
        "144.9631",
        "australiaeast",
    ),
    ("japanwest", "Japan West", "Asia Pacific", "Osaka", "34.6939", "135.5022", "japaneast"),
    ("koreasouth", "Korea South", "Asia Pacific", "Busan", "35.1796", "129.0756", "koreacentral"),
    ("southindia", "South India", "Asia Pacific", "Chennai", "12.9822", "80.1636", "centralindia"),
    ("canadaeast", "Canada East", "Canada", "Quebec", "46.817", "-71.217", "canadacentral"),
    ("ukwest", "UK West", "Europe", "Cardiff", "53.427", "-3.084", "uksouth"),
    ("francesouth", "France South", "Europe", "Marseille", "43.8345", "2.1972", "francecentral"),
    (
        "germanynorth",
        "Germany North",
        "Europe",
        "Berlin",
        "53.073635",
        "8.806422",
        "germanywestcentral",
    ),
    ("norwaywest", "Norway West", "Europe", "Norway", "58.969975", "5.733107", "norwayeast"),
    (
        "switzerlandwest",
        "Switzerland West",
        "Europe",
        "Geneva",
        "46.204391",
        "6.143158",
        "switzerlandnorth",
    ),
    ("swedensouth", "Sweden South", "Europe", "Malmo", "55.6059", "13.0007", "swedencentral"),
    (
        "southafricawest",
        "South Africa West",
        "Africa",
        "Cape Town",
        "-34.075691",
        "18.843266",
        "southafricanorth",
    ),
]

REGION_NAMES: list[str] = [r[0] for r in _REGIONS]


def normalize_location(location: str) -> str:
    """ARM accepts display names too: 'West Europe' -> 'westeurope'."""
    return location.replace(" ", "").lower()


def is_region(location: str) -> bool:
    return normalize_location(location) in REGION_NAMES


def location_entries(subscription_id: str) -> list[dict[str, Any]]:
    """``GET /subscriptions/{s}/locations`` values."""
    return [_location(subscription_id, *row) for row in _REGIONS]


def _location(
    sub: str, name: str, display: str, geo: str, phys: str, lat: str, lon: str, pair: str
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "regionType": "Physical",
        "regionCategory": "Recommended",
        "geographyGroup": geo,
        "longitude": lon,
        "latitude": lat,
        "physicalLocation": phys,
    }
    if pair:
        meta["pairedRegion"] = [{"name": pair, "id": f"/subscriptions/{sub}/locations/{pair}"}]
    return {
        "id": f"/subscriptions/{sub}/locations/{name}",
        "name": name,
        "type": "Region",
        "displayName": display,
        "regionalDisplayName": f"({geo}) {display}",
        "metadata": meta,
    }


def display_name(name: str) -> str:
    for row in _REGIONS:
        if row[0] == name:
            return row[1]
    return name


# Provider namespace -> {resource type (without namespace): api versions}; locations
# "*" = every region.  The KeyVault/Storage/Compute/Network lists are what a CMG uses.
_API_2024 = ["2025-04-01", "2024-11-01", "2024-03-01", "2023-07-01", "2022-09-01", "2021-04-01"]
PROVIDER_TYPES: dict[str, dict[str, list[str]]] = {
    "Microsoft.Resources": {
        "deployments": _API_2024,
        "deployments/operations": _API_2024,
        "resourceGroups": _API_2024,
        "subscriptions": ["2022-12-01", "2021-01-01", "2016-06-01"],
        "tenants": ["2022-12-01", "2021-01-01", "2016-06-01"],
        "locations": ["2022-12-01", "2021-01-01"],
        "operationresults": _API_2024,
    },
    "Microsoft.Compute": {
        "virtualMachineScaleSets": ["2026-04-01", "2024-07-01", "2024-03-01", "2023-09-01"],
        "virtualMachineScaleSets/virtualMachines": ["2026-04-01", "2024-07-01", "2023-09-01"],
        "virtualMachineScaleSets/extensions": ["2026-04-01", "2024-07-01", "2023-09-01"],
        "virtualMachines": ["2026-04-01", "2024-07-01", "2024-03-01", "2023-09-01"],
        "disks": ["2025-01-02", "2024-03-02", "2023-04-02"],
        "skus": ["2021-07-01", "2019-04-01"],
        "locations": ["2026-04-01", "2024-07-01"],
        "locations/operations": ["2026-04-01", "2024-07-01"],
    },
    "Microsoft.Network": {
        "publicIPAddresses": ["2026-03-01", "2024-05-01", "2024-01-01", "2023-09-01"],
        "loadBalancers": ["2026-03-01", "2024-05-01", "2024-01-01", "2023-09-01"],
        "networkSecurityGroups": ["2026-03-01", "2024-05-01", "2024-01-01", "2023-09-01"],
        "virtualNetworks": ["2026-03-01", "2024-05-01", "2024-01-01", "2023-09-01"],
        "virtualNetworks/subnets": ["2026-03-01", "2024-05-01", "2024-01-01"],
        "networkInterfaces": ["2026-03-01", "2024-05-01", "2024-01-01"],
        "locations": ["2026-03-01", "2024-05-01"],
        "locations/CheckDnsNameAvailability": ["2026-03-01", "2024-05-01"],
    },
    "Microsoft.Storage": {
        "storageAccounts": ["2025-01-01", "2023-05-01", "2023-01-01", "2022-09-01"],
        "storageAccounts/blobServices": ["2025-01-01", "2023-05-01", "2023-01-01"],
        "storageAccounts/blobServices/containers": ["2025-01-01", "2023-05-01"],
        "checkNameAvailability": ["2025-01-01", "2023-05-01", "2023-01-01"],
        "locations": ["2025-01-01", "2023-05-01"],
    },
    "Microsoft.KeyVault": {
        "vaults": ["2024-11-01", "2023-07-01", "2022-07-01", "2019-09-01"],
        "vaults/secrets": ["2024-11-01", "2023-07-01", "2022-07-01", "2019-09-01"],
        "vaults/accessPolicies": ["2024-11-01", "2023-07-01", "2022-07-01"],
        "checkNameAvailability": ["2024-11-01", "2023-07-01", "2022-07-01"],
        "deletedVaults": ["2024-11-01", "2023-07-01"],
        "locations": ["2024-11-01", "2023-07-01"],
    },
    "Microsoft.ClassicCompute": {
        "domainNames": ["2016-11-01", "2016-04-01", "2015-12-01"],
        "domainNames/slots": ["2016-11-01", "2016-04-01"],
        "virtualMachines": ["2016-11-01", "2016-04-01"],
    },
    "Microsoft.Authorization": {
        "roleAssignments": ["2022-04-01", "2020-10-01"],
        "roleDefinitions": ["2022-04-01", "2018-01-01-preview"],
    },
}

# Initial registration states (a missing provider document means this default).
DEFAULT_REGISTERED = {
    "microsoft.resources",
    "microsoft.compute",
    "microsoft.network",
    "microsoft.storage",
    "microsoft.authorization",
}

# Types whose namespace needs no registration: Microsoft.Resources itself.
ALWAYS_REGISTERED = {"microsoft.resources"}

# Types with regional locations listed as "global" rather than regions.
_GLOBAL_TYPES = {"checknameavailability", "skus", "operationresults", "deletedvaults"}


def canonical_namespace(namespace: str) -> str | None:
    for ns in PROVIDER_TYPES:
        if ns.lower() == namespace.lower():
            return ns
    return None


def canonical_type(type_name: str) -> str | None:
    """``microsoft.storage/STORAGEACCOUNTS`` -> ``Microsoft.Storage/storageAccounts``."""
    namespace, _, rest = type_name.partition("/")
    ns = canonical_namespace(namespace)
    if ns is None:
        return None
    for known in PROVIDER_TYPES[ns]:
        if known.lower() == rest.lower():
            return f"{ns}/{known}"
    return None


def resource_types(namespace: str) -> list[dict[str, Any]]:
    """The ``resourceTypes`` array of ``GET …/providers/{ns}``."""
    out = []
    for name, versions in PROVIDER_TYPES.get(namespace, {}).items():
        glob = name.split("/")[-1].lower() in _GLOBAL_TYPES or name.lower() in _GLOBAL_TYPES
        locations = ["global"] if glob else [display_name(r) for r in REGION_NAMES]
        out.append(
            {
                "resourceType": name,
                "locations": locations,
                "apiVersions": versions,
                "defaultApiVersion": versions[0],
                "capabilities": "None",
            }
        )
    return out
