"""Front-end: the strace-compatible tracer, libc call tracing, JSON events."""
