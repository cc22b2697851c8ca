"""Static files of a served site: hashed names, compressed copies, a manifest (whitenoise)."""

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _pattern_text(pattern) -> str:
    return pattern if isinstance(pattern, str) else pattern[0]


class ManifestStorage(CompressedManifestStaticFilesStorage):
    """Like whitenoise's, but leaves ``sourceMappingURL`` comments alone: the vendored
    bundles (Bootstrap, ECharts) name source maps that are not shipped with them."""

    patterns = tuple(
        (glob, tuple(p for p in found if "sourceMappingURL" not in _pattern_text(p)))
        for glob, found in HashedFilesMixin.patterns
    )
