"""chainrule.io.atomic: a file is replaced whole or not at all."""

import os
import stat

import pytest

from chainrule.io.atomic import atomic_write, atomic_write_bytes, atomic_write_text


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "model.chainrule"
    path.write_bytes(b"the old model")

    def half_then_crash(f):
        f.write(b"half a new mod")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_then_crash, "the model")
    assert path.read_bytes() == b"the old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.chainrule"]


def test_a_write_replaces_the_file_with_normal_permissions(tmp_path):
    path = tmp_path / "why.html"
    atomic_write_text(path, "<p>∂E/∂w</p>", "the explanation")
    atomic_write_bytes(path, b"<p>second</p>", "the explanation")
    assert path.read_text(encoding="utf-8") == "<p>second</p>"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cannot write the plot to .*: the folder .*nope"):
        atomic_write_bytes(tmp_path / "nope" / "a.png", b"", "the plot")
