"""SysV IPC: keys, flags and commands of shmget/shmat/shmctl and semget/semop/semctl
(<linux/ipc.h>, <linux/shm.h>, <linux/sem.h>), with the names strace prints."""

from __future__ import annotations

from .flagset import FlagSet

IPC_PRIVATE = 0
IPC_CREAT, IPC_EXCL, IPC_NOWAIT = 0o1000, 0o2000, 0o4000
IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO = 0, 1, 2, 3
IPC_64 = 0x100  # glibc's "the 64-bit structures" bit on the command
IPC_FLAGS = FlagSet.of(IPC_CREAT=IPC_CREAT, IPC_EXCL=IPC_EXCL, IPC_NOWAIT=IPC_NOWAIT)
IPC_CMDS = {IPC_RMID: "IPC_RMID", IPC_SET: "IPC_SET", IPC_STAT: "IPC_STAT",
            IPC_INFO: "IPC_INFO"}

SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC = 0o10000, 0o20000, 0o40000, 0o100000
SHM_FLAGS = FlagSet.of(SHM_RDONLY=SHM_RDONLY, SHM_RND=SHM_RND, SHM_REMAP=SHM_REMAP,
                       SHM_EXEC=SHM_EXEC)
SHM_CMDS = {**IPC_CMDS, 11: "SHM_LOCK", 12: "SHM_UNLOCK", 13: "SHM_STAT", 14: "SHM_INFO",
            15: "SHM_STAT_ANY"}

SEM_UNDO = 0x1000
SEM_FLG = FlagSet.of(IPC_NOWAIT=IPC_NOWAIT, SEM_UNDO=SEM_UNDO)
GETPID, GETVAL, GETALL, GETNCNT, GETZCNT, SETVAL, SETALL = 11, 12, 13, 14, 15, 16, 17
SEM_CMDS = {**IPC_CMDS, GETPID: "GETPID", GETVAL: "GETVAL", GETALL: "GETALL",
            GETNCNT: "GETNCNT", GETZCNT: "GETZCNT", SETVAL: "SETVAL", SETALL: "SETALL",
            18: "SEM_STAT", 19: "SEM_INFO", 20: "SEM_STAT_ANY"}
