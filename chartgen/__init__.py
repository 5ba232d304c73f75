"""chartgen: generate a Helm chart for one application component."""

__version__ = "0.1.0"

DEPLOYMENT_TYPES = ("stateful-single", "stateful-multi", "stateless-single", "stateless-multi")
