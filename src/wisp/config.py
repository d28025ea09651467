"""The one validated Settings object, read from `WISP_*` environment variables at start-up."""

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_home"]


def default_home() -> Path:
    """The state directory: `$XDG_DATA_HOME/wisp`, else `~/.local/share/wisp`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wisp"


class Settings(BaseSettings):
    """wisp's settings; each field is also the environment variable `WISP_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="WISP_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home, description="State directory (keys, caches).")
    workers: int = Field(
        default=0, ge=0, description="Scan worker processes; 0 means one per core."
    )
    max_file_bytes: int = Field(
        default=512 * 1024 * 1024, gt=0, description="Files larger than this are not scanned."
    )
    max_findings_per_file: int = Field(
        default=100, ge=0, description="Findings listed per file; counts are always complete."
    )
    archive_max_depth: int = Field(default=5, ge=0, description="Nested archive depth limit.")
    archive_max_members: int = Field(default=10_000, gt=0, description="Members per archive.")
    archive_max_ratio: int = Field(
        default=100, gt=0, description="Largest allowed uncompressed/compressed ratio."
    )
    archive_max_bytes: int = Field(
        default=1024 * 1024 * 1024, gt=0, description="Total uncompressed bytes per archive."
    )

    @field_validator("home")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    def worker_count(self) -> int:
        """How many processes a scan uses."""
        return self.workers or os.cpu_count() or 1
