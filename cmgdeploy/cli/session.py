"""What one command may need, opened lazily: config, site DB, environment, OpContext."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cmgdeploy.cli.app import State
from cmgdeploy.services import paths

if TYPE_CHECKING:
    from cmgdeploy.services.config import ConfigFile, Setting, Settings
    from cmgdeploy.services.context import OpContext
    from cmgdeploy.services.sitedb import SiteDB

# Where a spec command keeps the spec options given (its Click context's meta).
SPEC_FLAGS = "cmgdeploy.spec_flags"


def is_tty() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def prompt_secret(label: str) -> str:
    from cmgdeploy.cli.render import pause_progress

    pause_progress()
    return str(typer.prompt(label, hide_input=True))


def secret_prompt() -> Callable[[str], str] | None:
    """A prompt for secrets at a terminal, none elsewhere."""
    return prompt_secret if is_tty() else None


def confirmer(yes: bool) -> Callable[[str], bool]:
    def confirm(question: str) -> bool:
        from cmgdeploy.cli.render import pause_progress

        if yes or not is_tty():
            return True
        pause_progress()
        return bool(typer.confirm(question, default=False))

    return confirm


class Session:
    """Lazily opened pieces one command may need (config, settings, site DB,
    environment, context).

    ``flags`` are the settings the command line gave (the command's options under their
    setting keys); with the global options, the environment and the config file they
    are resolved once, into :attr:`settings`, which the command hands down.
    """

    def __init__(
        self, state: State, warnings: list[str], flags: Mapping[str, Any] | None = None
    ) -> None:
        self.state = state
        self.warnings = warnings
        self.flags = dict(flags or {})
        self._config: ConfigFile | None = None
        self._settings: Settings | None = None
        self.cmg_name: str | None = None  # once known: named in the Ctrl-C hint

    @property
    def config(self) -> ConfigFile:
        from cmgdeploy.services.config import read_config

        if self._config is None:
            self._config = read_config(self.state.config)
        return self._config

    @property
    def settings(self) -> Settings:
        """Every setting, resolved once: flag > environment variable > file > default."""
        from cmgdeploy.services.config import resolve_settings

        if self._settings is None:
            given = {"environment": self.state.environment, "site_db": self.state.site_db}
            self._settings = resolve_settings({**self.flags, **given}, os.environ, self.config)
        return self._settings

    def environment_name(self) -> str:
        return str(self.settings.value("environment"))

    def site_db(self) -> SiteDB:
        import sqlite3

        from cmgdeploy.domain.errors import InputError
        from cmgdeploy.services.sitedb import SiteDB

        setting = self.settings.get("site_db")
        path = _site_db_path(setting) if setting.given else paths.site_db_path()
        try:
            return SiteDB(path)
        except (OSError, sqlite3.DatabaseError) as exc:
            # A directory, an unwritable place or another file given as the site DB.
            raise InputError(
                setting.source if setting.given else "--site-db",
                str(path),
                f"a cmgdeploy site database (SQLite file): {exc}",
            ) from None

    @contextlib.contextmanager
    def op_context(
        self,
        *,
        yes: bool = True,
        timeout: float = 3600.0,
        no_wait: bool = False,
        wait_lock: bool = False,
    ) -> Iterator[OpContext]:
        """The OpContext with the resolved environment (the local Azure runs inside).

        ``timeout`` bounds the whole operation: our waits and every HTTP retry in it.
        """
        from cmgdeploy.commands.environments import get_environment
        from cmgdeploy.services.azure.retry import operation_deadline
        from cmgdeploy.services.config import auth_settings
        from cmgdeploy.services.context import OpContext
        from cmgdeploy.services.local import resolve_environment

        auth = auth_settings(self.settings, secret_prompt=secret_prompt())
        with self.site_db() as db:
            row = get_environment(db, self.environment_name())
            with resolve_environment(row, paths.local_azure_dir()) as env:
                for warning in env.warnings:  # e.g. a slowed local Azure: said up front too
                    self.state.renderer.progress(f"warning: {warning}")
                    self.warnings.append(warning)
                ctx = OpContext(
                    env=env,
                    db=db,
                    home=paths.cmgdeploy_home(),
                    auth=auth,
                    progress=self.state.renderer.progress,
                    show_progress=self.state.renderer.shows_progress,
                    confirm=confirmer(yes),
                    interactive=not yes and is_tty(),
                    timeout=timeout,
                    no_wait=no_wait,
                    wait_lock=wait_lock,
                )
                try:
                    with operation_deadline(timeout):
                        yield ctx
                finally:
                    self.warnings.extend(w for w in ctx.warnings.items if w not in self.warnings)


def _site_db_path(setting: Setting) -> Path:
    """The site database given (relative to the config file when given there)."""
    from cmgdeploy.domain.errors import InputError

    if not isinstance(setting.value, str | Path) or not str(setting.value).strip():
        raise InputError(setting.source, setting.value, "the path of the site database file")
    path = Path(setting.value).expanduser()
    return path if setting.base_dir is None else setting.base_dir / path
