/* Placeholder entry point until the station lands (issue 4). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: fota-station <run|probe|report|check> [options]");
        return 0;
    }
    fputs("fota-station: not built yet\n", stderr);
    return 2;
}
