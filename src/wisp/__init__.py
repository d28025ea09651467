"""wisp: the information security program and computer security system of 201 CMR 17.00.

The package is laid out by domain; `wisp.discovery` finds personal information in files.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
