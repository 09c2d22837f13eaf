/* execerr: execve failures and the errno Linux gives each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try(const char *what, const char *path, char **argv)
{
    char *envp[] = {NULL};
    execve(path, argv, envp);
    printf("%-28s %s\n", what, strerror(errno));
}

int main(void)
{
    char *argv[] = {"x", NULL};
    try("missing file", "/nonexistent/prog", argv);
    try("a directory", "/tmp", argv);
    try("not executable", "/etc/passwd", argv);
    try("bad path pointer", (const char *)1, argv);
    try("path through a file", "/etc/passwd/x", argv);
    char *big = malloc(200000);
    memset(big, 'a', 199999);
    big[199999] = 0;
    char *bigargv[] = {"x", big, NULL};
    try("argument over 128 KiB", "/bin/busybox", bigargv);
    char script[] = "/tmp/forkdbg-execerr-XXXXXX";
    int fd = mkstemp(script);
    write(fd, "no interpreter line\n", 20);
    close(fd);
    chmod(script, 0755);
    try("text without #!", script, argv);
    unlink(script);
    return 0;
}
