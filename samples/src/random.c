/* random: print the 16 AT_RANDOM bytes and 8 bytes from getrandom(2) (for determinism tests). */
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/random.h>

int main(void)
{
    const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
    unsigned char g[8];
    printf("AT_RANDOM ");
    for (int i = 0; i < 16; i++)
        printf("%02x", r[i]);
    if (getrandom(g, sizeof g, 0) != sizeof g)
        return 1;
    printf("\ngetrandom ");
    for (int i = 0; i < 8; i++)
        printf("%02x", g[i]);
    printf("\n");
    return 0;
}
