import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(tmp_path, settings):
    """Uploads and certificates go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
