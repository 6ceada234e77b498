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
from . import deploy as deploy
from . import migrate as migrate
from . import estimate as estimate
from . import check as check
from . import auth as auth
from . import environments as environments
from . import site as site
from . import classic as classic
from . import fleet as fleet

# isort: on
from .app import app as app
from .app import command as command
from .harness import console_main as console_main
from .harness import main as main

__all__ = ["app", "command", "console_main", "main"]
