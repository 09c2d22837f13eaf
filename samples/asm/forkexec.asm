; forkexec: fork with syscall 57; rax is 0 in the child and the child's pid in the parent.
; The child execs busybox echo; the parent writes to stderr, waits and exits 0.
_start:
    mov rax, 57             ; fork
    syscall
    cmp rax, 0              ; who am I?
    jz _handle_child
_handle_parent:
    mov edi, 2              ; the parent writes "Parent process\n" to stderr
    lea rsi, [rip + parent_msg]
    mov edx, 15
    mov eax, 1
    syscall
    mov rdi, -1             ; wait4(-1, NULL, 0, NULL)
    xor esi, esi
    xor edx, edx
    xor r10d, r10d
    mov eax, 61
    syscall
    jmp _exit
_handle_child:
    lea rdi, [rip + path]   ; execve(path, argv, envp)
    lea rsi, [rip + argv]
    mov rdx, [rsp]          ; envp = &argv[argc + 1] on the initial stack
    lea rdx, [rsp + rdx*8 + 16]
    mov eax, 59
    syscall
    mov edi, 127            ; exec failed
    mov eax, 60
    syscall
_exit:
    xor edi, edi
    mov eax, 60
    syscall
path:
    .ascii "/bin/busybox"
    .byte 0
arg1:
    .ascii "echo"
    .byte 0
arg2:
    .ascii "hello from the asm child"
    .byte 0
parent_msg:
    .ascii "Parent process\n"
    .byte 0
    .byte 0, 0, 0, 0, 0, 0, 0
argv:
    .quad path, arg1, arg2, 0
