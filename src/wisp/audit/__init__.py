"""17.04(4), 17.03(2)(h),(j): the tamper-evident audit log of who did what, when, from where.

An append-only HMAC chain in the database, with Ed25519-signed checkpoints of its head kept
outside it; `wisp.audit.service.AuditLog` is the way in.
"""

__all__: list[str] = []
