"""The Compact C Type Format: types and variables for gdb's `whatis`, `ptype`, `print`."""
