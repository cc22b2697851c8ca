import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# Tests never assert on a time: hypothesis' per-example deadline would fail an example that a
# busy CI machine runs slowly.
hypothesis_settings.register_profile("jiliang", deadline=None)
hypothesis_settings.load_profile("jiliang")


def pytest_configure(config):
    # Password hashing is not what the tests are about; the fast hasher saves seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    from tests.personas import build_personas

    return build_personas()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-hans), whatever the last request chose.

    LocaleMiddleware activates a request's language in the thread and leaves it
    there; without this a test's messages would depend on the test before it.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: kept pages and list rows are keyed by versions
    (the highest ids), and a rolled-back test database hands the same ids out again."""
    from django.core.cache import cache

    cache.clear()
    yield
