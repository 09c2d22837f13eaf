"""Path resolution inside a root."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from forkdbg.abi.errno import Errno
from forkdbg.fs.devices import device_nodes
from forkdbg.fs.vfs import Vfs
from forkdbg.kernel.errors import KernelError


@pytest.fixture()
def vfs(tmp_path: Path) -> Vfs:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "f.txt").write_text("x")
    (tmp_path / "up").symlink_to("../../../..")
    (tmp_path / "d" / "abs").symlink_to("/d/f.txt")
    (tmp_path / "l1").symlink_to("l2")
    (tmp_path / "l2").symlink_to("l1")
    return Vfs(str(tmp_path), device_nodes(random.Random(0)))


def test_resolution(vfs: Vfs) -> None:
    assert vfs.resolve("/", "/d/e/../f.txt").guest == "/d/f.txt"
    assert vfs.resolve("/d", "f.txt").guest == "/d/f.txt"
    assert vfs.resolve("/", "/up/d").guest == "/d"
    assert vfs.resolve("/", "/d/abs").guest == "/d/f.txt"
    assert vfs.resolve("/", "/d/abs", follow=False).is_link
    assert not vfs.resolve("/", "/d/new").exists
    assert vfs.resolve("/", "/dev/null").synth is not None


@pytest.mark.parametrize("path,err", [
    ("/l1", Errno.ELOOP), ("/nope/x", Errno.ENOENT), ("/d/f.txt/x", Errno.ENOTDIR),
    ("/d/f.txt/", Errno.ENOTDIR), ("", Errno.ENOENT), ("/" + "a" * 300, Errno.ENAMETOOLONG),
])
def test_errors(vfs: Vfs, path: str, err: Errno) -> None:
    with pytest.raises(KernelError) as e:
        vfs.resolve("/", path)
    assert e.value.errno == err
