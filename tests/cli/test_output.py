"""write_output: stdout, or a private file that appears whole or not at all."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pytest

from wisp.cli.output import write_output


def _write(text: str) -> Callable[[TextIO], None]:
    def write(out: TextIO) -> None:
        out.write(text)

    return write


def _fail_after(text: str, exc: BaseException) -> Callable[[TextIO], None]:
    def write(out: TextIO) -> None:
        out.write(text)
        raise exc

    return write


def test_no_target_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_output(None, _write("report\n"))

    assert capsys.readouterr().out == "report\n"


def test_target_gets_the_text_mode_0600_and_no_temp_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    old = os.umask(0)
    try:
        write_output(target, _write('{"a": 1}\n'))
    finally:
        os.umask(old)

    assert target.read_text(encoding="utf-8") == '{"a": 1}\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_existing_file_is_replaced_and_made_private(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)

    write_output(target, _write("new"))

    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_text_is_utf8_and_newlines_are_kept_as_written(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"

    write_output(target, _write("path\r\nCafé/ñ.csv\n"))

    assert target.read_bytes() == "path\r\nCafé/ñ.csv\n".encode()


@pytest.mark.parametrize(
    "exc", [ValueError("render failed"), KeyboardInterrupt()], ids=["error", "interrupt"]
)
def test_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, exc: BaseException
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old report", encoding="utf-8")

    with pytest.raises(type(exc)):
        write_output(target, _fail_after("half a rep", exc))

    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_failed_first_write_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "report.json"

    with pytest.raises(ValueError, match="boom"):
        write_output(target, _fail_after("partial", ValueError("boom")))

    assert list(tmp_path.iterdir()) == []


def test_relative_target_is_written_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    write_output(Path("report.txt"), _write("x"))

    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_temp_file_is_private_while_it_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    modes: list[int] = []

    def write(out: TextIO) -> None:
        (temp,) = [p for p in tmp_path.iterdir() if p.name != "report.json"]
        assert temp.name.startswith(".report.json.")
        modes.append(stat.S_IMODE(temp.stat().st_mode))
        out.write("x")

    write_output(target, write)

    assert modes == [0o600]
