"""Command-line front-ends: `forkdbg run`, `forkdbg trace` and the debugger."""
