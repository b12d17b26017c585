"""The dynamic fields the companion keeps on every ticket it routes, named once.

Znuny must have them (``docs/znuny-setup.md``, the Znuny package creates them); ``check``
compares their types with :data:`RADIANT_FIELD_TYPES`.
"""

from __future__ import annotations

__all__ = [
    "CATEGORY_FIELD",
    "DEADLINE_FIELD",
    "RADIANT_DYNAMIC_FIELDS",
    "RADIANT_FIELD_TYPES",
    "REQUEST_ID_FIELD",
    "STORE_FIELD",
]

REQUEST_ID_FIELD = "RadiantRequestID"
"""The portal's request reference: the key that finds an already-filed request."""
CATEGORY_FIELD = "RadiantCategory"
"""The catalog item the ticket was routed as (set last: "routed" means complete)."""
STORE_FIELD = "RadiantStore"
"""The store (customer company id) the request concerns."""
DEADLINE_FIELD = "RadiantDeadline"
"""The promised deadline (UTC)."""

RADIANT_DYNAMIC_FIELDS = (REQUEST_ID_FIELD, CATEGORY_FIELD, STORE_FIELD, DEADLINE_FIELD)

RADIANT_FIELD_TYPES: dict[str, tuple[str, ...]] = {
    REQUEST_ID_FIELD: ("Text",), CATEGORY_FIELD: ("Text",), STORE_FIELD: ("Text",),
    DEADLINE_FIELD: ("DateTime",),
}
"""Field types Znuny must give them (Text also accepts TextArea where noted by ``check``)."""
