"""The migration journal: tags on the target CMG's resource group, mirrored in the site DB.

The tags are the truth (any machine that can read the group can continue a migration);
the site database's ``migrations`` table is a local mirror for ``site show`` and
for failures that happen before the group exists (nothing is written to Azure then).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.site_records import MigrationRecord
from cmgdeploy.services.sitedb import SiteDB

PHASES = ("discover", "deploy", "register", "verify", "site", "drain", "retire", "done")
PREFIX = "cmgdeploy-migration-"
TAG_LIMIT = 256  # ARM's limit on a tag value
FIELDS = {  # journal attribute -> tag name suffix
    "source": "source",
    "source_kind": "source-kind",
    "phase": "phase",
    "ready_since": "ready-since",
    "site_confirmed": "site-confirmed",
    "error": "error",
    "updated": "updated",
    "region": "region",
    "instances": "instances",
    "vm_size": "vm-size",
    "source_group": "source-group",
    "source_subscription": "source-subscription",
}


def next_phase(phase: str) -> str | None:
    """The phase after ``phase`` (None after done)."""
    index = PHASES.index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when else None


def parse_iso(text: str | None) -> dt.datetime | None:
    """An ISO-8601 time from a tag (naive times are UTC); None when absent or unreadable."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Journal:
    """Where one migration stands. ``region``/``instances``/``vm_size`` are the planned
    target (decided at discover) so later runs deploy the same thing without the source."""

    source: str
    source_kind: str  # classic | arm
    phase: str = "discover"
    ready_since: str | None = None  # when Azure first said the target is Ready
    site_confirmed: str | None = None  # when the admin confirmed the site has it: the drain clock
    error: str | None = None
    updated: str | None = None
    region: str | None = None
    instances: int | None = None
    vm_size: str | None = None
    source_group: str | None = None  # ARM source only: where ``down`` deletes by tag
    source_subscription: str | None = None
    spec: str | None = None  # the target spec inputs (compact JSON, no secret), for any machine

    @property
    def next_phase(self) -> str | None:
        return next_phase(self.phase)

    def at(self, phase: str, **changes: Any) -> Journal:
        """This journal moved to ``phase`` (the error cleared unless given)."""
        return dataclasses.replace(self, phase=phase, error=changes.pop("error", None), **changes)

    def to_tags(self) -> dict[str, str]:
        """The journal as resource-group tags (absent values are left out)."""
        values = dataclasses.asdict(self) | {"updated": iso(utc_now())}
        tags = {}
        for attr, suffix in FIELDS.items():
            if values[attr] is not None:
                tags[PREFIX + suffix] = truncate(str(values[attr]))
        return {**tags, **spec_tags(self.spec)}


SPEC_PREFIX = PREFIX + "spec-"
SPEC_MAX_TAGS = 8  # ARM allows 50 tags on a group: the spec takes at most 8 of them


def spec_tags(spec: str | None) -> dict[str, str]:
    """The spec JSON cut into tag values of ARM's 256 characters (none when longer than
    ``SPEC_MAX_TAGS`` tags: the site database alone keeps it then)."""
    if not spec:
        return {}
    chunks = [spec[i : i + TAG_LIMIT] for i in range(0, len(spec), TAG_LIMIT)]
    if len(chunks) > SPEC_MAX_TAGS:
        return {}
    return {f"{SPEC_PREFIX}{i}": chunk for i, chunk in enumerate(chunks)}


def spec_from_tags(tags: Mapping[str, Any]) -> str | None:
    """The spec JSON the tags hold (their chunks joined in order), or None."""
    chunks = []
    for i in range(SPEC_MAX_TAGS):
        chunk = tags.get(f"{SPEC_PREFIX}{i}")
        if chunk is None:
            break
        chunks.append(str(chunk))
    return "".join(chunks) or None


def truncate(text: str) -> str:
    """``text`` cut to ARM's tag value limit (with an ellipsis when cut)."""
    return text if len(text) <= TAG_LIMIT else text[: TAG_LIMIT - 1] + "…"


def from_tags(tags: Mapping[str, Any] | None) -> Journal | None:
    """The journal recorded in ``tags``, or None when the group carries none."""
    tags = tags or {}
    values: dict[str, Any] = {attr: tags.get(PREFIX + suffix) for attr, suffix in FIELDS.items()}
    if not values["source"] or values["source_kind"] not in ("classic", "arm"):
        return None
    if values["phase"] not in PHASES:
        values["phase"] = "discover"
    try:
        values["instances"] = int(values["instances"]) if values["instances"] else None
    except ValueError:
        values["instances"] = None
    return Journal(**values, spec=spec_from_tags(tags))


def without_journal(tags: Mapping[str, Any] | None) -> dict[str, str]:
    """``tags`` minus every journal tag (so a rewrite drops fields that became empty)."""
    return {k: str(v) for k, v in (tags or {}).items() if not k.startswith(PREFIX)}


def mirror(db: SiteDB, target: str, journal: Journal, wait_until: str | None = None) -> None:
    """Copy the journal into the site database's ``migrations`` table."""
    db.put_migration(
        MigrationRecord(
            cmg=target,
            source=journal.source,
            source_kind=journal.source_kind,
            phase=journal.phase,
            next_phase=journal.next_phase,
            ready_since=journal.ready_since,
            wait_until=wait_until,
            error=journal.error,
        )
    )
