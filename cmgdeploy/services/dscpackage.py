"""The CMG's DSC configuration package: the site's ``cmgdsc.zip``, read and checked locally.

ConfigMgr configures the scale set's VMs with the PowerShell DSC extension from the
package its site server keeps at ``<ConfigMgr install dir>\\inboxes\\cloudmgr.box\\cmgdsc.zip``.
cmgdeploy uploads that file to the CMG's storage account and points the extension at it.
What the package contains is not documented; the DSC extension needs the name of the
configuration script (``settings.configuration.script``) and of the configuration it
defines (``settings.configuration.function``), so both are read from the package itself:
the one ``.ps1`` at the top of the zip that holds a ``Configuration <Name>`` block.

On the local Azure, a run without a package gets a stand-in: a real zip with a DSC
configuration stub, built the same way every time (same bytes, same hash).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cmgdeploy.domain.errors import InputError

SITE_SERVER_PATH = r"<ConfigMgr install dir>\inboxes\cloudmgr.box\cmgdsc.zip"
CONTAINER = "cmgdsc"  # the template's variables('packageContainer')
BLOB = "cmgdsc.zip"  # the template's variables('packageBlob')
MAX_BYTES = 64 * 1024 * 1024
STAND_IN_SCRIPT = "CmgStandIn.ps1"
STAND_IN_CONFIGURATION = "CmgStandIn"
# A fixed timestamp so the stand-in zip has the same bytes on every run.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CONFIGURATION_RE = re.compile(r"^\s*Configuration\s+([A-Za-z_][A-Za-z0-9_]*)", re.I | re.M)


@dataclass(frozen=True)
class DscPackage:
    """A DSC configuration package ready to upload (its bytes are not in repr)."""

    script: str
    function: str
    data: bytes = field(repr=False)
    path: Path | None = None
    stand_in: bool = False

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the zip: part of the deployment's identity."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def content_md5(self) -> bytes:
        """MD5 digest of the zip, as Blob storage keeps it (``Content-MD5``)."""
        return hashlib.md5(self.data, usedforsecurity=False).digest()


def load_package(path: Path, field_name: str = "cmg_package") -> DscPackage:
    """Read ``path`` and find its configuration script and name (InputError if it has none)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(field_name, str(path), f"a DSC package of at most {MAX_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(field_name, str(path), f"a readable file ({exc.strerror})") from None
    script, function = _configuration_of(data, path, field_name)
    return DscPackage(script=script, function=function, data=data, path=path)


def _configuration_of(data: bytes, path: Path, field_name: str) -> tuple[str, str]:
    """(script file name, configuration name) of the package's top-level DSC script."""
    wanted = (
        f"the site's CMG DSC package (a zip with a DSC configuration script), {SITE_SERVER_PATH}"
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        scripts = [n for n in archive.namelist() if "/" not in n and n.lower().endswith(".ps1")]
        found = []
        for name in sorted(scripts):
            text = archive.read(name).decode("utf-8-sig", errors="replace")
            match = _CONFIGURATION_RE.search(text)
            if match:
                found.append((name, match.group(1)))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(field_name, str(path), wanted) from None
    if len(found) != 1:
        why = "none" if not found else ", ".join(n for n, _ in found)
        raise InputError(
            field_name,
            str(path),
            f"{wanted}; it needs exactly one top-level .ps1 with a Configuration block "
            f"(found: {why})",
        )
    return found[0]


def stand_in_package() -> DscPackage:
    """The local Azure's stand-in for cmgdsc.zip: a DSC configuration that does nothing."""
    script = (
        "# Stand-in for ConfigMgr's cmgdsc.zip, made by cmgdeploy for the local Azure.\n"
        "# It configures nothing: a real CMG needs the site's package.\n"
        f"Configuration {STAND_IN_CONFIGURATION}\n"
        "{\n"
        "    Node localhost\n"
        "    {\n"
        "    }\n"
        "}\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(STAND_IN_SCRIPT, date_time=_ZIP_EPOCH)
        info.external_attr = 0o644 << 16
        archive.writestr(info, script)
    return DscPackage(
        script=STAND_IN_SCRIPT,
        function=STAND_IN_CONFIGURATION,
        data=buffer.getvalue(),
        stand_in=True,
    )


STAND_IN_WARNING = (
    "no --cmg-package given: using a stand-in DSC package (a configuration stub made by "
    "cmgdeploy, not ConfigMgr's cmgdsc.zip); fine for the local Azure, but its VMs run no CMG"
)


def missing_package_error(environment: str) -> InputError:
    """The package is required outside the local Azure: say where it lives."""
    return InputError(
        "cmg_package",
        None,
        f"the site's CMG DSC package for environment {environment}: give --cmg-package, "
        f"CMGDEPLOY_CMG_PACKAGE or cmg_package in the config file; on the site server it is "
        f"{SITE_SERVER_PATH}",
    )
