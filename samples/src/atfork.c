/* atfork: two sets of pthread_atfork handlers.  Prepare handlers run in reverse order of
   registration before the fork; parent and child handlers in registration order after it.
   Each side logs what ran and prints its log once the order can no longer vary. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char log_[256];

static void note(const char *what)
{
    strcat(log_, what);
    strcat(log_, " ");
}

static void prepare_a(void) { note("prepare_a"); }
static void parent_a(void) { note("parent_a"); }
static void child_a(void) { note("child_a"); }
static void prepare_b(void) { note("prepare_b"); }
static void parent_b(void) { note("parent_b"); }
static void child_b(void) { note("child_b"); }

int main(void)
{
    pthread_atfork(prepare_a, parent_a, child_a);
    pthread_atfork(prepare_b, parent_b, child_b);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child:  %s\n", log_);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("parent: %s\n", log_);
    return 0;
}
