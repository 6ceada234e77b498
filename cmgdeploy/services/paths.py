"""Where cmgdeploy keeps its files: ``CMGDEPLOY_HOME`` or the platform's user data dir.

Every directory made here is mode 0700: the site database, the CMGs' kept inputs and
the local Azure's keys live below it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cmgdeploy.domain.settings import row

HOME_ENV = str(row("home").env_var)


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; the leaf is forced to mode 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is filtered by the umask and ignored for existing dirs.
    os.chmod(path, 0o700)
    return path


def cmgdeploy_home(env: Mapping[str, str] | None = None) -> Path:
    """``$CMGDEPLOY_HOME`` if set and not empty, else ``platformdirs.user_data_dir``."""
    configured = _env(env).get(HOME_ENV, "").strip()
    home = Path(configured).expanduser() if configured else Path(_user_data_dir())
    return ensure_private_dir(home.absolute())


def site_db_path(env: Mapping[str, str] | None = None) -> Path:
    """The default site database: ``<home>/site.db``."""
    return cmgdeploy_home(env) / "site.db"


def local_azure_dir(env: Mapping[str, str] | None = None) -> Path:
    """State directory of the local Azure used by the ``local`` environment."""
    return ensure_private_dir(cmgdeploy_home(env) / "local-azure")


def lock_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory of the per-CMG lock files."""
    return ensure_private_dir(cmgdeploy_home(env) / "locks")


def write_private_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` with mode 0600 from the first byte on (no umask window)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the file may have existed with a wider mode
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _user_data_dir() -> str:
    import platformdirs  # only without CMGDEPLOY_HOME (and not for --help)

    return str(platformdirs.user_data_dir("cmgdeploy"))
