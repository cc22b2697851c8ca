import pytest
from django.conf import settings


def pytest_configure(config):
    # Password hashing is not what the tests are about; the fast hasher saves seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    from tests.personas import build_personas

    return build_personas()
