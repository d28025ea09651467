"""17.02(a): Social Security numbers, with the SSA's rules for numbers never issued."""

import re
from collections.abc import Sequence
from typing import ClassVar

from wisp.discovery.detectors.base import Detector, Pattern, digits_only, digits_only_all

__all__ = ["SsnDetector"]

#: Numbers the SSA voided after they were printed in advertising or lost to the public.
_PUBLICIZED = frozenset({"078051120", "219099999", "457555462", "123456789"})
#: The numbers the SSA may have issued: nine digits, not area 000, 666 or 9xx, group 00 or
#: serial 0000, not one digit nine times, not publicized. One pattern, so that a whole column
#: is checked with one C call per value.
_ISSUED = re.compile(
    r"(?!000|666|9|(\d)\1{8}|" + "|".join(sorted(_PUBLICIZED)) + r")\d{3}(?!00)\d{2}(?!0000)\d{4}",
    re.ASCII,
)


class SsnDetector(Detector):
    ENTITY = "US_SSN"
    PATTERNS = (
        Pattern(
            "dashed",
            r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])",
            r"\d{3}-\d{2}-\d{4}",
            11,
            0.85,
        ),
        Pattern(
            "spaced",
            r"(?<![\w.-])\d{3}([ .])\d{2}\1\d{4}(?![\w.-]|[ .]\d)",
            r"\d{3}[ .]\d{2}[ .]\d{4}",
            11,
            0.6,
            needs_context=True,
        ),
        Pattern("bare", r"(?<![\w-])\d{9}(?![\w-])", r"\d{9}[^0-9]", 10, 0.4, needs_context=True),
    )
    CONTEXT = (
        "ssn",
        "ssns",
        "ss#",
        "ss no",
        "soc sec",
        "social",
        "social security",
        # Spelled out so that a camel-case header ("SocialSecurityNumber") is a whole word.
        "social security number",
        "socsec",
        "tin",
        "taxpayer id",
        "tax id",
    )
    KEEP: ClassVar[int] = 4

    def normalize(self, raw: str) -> str:
        return digits_only(raw)

    def normalize_all(self, raws: Sequence[str]) -> list[str]:
        return digits_only_all(raws)

    def validate(self, value: str, pattern: Pattern) -> bool:
        return _ISSUED.fullmatch(value) is not None

    def validate_all(self, values: Sequence[str], pattern: Pattern) -> list[bool]:
        return list(map(bool, map(_ISSUED.fullmatch, values)))

    def mask(self, raw: str) -> str:
        return "***-**-" + digits_only(raw)[-4:]
