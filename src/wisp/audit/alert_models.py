"""17.04(4): the alerts table: what the rules over the audit log raised, and its delivery.

Placeholder: the tables land with the service.
"""

from __future__ import annotations

__all__: list[str] = []
