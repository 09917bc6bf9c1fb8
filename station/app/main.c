/* fota-station: subcommand dispatch (docs/station.md). */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "central_cli.h"
#include "port_cli.h"
#include "check.h"
#include "cli.h"
#include "probe.h"
#include "probe_plan.h"
#include "process_setup.h"
#include "report.h"
#include "station.h"

#ifndef FOTA_VERSION
#define FOTA_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        puts("fota-station " FOTA_VERSION);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fota_cli_usage_main(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    fota_cli_t o;
    int rc;
    if (strcmp(cmd, "run") == 0) {
        rc = fota_cli_parse_run(&o, argc - 1, argv + 1, stderr);
        if (rc || o.help) {
            fota_cli_usage_run(o.help ? stdout : stderr);
            return rc;
        }
        fota_process_limits_t lim;
        fota_process_setup_run(&lim);
        return fota_station_run(&o);
    }
    if (strcmp(cmd, "probe") == 0) {
        rc = fota_cli_parse_probe(&o, argc - 1, argv + 1, stderr);
        if (rc || o.help) {
            fota_cli_usage_probe(o.help ? stdout : stderr);
            return rc;
        }
        if (o.job) /* the plan: probe_plan.c */
            return fota_probe_plan_main(o.ports, fota_cli_profiles_dir(&o), o.job, stdout);
        return fota_probe_main(o.ports, fota_cli_profiles_dir(&o), o.json, stdout);
    }
    if (strcmp(cmd, "check") == 0) {
        rc = fota_cli_parse_check(&o, argc - 1, argv + 1, stderr);
        if (rc || o.help) {
            fota_cli_usage_check(o.help ? stdout : stderr);
            return rc;
        }
        return fota_check_main(fota_cli_profiles_dir(&o), o.job, o.strict);
    }
    if (strcmp(cmd, "attach") == 0)
        return fota_attach_main(argc - 1, argv + 1); /* cmd/attach.c */
    if (strcmp(cmd, "ship") == 0)
        return fota_central_cli_main(argc - 1, argv + 1); /* central_cli.c */
    if (strcmp(cmd, "port") == 0)
        return fota_port_cli_main(argc - 1, argv + 1); /* port_cli.c */
    if (strcmp(cmd, "report") == 0)
        return fota_report_main(argc - 1, argv + 1); /* reports/report.h */
    fprintf(stderr, "fota-station: unknown command '%s' (see --help)\n", cmd);
    return 2;
}
