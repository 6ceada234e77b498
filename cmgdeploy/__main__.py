"""``python -m cmgdeploy``."""

from cmgdeploy.cli import console_main

console_main()
