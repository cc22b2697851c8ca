"""``python -m jiliang.rules.energy convert | equipping``: see ``cli``."""

import sys

from jiliang.rules.energy.cli import main

sys.exit(main())
