/* true: exit 0 at once (the program the fork+execve benchmark runs). */
int main(void)
{
    return 0;
}
