"""chartgen: generate a Helm chart for one application component."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chartgen")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

DEPLOYMENT_TYPES = ("stateful-single", "stateful-multi", "stateless-single", "stateless-multi")
