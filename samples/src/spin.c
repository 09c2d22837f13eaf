/* spin: the main thread spins (no system calls) until a second thread sets a flag.
   Only preemption on a time slice lets the second thread run under a run-until-block
   scheduler. */
#include <pthread.h>
#include <stdio.h>

static volatile int flag;

static void *setter(void *arg)
{
    (void)arg;
    flag = 1;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    unsigned long spins = 0;
    while (!flag)
        spins++;
    pthread_join(t, NULL);
    printf("flag seen after spinning\n");
    return 0;
}
