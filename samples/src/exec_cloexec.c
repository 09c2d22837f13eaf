/* exec_cloexec: open one descriptor with O_CLOEXEC and one without, exec ourselves, and
   show that the pid stayed and only the close-on-exec descriptor went away. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "after")) {
        int keep = atoi(argv[2]), gone = atoi(argv[3]);
        printf("after exec: pid same=%d keep open=%d cloexec open=%d\n",
               getpid() == atoi(argv[4]), fcntl(keep, F_GETFD) != -1, fcntl(gone, F_GETFD) != -1);
        return 0;
    }
    int keep = open("/dev/null", O_RDONLY);
    int gone = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char k[16], g[16], p[16];
    snprintf(k, sizeof k, "%d", keep);
    snprintf(g, sizeof g, "%d", gone);
    snprintf(p, sizeof p, "%d", getpid());
    printf("before exec: keep=%d cloexec=%d\n", keep, gone);
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "after", k, g, p, (char *)NULL);
    perror("execl");
    return 1;
}
