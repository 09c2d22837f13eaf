/* cpu: CPU-bound integer work with stores: an FNV-style checksum over a buffer, many rounds.
   `cpu [ROUNDS]` (default 2000: about 3.7 G instructions at -O2 on glibc). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t buf[16384];

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 2000;
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < 16384; i++)
        buf[i] = i * 2654435761u;
    for (long r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < 16384; i++) {
            h = (h ^ buf[i]) * 16777619u;
            buf[i] = h + (uint32_t)r;
        }
    }
    printf("checksum %08x after %ld rounds\n", h, rounds);
    return 0;
}
