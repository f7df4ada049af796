"""cavra-prom: a Prometheus-native benchmark SLO regression gate.

The public surface is small on purpose: the CLI (``cavra``) is the main entry point,
and library users import from the submodules named in the README.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("cavra-prom")
except _metadata.PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
