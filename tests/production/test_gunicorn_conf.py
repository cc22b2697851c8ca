"""The web server's workers put what they loaded at start-up out of the collector's reach."""

from __future__ import annotations

import gc


def test_a_worker_freezes_what_it_loaded_once_started():
    from jiliang import gunicorn_conf

    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
