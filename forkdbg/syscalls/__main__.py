"""`python3 -m forkdbg.syscalls`: the support matrix, one system call a line."""

from .table import render_matrix

print(render_matrix())
