"""forkdbg: see how Linux processes are born.

A gdb-style debugger and an strace-style tracer for x86-64 Linux programs,
run on an emulated CPU (unicorn) under an emulated Linux kernel written in Python.
"""

__version__ = "0.1.0"
