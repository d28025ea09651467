"""Type aliases shared across wisp's domains."""

from collections.abc import Mapping

__all__ = ["JSONScalar", "JSONValue", "Location"]

JSONScalar = str | int | float | bool | None
JSONValue = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]
#: Where a finding sits in a file: {"line": 3}, {"sheet": "Payroll", "row": 4, "column": "SSN"}.
Location = Mapping[str, str | int]
