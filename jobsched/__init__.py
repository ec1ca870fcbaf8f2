"""Job Scheduler core: pure Python, no AWS types.

Everything AWS-shaped (the Chalice app, Lambda handlers, the local cloud) is an
adapter over the modules in this package.
"""

__version__ = "0.1.0"
