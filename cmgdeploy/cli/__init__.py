"""The command line: parse, call one operation, render. The one place that exits.

- :mod:`.app`: the Typer app, its groups and the global options;
- :mod:`.harness`: the one error boundary (:func:`main`) and :func:`run`, which runs a
  command's body and renders its result;
- :mod:`.session`: what a command's body may open (config, site DB, OpContext);
- :mod:`.options`: option declarations shared by several commands;
- one module per command group, each registering its commands on the app when imported
  (below, in the order ``--help`` lists them); :mod:`.help` polishes the help.
"""

from __future__ import annotations

# The command modules register their commands on the app as they are imported: the
# order here is the order of the commands in --help.
# isort: off
from cmgdeploy.cli import deploy as deploy
from cmgdeploy.cli import migrate as migrate
from cmgdeploy.cli import estimate as estimate
from cmgdeploy.cli import check as check
from cmgdeploy.cli import auth as auth
from cmgdeploy.cli import environments as environments
from cmgdeploy.cli import site as site
from cmgdeploy.cli import classic as classic
from cmgdeploy.cli import fleet as fleet

# isort: on
from cmgdeploy.cli.app import app as app
from cmgdeploy.cli.app import command as command
from cmgdeploy.cli.harness import console_main as console_main
from cmgdeploy.cli.harness import main as main

__all__ = ["app", "command", "console_main", "main"]
