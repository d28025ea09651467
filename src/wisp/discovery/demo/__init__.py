"""The bundled demo folder: fictitious records in several formats for `wisp scan --demo`.

Every name and number in it is made up; the numbers pass the checks real ones pass.
Rebuild it with `python scripts/make_demo.py`.
"""

from importlib import resources
from pathlib import Path

__all__ = ["demo_folder"]


def demo_folder() -> Path:
    """The demo folder inside the installed package."""
    return Path(str(resources.files(__name__).joinpath("data")))
