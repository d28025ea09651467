"""17.04(4), 17.03(2)(j): verify the audit chain and name what was done to it, by sequence number.

Pure: entries come in as an ordered stream. The chain walk names the first edited, deleted,
inserted or reordered entry; the head row and the signed checkpoints, kept outside the database,
catch a truncated tail or a chain rewritten from scratch, which no walk of the chain alone can.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wisp.audit.chain import (
    GENESIS,
    Checkpoint,
    StoredEntry,
    key_id,
    mac_matches,
    verify_checkpoint,
)

__all__ = [
    "ChainWalk",
    "Finding",
    "Problem",
    "VerifyReport",
    "check_checkpoints",
    "check_head",
    "line_digest",
    "parse_checkpoints",
    "walk_chain",
]


class Problem(enum.StrEnum):
    """What verification found wrong."""

    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    BROKEN_LINK = "broken link"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    HEAD_MISMATCH = "head mismatch"
    CHECKPOINT_INVALID = "checkpoint invalid"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, at one sequence number; `detail` holds numbers and times, never PI."""

    problem: Problem
    sequence: int
    detail: str

    def describe(self) -> str:
        """One line for a person."""
        return f"{self.problem.value} at entry {self.sequence}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of a verification: sound if it has no findings."""

    entries: int
    last_sequence: int
    checkpoints: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether nothing was found wrong."""
        return not self.findings

    def problems(self) -> set[Problem]:
        """The kinds of problem found."""
        return {finding.problem for finding in self.findings}


@dataclass(slots=True)
class ChainWalk:
    """What a walk of the chain saw: its length, its end, and the macs asked to be noted."""

    last_sequence: int
    last_mac: str
    entries: int = 0
    finding: Finding | None = None
    macs: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Context:
    key: bytes
    mac_exists: Callable[[str], bool]
    highest: int
    head_sequence: int | None


def _with_next(entries: Iterable[StoredEntry]) -> Iterator[tuple[StoredEntry, StoredEntry | None]]:
    iterator = iter(entries)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def _original_sequence(entry: StoredEntry, context: _Context) -> int | None:
    # Once per verification at most (for the first bad entry): one HMAC per candidate.
    for candidate in range(1, context.highest + 1):
        if candidate != entry.sequence and mac_matches(context.key, entry, candidate):
            return candidate
    return None


def _unauthentic(
    entry: StoredEntry, following: StoredEntry | None, prev_mac: str, context: _Context
) -> Finding:
    seq = entry.sequence
    moved = _original_sequence(entry, context)
    if moved is not None:
        if entry.prev_hash == GENESIS or context.mac_exists(entry.prev_hash):
            return Finding(Problem.REORDERED, seq, f"entry {seq} was written as entry {moved}")
        return Finding(
            Problem.DELETED,
            seq,
            f"entry {seq} was written as entry {moved}: the entry before it was deleted"
            " and later ones renumbered",
        )
    if following is not None and hmac.compare_digest(following.prev_hash, prev_mac):
        return Finding(Problem.INSERTED, seq, "the entry after it follows the entry before it")
    if following is None and context.head_sequence is not None and seq > context.head_sequence:
        return Finding(
            Problem.INSERTED, seq, f"the head row ends the log at {context.head_sequence}"
        )
    return Finding(Problem.EDITED, seq, "its fields, links or mac were changed")


def _classify(
    entry: StoredEntry,
    following: StoredEntry | None,
    expected: int,
    prev_mac: str,
    context: _Context,
) -> Finding | None:
    if entry.sequence != expected:
        last = entry.sequence - 1
        missing = str(expected) if last == expected else f"{expected} to {last}"
        return Finding(Problem.DELETED, expected, f"entries {missing} are missing")
    linked = hmac.compare_digest(entry.prev_hash, prev_mac)
    authentic = mac_matches(context.key, entry)
    if linked and authentic:
        return None
    if authentic:
        return Finding(
            Problem.BROKEN_LINK,
            entry.sequence,
            f"authentic, but does not follow entry {expected - 1}",
        )
    return _unauthentic(entry, following, prev_mac, context)


def walk_chain(
    entries: Iterable[StoredEntry],
    key: bytes,
    *,
    mac_exists: Callable[[str], bool],
    highest: int,
    head_sequence: int | None = None,
    start: tuple[int, str] = (0, GENESIS),
    watch: Collection[int] = (),
) -> ChainWalk:
    """Walk `entries` (ordered, all above `start`); note the first problem and the watched macs.

    `highest` bounds the search for where a moved entry came from; `mac_exists` tells whether
    some stored entry has a given mac.
    """
    context = _Context(key, mac_exists, highest, head_sequence)
    walk = ChainWalk(last_sequence=start[0], last_mac=start[1])
    for entry, following in _with_next(entries):
        if walk.finding is None:
            walk.finding = _classify(
                entry, following, walk.last_sequence + 1, walk.last_mac, context
            )
        if entry.sequence in watch:
            walk.macs[entry.sequence] = entry.mac
        walk.entries += 1
        walk.last_sequence, walk.last_mac = entry.sequence, entry.mac
    return walk


def line_digest(line: str) -> str:
    """What the next checkpoint line names as `previous`."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def parse_checkpoints(
    lines: Sequence[str], public_key: Ed25519PublicKey
) -> tuple[list[Checkpoint], list[Finding]]:
    """The checkpoints that verify, and a finding for the first line that does not."""
    valid: list[Checkpoint] = []
    findings: list[Finding] = []
    previous, expected_key = "", key_id(public_key)
    for number, line in enumerate(lines, start=1):
        problem = None
        try:
            checkpoint = Checkpoint.from_line(line)
        except ValueError:
            problem = "is not a checkpoint"
        else:
            if checkpoint.key_id != expected_key or not verify_checkpoint(public_key, checkpoint):
                problem = "is not signed by this installation's audit key"
            elif checkpoint.previous != previous:
                problem = "does not follow the line before it: a checkpoint was removed or altered"
            elif valid and checkpoint.sequence < valid[-1].sequence:
                problem = "goes back in the chain"
            else:
                valid.append(checkpoint)
        if problem is not None and not findings:
            sequence = valid[-1].sequence if valid else 0
            findings.append(
                Finding(Problem.CHECKPOINT_INVALID, sequence, f"checkpoint line {number} {problem}")
            )
        previous = line_digest(line)
    return valid, findings


def check_checkpoints(checkpoints: Sequence[Checkpoint], walk: ChainWalk) -> list[Finding]:
    """Findings where the chain disagrees with what was signed: truncated, or rewritten."""
    findings: list[Finding] = []
    beyond = [c for c in checkpoints if c.sequence > walk.last_sequence]
    if beyond:
        signed = beyond[-1]
        findings.append(
            Finding(
                Problem.TRUNCATED,
                walk.last_sequence + 1,
                f"a checkpoint signed at {signed.signed_at:%Y-%m-%d %H:%M:%S}Z covers entry"
                f" {signed.sequence}; the log ends at {walk.last_sequence}",
            )
        )
    for checkpoint in checkpoints:
        if checkpoint.sequence == 0 or checkpoint.sequence > walk.last_sequence:
            continue
        stored = walk.macs.get(checkpoint.sequence)
        if stored is None or not hmac.compare_digest(stored, checkpoint.head):
            findings.append(
                Finding(
                    Problem.REWRITTEN,
                    checkpoint.sequence,
                    f"differs from the head signed at {checkpoint.signed_at:%Y-%m-%d %H:%M:%S}Z:"
                    " the chain up to it was rewritten or the entry removed",
                )
            )
            break
    return findings


def check_head(head: tuple[int, str] | None, walk: ChainWalk) -> list[Finding]:
    """Findings where the head row disagrees with the chain."""
    if head is None:
        return [Finding(Problem.HEAD_MISMATCH, 0, "the head row is missing")]
    sequence, mac = head
    if sequence > walk.last_sequence:
        detail = f"the head row records entry {sequence}; the log ends at {walk.last_sequence}"
        return [Finding(Problem.TRUNCATED, walk.last_sequence + 1, detail)]
    stored = walk.macs.get(sequence, GENESIS if sequence == 0 else None)
    if stored is None or not hmac.compare_digest(stored, mac):
        return [Finding(Problem.HEAD_MISMATCH, sequence, "the head row does not match this entry")]
    return []
