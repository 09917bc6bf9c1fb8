/* fota-station: subcommand dispatch (SPEC §2). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fota_cli_usage_main(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    fprintf(stderr, "fota-station: unknown command '%s' (see --help)\n", argv[1]);
    return 2;
}
