"""ELF executables: what to map (loader) and what the names mean (symbols)."""
