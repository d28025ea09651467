"""What the vault service takes and gives: frozen dataclasses, never a table row.

17.03(2) and 17.04(2): each collection states why PI is kept, what it holds and for how long; a
view carries masked values only, except the one a reveal returns.

The HTTP layer and the CLI build their requests from these and render these; no SQLAlchemy
object ever leaves the vault package.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from wisp.errors import InvalidInput

__all__ = [
    "INDEXABLE",
    "MAX_FIELDS",
    "NAME_PATTERN",
    "Classification",
    "CollectionChange",
    "CollectionSpec",
    "CollectionView",
    "ExportFormat",
    "ExportResult",
    "FieldSpec",
    "FieldType",
    "FieldValue",
    "FieldView",
    "ImportResult",
    "KeyStatus",
    "ProposedField",
    "ReasonView",
    "RecordPage",
    "RecordView",
    "RetentionBasis",
    "RetentionResult",
    "RevealView",
    "RotationResult",
    "RowError",
    "check_reason",
]

#: Collection and field names: slugs, so that they can sit in URLs, grants and AADs as they are.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,62}")
MAX_FIELDS = 64
_MAX_PURPOSE = 2000
_MAX_REASON = 120

_E = TypeVar("_E", bound=enum.Enum)

#: What a caller may hand in as a field's value; None (or "") means "no value".
FieldValue = str | int | Decimal | date | None


class Classification(enum.StrEnum):
    """What a field holds, in the terms of 17.02; it decides masking, checks and search."""

    NAME = "name"
    SSN = "ssn"
    DRIVERS_LICENSE = "drivers_license"
    CARD = "card"
    ACCOUNT = "account"
    OTHER_PI = "other_pi"
    NOT_PI = "not_pi"


#: Classifications whose values can be found by exact match through a blind index: numbers
#: with one canonical form. A name has none (case, accents, middle initials), so it cannot.
INDEXABLE = frozenset(
    {
        Classification.SSN,
        Classification.ACCOUNT,
        Classification.CARD,
        Classification.DRIVERS_LICENSE,
    }
)


class FieldType(enum.StrEnum):
    """How a field's value is written; checked on every write."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"


class RetentionBasis(enum.StrEnum):
    """What a retention period counts from."""

    CREATED = "created"
    UPDATED = "updated"


class CollectionChange(enum.StrEnum):
    """What changed in a collection, as its audit entry (CONFIG_CHANGED) says."""

    CREATED = "created"
    REASON_ADDED = "reason_added"
    REASON_REMOVED = "reason_removed"
    CANARIES_ADDED = "canaries_added"


class ExportFormat(enum.StrEnum):
    """The file formats of an export."""

    CSV = "csv"
    JSONL = "jsonl"


def _name(kind: str, value: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"{kind} name must be 1-63 lower-case letters, digits, '_' or '-', starting with a"
            " letter"
        )
    return value


def check_reason(label: str) -> str:
    """A reveal reason as kept: trimmed, one line, 1-120 characters."""
    text = label.strip() if isinstance(label, str) else ""
    if not text or len(text) > _MAX_REASON or not text.isprintable():
        raise InvalidInput(f"a reason is 1-{_MAX_REASON} printable characters on one line")
    return text


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a new collection."""

    name: str
    classification: Classification
    type: FieldType = FieldType.TEXT
    required: bool = False
    indexed: bool = False
    max_length: int = 1000

    def __post_init__(self) -> None:
        _name("field", self.name)
        object.__setattr__(self, "classification", _enum(Classification, self.classification))
        object.__setattr__(self, "type", _enum(FieldType, self.type))
        if self.indexed and self.classification not in INDEXABLE:
            raise InvalidInput(
                f"field {self.name!r}: only ssn, account, card and drivers_license fields can be"
                " indexed"
            )
        if self.indexed and self.type is not FieldType.TEXT:
            raise InvalidInput(f"field {self.name!r}: an indexed field is text")
        if not 1 <= self.max_length <= 100_000:
            raise InvalidInput(f"field {self.name!r}: max_length is between 1 and 100000")


def _enum(cls: type[_E], value: object) -> _E:
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(str(member.value) for member in cls)
        raise InvalidInput(f"unknown {cls.__name__.lower()} {value!r}; known: {known}") from None


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """A new collection: what it holds, why the organization keeps it, and for how long.

    `retention_days` None keeps records until deleted; otherwise a record is shredded that many
    days after its creation or its last update (`retention_basis`).
    """

    name: str
    purpose: str
    fields: tuple[FieldSpec, ...]
    retention_days: int | None = None
    retention_basis: RetentionBasis = RetentionBasis.CREATED
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _name("collection", self.name)
        purpose = self.purpose.strip() if isinstance(self.purpose, str) else ""
        if not purpose or len(purpose) > _MAX_PURPOSE:
            raise InvalidInput(
                f"a collection states its purpose (why it is kept), 1-{_MAX_PURPOSE} characters"
            )
        object.__setattr__(self, "purpose", purpose)
        if not 1 <= len(self.fields) <= MAX_FIELDS:
            raise InvalidInput(f"a collection has 1-{MAX_FIELDS} fields")
        names = [f.name for f in self.fields]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise InvalidInput(f"field {duplicated[0]!r} is defined twice")
        if self.retention_days is not None and not 1 <= self.retention_days <= 36_500:
            raise InvalidInput("retention is between 1 and 36500 days")
        object.__setattr__(self, "retention_basis", _enum(RetentionBasis, self.retention_basis))
        reasons = tuple(check_reason(r) for r in self.reasons)
        if len({r.casefold() for r in reasons}) != len(reasons):
            raise InvalidInput("a reason is listed twice")
        object.__setattr__(self, "reasons", reasons)


@dataclass(frozen=True, slots=True)
class FieldView:
    """A field of a collection, as stored."""

    id: uuid.UUID
    name: str
    classification: Classification
    type: FieldType
    required: bool
    indexed: bool
    max_length: int


@dataclass(frozen=True, slots=True)
class ReasonView:
    """A reason a reveal or export may state; its id is what the audit log records."""

    id: uuid.UUID
    label: str


@dataclass(frozen=True, slots=True)
class CollectionView:
    """A collection with its fields, active reasons and retention rule."""

    id: uuid.UUID
    name: str
    purpose: str
    fields: tuple[FieldView, ...]
    reasons: tuple[ReasonView, ...]
    retention_days: int | None
    retention_basis: RetentionBasis
    created_at: datetime
    records: int


@dataclass(frozen=True, slots=True)
class RecordView:
    """A record with its values masked (see `wisp.vault.masking`); None where a field is empty.

    Nothing here tells a canary from a real record.
    """

    id: uuid.UUID
    collection: str
    values: Mapping[str, str | None]
    created_at: datetime
    updated_at: datetime
    created_by: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One page of a listing; pass `next_after` back as `after` for the next, None at the end."""

    records: tuple[RecordView, ...]
    next_after: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class RevealView:
    """The unmasked values of the fields a reveal asked for; handle as PI, never log."""

    id: uuid.UUID
    collection: str
    values: Mapping[str, str | None] = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True, slots=True)
class RowError:
    """A row an import skipped: its number in the file, the field and why; never the value."""

    row: int
    field: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How an import went: records created, and the rows skipped with their reasons."""

    imported: int
    errors: tuple[RowError, ...]


@dataclass(frozen=True, slots=True)
class ProposedField:
    """A column of an import file with the field it should become and the evidence.

    `matches` of `sampled` non-empty sample values passed the classification's detector.
    """

    column: str
    name: str
    classification: Classification
    type: FieldType
    indexed: bool
    matches: int
    sampled: int

    def spec(self) -> FieldSpec:
        """The field this proposal describes."""
        return FieldSpec(self.name, self.classification, self.type, indexed=self.indexed)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: how many records, and which fields left unmasked."""

    count: int
    unmasked: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """Records shredded by one retention sweep, per collection name."""

    shredded: Mapping[str, int]

    @property
    def total(self) -> int:
        """Records shredded in all collections."""
        return sum(self.shredded.values())


@dataclass(frozen=True, slots=True)
class RotationResult:
    """A key rotation: the new current version and how many records moved to it."""

    version: int
    rewrapped: int
    resealed: int


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """The provider's key versions and how many records each wraps."""

    provider: str
    current: int
    versions: tuple[int, ...]
    records: Mapping[int, int]
