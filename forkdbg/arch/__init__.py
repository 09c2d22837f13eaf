"""The x86-64 architecture: registers, syscall ABI, initial stack; disassembly and assembly."""
