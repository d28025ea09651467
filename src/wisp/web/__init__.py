"""The HTTP API served by `wisp serve` (17.04(3): HTTPS only, except on loopback)."""

__all__: list[str] = []
