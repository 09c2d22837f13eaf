/* spawn_children N: fork N children; after each fork the parent and the child print
   a line with the loop counter.  Who prints first shows who ran first after fork. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            printf("%d child\n", i);
            _exit(0);
        }
        printf("%d parent\n", i);
    }
    while (wait(NULL) > 0)
        ;
    return 0;
}
