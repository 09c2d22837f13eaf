/* execve_cat FILE: exec /bin/cat FILE with an empty environment. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    char *var[3];
    if (argc < 2) {
        printf("Please type a file name.\n");
        return -1;
    }
    var[0] = "/bin/cat";
    var[1] = argv[1];
    var[2] = 0;
    execve(var[0], var, 0);
    perror("execve");
    return 1;
}
