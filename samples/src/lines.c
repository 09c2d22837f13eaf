/* Source-level debugging across fork: a loop, a struct, globals and statics, a child
 * that computes and a parent that waits (built with -g by the Makefile's -g rules). */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum colour { RED, GREEN = 4, BLUE };
struct point { int x, y; const char *label; enum colour c; };
static int calls = 3;
int squares[5] = {0, 1, 4, 9, 16};
char greeting[16] = "hi";

static int sum_to(int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += i;
    return total;
}

static void describe(const struct point *p)
{
    calls++;
    printf("%s at %d,%d\n", p->label, p->x, p->y);
}

int main(int argc, char **argv)
{
    int value = 41;
    struct point origin = {1, 2, "origin", GREEN};
    pid_t pid = fork();
    if (pid == 0) {
        value = sum_to(10);
        describe(&origin);
        return value == 45 ? 0 : 1;
    }
    waitpid(pid, NULL, 0);
    calls += origin.x;
    printf("parent %d %d %s\n", value, calls, argc > 1 ? argv[1] : greeting);
    return 0;
}
