; hello: write(1, msg, len) and exit(0) with raw system calls (Intel syntax, keystone).
_start:
    mov eax, 1              ; write
    mov edi, 1              ; fd 1
    lea rsi, [rip + msg]
    mov edx, 13
    syscall
    mov eax, 60             ; exit
    xor edi, edi
    syscall
msg:
    .ascii "hello, world\n"
