"""System calls: one table from number to handler, argument kinds and support level."""

from .table import SyscallDef, build_table

__all__ = ["SyscallDef", "build_table"]
