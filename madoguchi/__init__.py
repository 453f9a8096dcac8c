"""madoguchi: the command line of the Madoguchi workbench (the front door to journeys, simulation, dashboards)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("madoguchi")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
