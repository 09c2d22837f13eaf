"""DWARF debug information: line tables, functions, variables and types, read with
pyelftools once per file and shared by every process that runs it."""
