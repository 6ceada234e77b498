"""``python -m cmgdeploy``."""

import sys

from cmgdeploy.cli import main

sys.exit(main())
