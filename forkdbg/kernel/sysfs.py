"""/sys as the guest sees it: the few files runtimes read, agreeing with the one CPU.

The host's sysfs describes the host (its CPUs, its devices); a program that counts CPUs
in /sys/devices/system/cpu/online while sched_getaffinity and /proc/cpuinfo give one
would disagree with itself.  So /sys is the machine's own, as /proc is: glibc's
get_nprocs, Go's huge-page probe and the CPU lists that thread pools size themselves by.
Anything else is absent (ENOENT), as in a container without sysfs.
"""

from __future__ import annotations

from typing import Union

from ..fs.synthetic import SynthNode

SYSFS_INO = 0x5F000000

#: a directory: names to directories or file contents
Tree = dict[str, Union["Tree", bytes]]

TREE: Tree = {
    "devices": {
        "system": {
            "cpu": {
                "online": b"0\n",
                "possible": b"0\n",
                "present": b"0\n",
                "offline": b"\n",
                "kernel_max": b"8191\n",
                "cpu0": {"topology": {"core_id": b"0\n", "physical_package_id": b"0\n",
                                      "thread_siblings_list": b"0\n",
                                      "core_siblings_list": b"0\n"}},
            },
            "node": {"online": b"0\n", "possible": b"0\n"},
        },
    },
    "kernel": {
        "mm": {"transparent_hugepage": {"enabled": b"always [madvise] never\n",
                                        "defrag": b"always defer defer+madvise [madvise] never\n",
                                        "hpage_pmd_size": b"2097152\n"}},
    },
    "fs": {},
}


def lookup(parts: list[str], _ctx: object = None) -> SynthNode | None:
    """The node at /sys/PARTS, or None."""
    node: Tree | bytes = TREE
    ino = SYSFS_INO
    for i, name in enumerate(parts):
        if not isinstance(node, dict) or name not in node:
            return None
        ino = SYSFS_INO + 1 + _path_hash(parts[:i + 1])
        node = node[name]
    if isinstance(node, dict):
        d = node
        return SynthNode("dir", ino, children=lambda: list(d),
                         child=lambda n: lookup(parts + [n]))
    data = node
    return SynthNode("file", ino, content=lambda: data)


def _path_hash(parts: list[str]) -> int:
    """A stable inode offset for a path (Python's str hash is salted per process)."""
    h = 0
    for ch in "/".join(parts).encode():
        h = (h * 131 + ch) & 0xFFFFFF
    return h
