"""The built-in detectors, registered through the same hook a third-party plugin uses."""

from wisp.discovery.detectors.bank import BankNumberDetector
from wisp.discovery.detectors.base import Detector, NameDetector, Pattern
from wisp.discovery.detectors.credit_card import CreditCardDetector
from wisp.discovery.detectors.driver_license import DriverLicenseDetector
from wisp.discovery.detectors.person import PersonDetector
from wisp.discovery.detectors.ssn import SsnDetector
from wisp.hookspecs import hookimpl

__all__ = [
    "BankNumberDetector",
    "CreditCardDetector",
    "Detector",
    "DriverLicenseDetector",
    "NameDetector",
    "Pattern",
    "PersonDetector",
    "SsnDetector",
    "wisp_detectors",
]


@hookimpl
def wisp_detectors() -> list[type[Detector] | type[NameDetector]]:
    return [
        SsnDetector,
        CreditCardDetector,
        DriverLicenseDetector,
        BankNumberDetector,
        PersonDetector,
    ]
