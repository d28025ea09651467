"""Storage: the engine, sessions, the declarative base and the migrations every domain shares.

SQLite in the state directory by default; PostgreSQL through `WISP_DATABASE_URL` (17.03(2)(j)).
"""

__all__: list[str] = []
