/* Command-line options of `fota-station run|probe|check` (docs/station.md). Parsing is kept
 * apart from running so the rules (required --job, numbers, defaults) are tested. */
#ifndef FOTA_STATION_CLI_H
#define FOTA_STATION_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define FOTA_DEFAULT_PORTS "/dev/serial/by-path"
#define FOTA_DEFAULT_DB "results.db"

typedef struct {
    const char *job;
    const char *db;
    const char *ports;
    const char *profiles;   /* NULL: the installed dir, then ./profiles */
    const char *batch;      /* NULL: the job's name */
    const char *operator_id;
    const char *log_dir;
    const char *central;    /* run --central DSN: ship to the central PostgreSQL */
    const char *metrics;    /* run --metrics HOST:PORT: serve /metrics for Prometheus */
    bool until_idle;
    long expect;            /* -1: not given */
    long max_parallel;      /* -1: the job's */
    bool no_dashboard;
    bool rework;
    bool allow_new;
    bool no_modem_manager;  /* run: do not ask ModemManager to leave modules alone */
    bool json;              /* probe */
    bool strict;            /* check: warnings make the exit 1 */
    bool help;
} fota_cli_t;

/* Parses argv of one subcommand (argv[0] = the subcommand name). Returns 0, or 2 with
 * a message on err for usage errors. */
int fota_cli_parse_run(fota_cli_t *o, int argc, char **argv, FILE *err);
int fota_cli_parse_probe(fota_cli_t *o, int argc, char **argv, FILE *err);
int fota_cli_parse_check(fota_cli_t *o, int argc, char **argv, FILE *err);

void fota_cli_usage_main(FILE *f);
void fota_cli_usage_run(FILE *f);
void fota_cli_usage_probe(FILE *f);
void fota_cli_usage_check(FILE *f);

/* Profiles directory (station/profiles_dir.c): --profiles, else $FOTA_PROFILES, else
 * the first that exists of the compiled-in install path, <bindir>/../share/...,
 * ./profiles and, for a binary in its build tree, the source tree's; when none
 * does, says on stderr which were tried and how to choose. */
const char *fota_cli_profiles_dir(const fota_cli_t *o);

#endif
