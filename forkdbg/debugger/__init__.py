"""Front-end: the gdb-style debugger (command registry, session, REPL, command files)."""
