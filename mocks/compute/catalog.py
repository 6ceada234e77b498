"""What Microsoft.Compute knows of the outside world: VM sizes, platform images and VM
extension handlers, read from ``mocks/compute/data/*.json`` (each file and entry names
its source; see docs/SOURCES.md).

Checks here raise Azure's own errors:

* an image the catalogue does not hold → 404 ``PlatformImageNotFound``;
* an image whose Hyper-V generation the size cannot boot → 400 ``BadRequest``
  ("The selected VM size … cannot boot Hypervisor Generation …");
* an extension publisher/type Azure does not publish → 404 ``ArtifactNotFound``
  ("… could not be found in location …"); a known handler without the requested
  ``typeHandlerVersion`` → 404 ``ArtifactNotFound`` ("… could not be found in the
  extension repository.").  With ``autoUpgradeMinorVersion: true`` a ``major.minor``
  request is met by the highest published minor of that major at or above it (Azure
  picks the latest minor at deployment time); without it only a published
  ``major.minor`` is accepted.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .exceptions import ArtifactNotFound, HypervisorGenerationMismatch, PlatformImageNotFound

DATA = Path(__file__).with_name("data")


@functools.cache
def _load(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / name).read_text(encoding="utf-8")))


# -- sizes -----------------------------------------------------------------------------------
@functools.cache
def sizes() -> dict[str, dict[str, Any]]:
    """size name -> its row, with the family's fields merged in."""
    out: dict[str, dict[str, Any]] = {}
    for fam in _load("vm_sizes.json")["families"]:
        accelerated = fam.get("acceleratedNetworkingSizes")
        for row in fam["sizes"]:
            merged = {k: v for k, v in fam.items() if k != "sizes"}
            merged.update(row)
            if accelerated is not None:
                merged["acceleratedNetworking"] = row["name"] in accelerated
            out[row["name"]] = merged
    return out


def restrictions() -> dict[str, list[str]]:
    """size -> regions where the subscription may not deploy it (the local Azure's choice)."""
    return dict(_load("vm_sizes.json")["restrictions"])


def hyperv_generations(size: str) -> list[str]:
    row = sizes().get(size)
    return str(row["hyperVGenerations"]).split(",") if row else []


# -- images ----------------------------------------------------------------------------------
def image_reference_text(ref: dict[str, Any]) -> str:
    parts = [ref.get(k, "") for k in ("publisher", "offer", "sku", "version")]
    return ":".join(str(p) for p in parts)


def find_image(ref: dict[str, Any]) -> dict[str, Any] | None:
    key = tuple(str(ref.get(k, "")).lower() for k in ("publisher", "offer", "sku"))
    for image in _load("images.json")["images"]:
        if tuple(image[k].lower() for k in ("publisher", "offer", "sku")) == key:
            return dict(image)
    return None


def find_image_or_fail(ref: dict[str, Any]) -> dict[str, Any] | None:
    """A marketplace ``imageReference`` (publisher/offer/sku) must exist; other kinds
    (``id``, gallery ids) are not checked (None)."""
    if not ref or not ref.get("publisher") or ref.get("id"):
        return None
    image = find_image(ref)
    if image is None:
        raise PlatformImageNotFound(image_reference_text(ref))
    return image


def check_generation(image: dict[str, Any] | None, size: str) -> None:
    """The size's ``HyperVGenerations`` must include the image's generation."""
    if image is None:
        return
    generation = image["hyperVGeneration"]
    supported = hyperv_generations(size)
    if supported and generation not in supported:
        raise HypervisorGenerationMismatch(size, generation.lstrip("V"))


# -- extensions ------------------------------------------------------------------------------
def _version(text: str) -> tuple[int, int] | None:
    parts = str(text).strip().split(".")
    if not parts or not all(p.isdigit() for p in parts) or len(parts) > 4:
        return None
    major = int(parts[0])
    minor = int(parts[1]) if len(parts) > 1 else 0
    return major, minor


def find_extension(publisher: str, type_: str) -> dict[str, Any] | None:
    for ext in _load("extensions.json")["extensions"]:
        if ext["publisher"].lower() == publisher.lower() and ext["type"].lower() == type_.lower():
            return dict(ext)
    return None


def resolve_extension(props: dict[str, Any], location: str) -> str:
    """The published ``major.minor`` an extension's properties resolve to, or Azure's
    ArtifactNotFound."""
    publisher = str(props.get("publisher", ""))
    type_ = str(props.get("type", ""))
    wanted = str(props.get("typeHandlerVersion", ""))
    ext = find_extension(publisher, type_)
    if ext is None:
        raise ArtifactNotFound.for_type(publisher, type_, location)
    requested = _version(wanted)
    published = sorted(v for v in (_version(p) for p in ext["versions"]) if v is not None)
    if requested is not None:
        if requested in published:
            return f"{requested[0]}.{requested[1]}"
        if props.get("autoUpgradeMinorVersion"):
            same_major = [v for v in published if v[0] == requested[0] and v >= requested]
            if same_major:
                best = same_major[-1]
                return f"{best[0]}.{best[1]}"
    raise ArtifactNotFound.for_version(publisher, type_, wanted)


def check_extensions(extensions: list[dict[str, Any]], location: str) -> None:
    """Every extension of a profile (``extensionProfile.extensions``) is published."""
    for ext in extensions:
        resolve_extension(ext.get("properties") or {}, location)
