"""What the licensing app tells later apps, which it does not import (JILIANG_APPS order).

``licence_changed`` is sent inside the transaction of every grant, change, renewal, record
and end of a licence (``licence``, ``on``): the people app creates or updates the
registration of a registered metrologist from it.
"""

from django.dispatch import Signal

licence_changed = Signal()
