"""The emulated Linux kernel: tasks, thread groups, the scheduler, fork/exec/exit/wait, signals."""
