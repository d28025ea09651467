"""17.02(a): Social Security numbers, with the SSA's rules for numbers never issued."""

from typing import ClassVar

from wisp.discovery.detectors.base import Detector, Pattern, digits_only

__all__ = ["SsnDetector"]

#: Numbers the SSA voided after they were printed in advertising or lost to the public.
_PUBLICIZED = frozenset({"078051120", "219099999", "457555462", "123456789"})


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

    def validate(self, value: str, pattern: Pattern) -> bool:
        area, group, serial = value[:3], value[3:5], value[5:]
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            return False
        return value not in _PUBLICIZED and value != value[0] * 9

    def mask(self, raw: str) -> str:
        return "***-**-" + digits_only(raw)[-4:]
