"""17.02(b): driver's license and state ID numbers; Massachusetts formats first.

Every format here is ambiguous on its own, so each needs a context word nearby.
"""

from wisp.discovery.detectors.base import Detector, Pattern

__all__ = ["DriverLicenseDetector"]


class DriverLicenseDetector(Detector):
    ENTITY = "US_DRIVER_LICENSE"
    PATTERNS = (
        # Massachusetts: S + 8 digits (license), SA + 7 digits (older state ID / license).
        Pattern(
            "ma",
            r"(?i)(?<![\w-])s(?:a\d{7}|\d{8})(?![\w-])",
            r"(?i)s(?:a\d{7}|\d{8})[^0-9]",
            10,
            0.65,
            needs_context=True,
        ),
        # Massachusetts' older 9-digit form, and the all-digit formats of many states (NY, ...).
        Pattern(
            "numeric",
            r"(?<![\w-])\d{7,9}(?![\w-])",
            r"\d{7,9}[^0-9]",
            10,
            0.4,
            needs_context=True,
        ),
        # Other states: one or two letters then digits (CA A1234567, FL A123456789012,
        # NJ A12345678901234, ...).
        Pattern(
            "lettered",
            r"(?i)(?<![\w-])[a-z]{1,2}\d{5,14}(?![\w-])",
            r"(?i)[a-z]{1,2}\d{5,14}[^0-9]",
            16,
            0.4,
            needs_context=True,
        ),
    )
    CONTEXT = (
        # Not "driver" alone: it is a job title as often as a license.
        "driver's",
        "drivers license",
        "driver license",
        "driver lic",
        "license",
        "licence",
        "lic",
        "dl",
        "dln",
        "dl#",
        "dl no",
        # Massachusetts law says "operator's license"; "operator" alone is a job title.
        "operator's license",
        "operators license",
        "operator license",
        "state id",
        "id card",
        "rmv",
        "learner's permit",
        "learners permit",
    )
    KEEP = 3

    def validate(self, value: str, pattern: Pattern) -> bool:
        digits = value.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return len(set(digits)) > 1
