"""Host directories held open, and the *at() calls every host file operation goes through.

forkdbg never hands the host a path of more than one component: the root, each guest
working directory and each directory a walk passes hold a host descriptor (O_PATH), and
an operation names its final component relative to its parent's descriptor, never
following a symlink there (forkdbg follows symlinks itself, inside the root: vfs.py).
A concurrent rename or symlink swap can then only make a call fail.
"""

from __future__ import annotations

import ctypes
import os
import stat as st_mod

from ..abi.errno import Errno
from ..kernel.errors import KernelError

O_PATH = 0o10000000
_DIR_FLAGS = O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def host_error(e: OSError) -> KernelError:
    """A host OSError as the guest's errno."""
    return KernelError(e.errno or Errno.EIO)


class HostDir:
    """An open host directory: the root, a working directory, a directory on a walk's way.

    Its identity (device, inode) tells the root apart from other directories; `guest` is
    the guest path it was reached by (for display; vfs.Vfs.path_of finds the current one).
    The descriptor closes with the object (CPython's reference counting is prompt).
    """

    __slots__ = ("fd", "guest", "dev", "ino", "__weakref__")

    def __init__(self, fd: int, guest: str) -> None:
        self.fd = fd
        self.guest = guest
        try:
            st = os.fstat(fd)
        except OSError as e:
            os.close(fd)
            raise host_error(e) from None
        self.dev, self.ino = st.st_dev, st.st_ino

    @classmethod
    def open_root(cls, path: str, guest: str = "/") -> "HostDir":
        """Open the host directory `path` itself (the root: the one path forkdbg gives the
        host whole)."""
        try:
            return cls(os.open(path, _DIR_FLAGS & ~os.O_NOFOLLOW), guest)
        except OSError as e:
            raise host_error(e) from None

    def child(self, name: str, guest: str) -> "HostDir":
        """The subdirectory `name` (a symlink there fails: the caller resolved it)."""
        try:
            return HostDir(os.open(name, _DIR_FLAGS, dir_fd=self.fd), guest)
        except OSError as e:
            raise host_error(e) from None

    def dup(self) -> "HostDir":
        d = HostDir.__new__(HostDir)
        d.fd = os.dup(self.fd)
        os.set_inheritable(d.fd, False)
        d.guest, d.dev, d.ino = self.guest, self.dev, self.ino
        return d

    def same(self, other: "HostDir") -> bool:
        return self.dev == other.dev and self.ino == other.ino

    def __del__(self) -> None:
        try:
            os.close(self.fd)
        except (OSError, TypeError, AttributeError):
            pass

    # -------------------------------------------------------- one component
    def lstat(self, name: str) -> os.stat_result | None:
        """`name` here, not followed; None if it does not exist."""
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise host_error(e) from None

    def readlink(self, name: str) -> str:
        try:
            return os.fsdecode(os.readlink(name, dir_fd=self.fd))
        except OSError as e:
            raise host_error(e) from None

    def open(self, name: str, flags: int, mode: int = 0o666) -> int:
        """open(2) of `name` here with the guest's flags, never following a symlink."""
        hostflags = (flags & ~0o2000000) | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            return os.open(name, hostflags, mode, dir_fd=self.fd)
        except OSError as e:
            raise host_error(e) from None

    def tmpfile(self, name: str, flags: int, mode: int) -> int:
        """An unnamed file in the directory `name` here (open(2)'s O_TMPFILE)."""
        dfd = self.open(name, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return os.open(".", (flags & ~0o2000000) | os.O_CLOEXEC, mode, dir_fd=dfd)
        except OSError as e:
            raise host_error(e) from None
        finally:
            os.close(dfd)

    def mkdir(self, name: str, mode: int) -> None:
        try:
            os.mkdir(name, mode, dir_fd=self.fd)
        except OSError as e:
            raise host_error(e) from None

    def unlink(self, name: str, rmdir: bool = False) -> None:
        try:
            if rmdir:
                os.rmdir(name, dir_fd=self.fd)
            else:
                os.unlink(name, dir_fd=self.fd)
        except OSError as e:
            raise host_error(e) from None

    def symlink(self, target: str, name: str) -> None:
        try:
            os.symlink(target, name, dir_fd=self.fd)
        except OSError as e:
            raise host_error(e) from None

    def mknod(self, name: str, mode: int, dev: int) -> None:
        try:
            os.mknod(name, mode, dev, dir_fd=self.fd)
        except OSError as e:
            raise host_error(e) from None

    def chown(self, name: str, uid: int, gid: int) -> None:
        """lchown of `name` here ("." : the file this descriptor holds itself)."""
        try:
            if name == ".":
                os.chown(f"/proc/self/fd/{self.fd}", uid, gid)
            else:
                os.chown(name, uid, gid, dir_fd=self.fd, follow_symlinks=False)
        except OSError as e:
            raise host_error(e) from None

    def utime(self, name: str, ns: tuple[int, int]) -> None:
        """Set the times of `name` here, not following it ("." : this file itself)."""
        try:
            if name == ".":
                os.utime(f"/proc/self/fd/{self.fd}", ns=ns)
            else:
                os.utime(name, ns=ns, dir_fd=self.fd, follow_symlinks=False)
        except OSError as e:
            raise host_error(e) from None

    def chmod(self, name: str, mode: int) -> None:
        """chmod of `name` itself: through an O_PATH descriptor of it (Linux's fchmodat has
        no working no-follow flag), so a symlink swapped in is refused, not followed."""
        fd = self.open(name, O_PATH)
        try:
            if st_mod.S_ISLNK(os.fstat(fd).st_mode):
                raise KernelError(Errno.EOPNOTSUPP)
            os.chmod(f"/proc/self/fd/{fd}", mode)
        except OSError as e:
            raise host_error(e) from None
        finally:
            os.close(fd)


def link(old: HostDir, oldname: str, new: HostDir, newname: str) -> None:
    """linkat without AT_SYMLINK_FOLLOW: a symlink is linked, never its target."""
    try:
        os.link(oldname, newname, src_dir_fd=old.fd, dst_dir_fd=new.fd, follow_symlinks=False)
    except OSError as e:
        raise host_error(e) from None


def rename(old: HostDir, oldname: str, new: HostDir, newname: str, flags: int = 0) -> None:
    """renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT as given)."""
    if flags == 0:
        try:
            os.rename(oldname, newname, src_dir_fd=old.fd, dst_dir_fd=new.fd)
        except OSError as e:
            raise host_error(e) from None
        return
    if _renameat2 is None:
        raise KernelError(Errno.EINVAL)
    if _renameat2(old.fd, os.fsencode(oldname), new.fd, os.fsencode(newname),
                  ctypes.c_uint(flags)) != 0:
        raise KernelError(ctypes.get_errno() or Errno.EIO)


def path_of_fd(fd: int) -> str | None:
    """The host path a descriptor's file is at now (None if the host cannot say)."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
