"""``python -m jiliang.rules.netcontent``: see ``cli``."""

import sys

from jiliang.rules.netcontent.cli import main

sys.exit(main())
