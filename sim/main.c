/* Placeholder entry point until the simulator lands (issue 3). */
#include <stdio.h>

int main(void)
{
    fputs("fota-sim: not built yet\n", stderr);
    return 2;
}
