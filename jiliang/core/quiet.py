"""Log filters: expected answers are not errors."""

from __future__ import annotations

import logging


class NoTracebackFor403(logging.Filter):
    """A 403 is the access rules answering, not a fault: one warning line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
