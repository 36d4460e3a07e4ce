"""Static files with hashed names for production (collectstatic), served by nginx or WhiteNoise."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns: tuple) -> tuple:
    def keeps(pattern) -> bool:
        return "sourceMappingURL" not in (pattern[0] if isinstance(pattern, tuple) else pattern)

    return tuple((glob, tuple(p for p in group if keeps(p))) for glob, group in patterns)


class PortalStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """The vendored minified Bootstrap and Chart.js name source maps we do not ship (static/vendor/README.md):
    rewriting those references made collectstatic fail, and with it every production start."""

    patterns = _without_source_maps(ManifestStaticFilesStorage.patterns)
