"""17.04(5): the vault's tables: collections, fields, sealed records and their blind indexes.

Placeholder: the tables land with the service.
"""

from __future__ import annotations

__all__: list[str] = []
