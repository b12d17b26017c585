"""radiant_ext — a companion layer for Znuny / ((OTRS)) Community Edition.

It talks to Znuny only through the GenericInterface REST web service and adds a customer
portal, department service catalogs (pluggy plugins), category routing with deadlines, and
scheduled sync jobs.
"""

from __future__ import annotations

from radiant_ext.errors import ConfigError, RadiantError

__version__ = "0.1.0"

__all__ = ["ConfigError", "RadiantError", "__version__"]
