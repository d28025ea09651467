"""walk(): sorted regular files, directory links followed once, errors for what cannot be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wisp.discovery.models import ScanError
from wisp.discovery.sources.filesystem import FileEntry, walk


def _tree(root: Path, files: list[str]) -> Path:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel, encoding="utf-8")
    return root


def _rels(items: list[FileEntry | ScanError]) -> list[str]:
    return [i.rel for i in items if isinstance(i, FileEntry)]


def _errors(items: list[FileEntry | ScanError]) -> list[ScanError]:
    return [i for i in items if isinstance(i, ScanError)]


def test_files_come_depth_first_in_sorted_order(tmp_path: Path) -> None:
    # Created out of order, so the listing's order is the walker's, not the filesystem's.
    root = _tree(tmp_path / "r", ["b.txt", "a/z.txt", "A.txt", "a/b/c.txt", "a-b.txt", "a/a.txt"])

    items = list(walk(root))

    assert _rels(items) == ["A.txt", "a/a.txt", "a/b/c.txt", "a/z.txt", "a-b.txt", "b.txt"]
    assert _errors(items) == []


def test_entries_carry_path_size_and_mtime(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "d").mkdir(parents=True)
    path = root / "d" / "f.csv"
    path.write_bytes(b"12345")
    os.utime(path, ns=(1_000_000_000, 1_234_567_890_123_456_789))

    (entry,) = walk(root)

    assert entry == FileEntry(str(path), "d/f.csv", 5, 1_234_567_890_123_456_789)


def test_file_root_is_its_own_entry(tmp_path: Path) -> None:
    path = _tree(tmp_path, ["deep/payroll.csv"]) / "deep" / "payroll.csv"

    (entry,) = walk(path)

    assert isinstance(entry, FileEntry)
    assert (entry.path, entry.rel, entry.size) == (str(path), "payroll.csv", path.stat().st_size)


def test_missing_root_is_one_error(tmp_path: Path) -> None:
    assert list(walk(tmp_path / "nope")) == [
        ScanError(str(tmp_path / "nope"), "no such file or directory (or a broken link)")
    ]


def test_fifo_is_never_opened(tmp_path: Path) -> None:
    root = _tree(tmp_path / "r", ["a.txt"])
    os.mkfifo(root / "pipe")

    assert list(walk(root / "pipe")) == [
        ScanError(str(root / "pipe"), "not a regular file or directory")
    ]
    assert _rels(list(walk(root))) == ["a.txt"]


@pytest.mark.parametrize(
    ("link", "target"),
    [
        pytest.param("sub/up", "..", id="link-to-parent"),
        pytest.param("sub/self", ".", id="link-to-itself"),
        pytest.param("sub/deeper/root", "../..", id="link-to-root"),
    ],
)
def test_symlink_loop_ends_and_each_file_comes_once(tmp_path: Path, link: str, target: str) -> None:
    root = _tree(tmp_path / "r", ["top.txt", "sub/f.txt", "sub/deeper/g.txt"])
    (root / link).symlink_to(target, target_is_directory=True)

    items = list(walk(root))

    assert _rels(items) == ["sub/deeper/g.txt", "sub/f.txt", "top.txt"]
    assert _errors(items) == []


def test_two_links_to_each_other_end(tmp_path: Path) -> None:
    root = _tree(tmp_path / "r", ["a/x.txt", "b/y.txt"])
    (root / "a" / "to-b").symlink_to(root / "b", target_is_directory=True)
    (root / "b" / "to-a").symlink_to(root / "a", target_is_directory=True)

    rels = _rels(list(walk(root)))

    assert sorted(rels) == ["a/to-b/y.txt", "a/x.txt"]


def test_link_to_a_directory_outside_is_followed(tmp_path: Path) -> None:
    outside = _tree(tmp_path / "outside", ["o.txt"])
    root = _tree(tmp_path / "r", ["in.txt"])
    (root / "ext").symlink_to(outside, target_is_directory=True)

    assert _rels(list(walk(root))) == ["ext/o.txt", "in.txt"]


def test_root_given_as_a_link_is_followed(tmp_path: Path) -> None:
    real = _tree(tmp_path / "real", ["a.txt"])
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)

    assert _rels(list(walk(tmp_path / "alias"))) == ["a.txt"]


def test_broken_symlink_is_an_error_and_the_walk_goes_on(tmp_path: Path) -> None:
    root = _tree(tmp_path / "r", ["a.txt", "z.txt"])
    (root / "m.lnk").symlink_to(tmp_path / "gone")

    items = list(walk(root))

    assert _rels(items) == ["a.txt", "z.txt"]
    assert _errors(items) == [ScanError("m.lnk", "no such file or directory (or a broken link)")]
    # In walk order, between the files on either side of it.
    assert [getattr(i, "rel", None) or i.path for i in items] == ["a.txt", "m.lnk", "z.txt"]


def test_skip_prunes_directories_and_files(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "r",
        ["keep.txt", "drop.log", "node_modules/x/y.js", "src/node_modules/z.js", "src/a.py"],
    )
    asked: list[str] = []

    def skip(rel: str) -> bool:
        asked.append(rel)
        return rel.endswith((".log", "node_modules"))

    rels = _rels(list(walk(root, skip=skip)))

    assert rels == ["keep.txt", "src/a.py"]
    # A pruned directory is never entered, so nothing under it is even asked about.
    assert not [rel for rel in asked if "node_modules/" in rel]
    assert "src/node_modules" in asked


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list a chmod 000 directory")
def test_unreadable_directory_is_an_error(tmp_path: Path) -> None:
    root = _tree(tmp_path / "r", ["a.txt", "locked/secret.txt"])
    (root / "locked").chmod(0)
    try:
        items = list(walk(root))
    finally:
        (root / "locked").chmod(0o700)

    assert _rels(items) == ["a.txt"]
    assert _errors(items) == [ScanError("locked", "permission denied")]
