/* Command-line parsing; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "attempt.h"
#include "metrics_http.h"

static void cli_defaults(fota_cli_t *o)
{
    memset(o, 0, sizeof *o);
    o->db = FOTA_DEFAULT_DB;
    o->ports = FOTA_DEFAULT_PORTS;
    o->expect = -1;
    o->max_parallel = -1;
}

static int cli_number(const char *opt, const char *s, long min, long *out, FILE *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min) {
        fprintf(err, "fota-station: %s wants a number >= %ld, got '%s'\n", opt, min, s);
        return 2;
    }
    *out = v;
    return 0;
}

void fota_cli_usage_main(FILE *f)
{
    fputs("usage: fota-station <command> [options]\n"
          "\n"
          "commands:\n"
          "  run     upgrade every module that appears in the ports directory, per a job\n"
          "  attach  the live dashboard of a running station (also a service's)\n"
          "  probe   list present modules (slot, port, model, IMEI, revision, profile)\n"
          "  check   validate profiles and a job (file:line:column for every error)\n"
          "  report  pass/fail report from the results database (or the central one)\n"
          "  ship    ship a results database to a central PostgreSQL\n"
          "  port    slots out of service in a results database: list, enable, disable\n"
          "\n"
          "`fota-station <command> --help` describes each command's options;\n"
          "`fota-station --version` prints the version (git description of the build).\n"
          "exit codes: 0 all passed, 1 a module failed, 2 usage/configuration error,\n"
          "3 runtime fault (database unwritable, no ports directory)\n",
          f);
}

void fota_cli_usage_run(FILE *f)
{
    fputs("usage: fota-station run --job JOB.yaml [options]\n"
          "\n"
          "  --job FILE          production order: targets, packages, limits (required)\n"
          "  --db FILE           results database (default results.db)\n"
          "  --ports DIR         one symlink per module AT port (default /dev/serial/by-path)\n"
          "  --profiles DIR      module family profiles (default: $FOTA_PROFILES, installed,\n"
          "                      ./profiles, the source tree's for a build-tree binary)\n"
          "  --batch NAME        batch recorded on every row (default: the job's name)\n"
          "  --operator ID       operator recorded on every row\n"
          "                      (without --batch / --operator: $FOTA_BATCH, $FOTA_OPERATOR;\n"
          "                      a scan matching the job's scans patterns changes them)\n"
          "  --until-idle        exit once every module seen has a final result (one\n"
          "                      that went away is waited for its reboot timeout; exit\n"
          "                      4 when nothing was recorded: no module came within the\n"
          "                      settle + probe windows, or those seen never came back)\n"
          "  --expect N          exit once N modules have final results\n"
          "  --max-parallel N    override the job's max_parallel\n"
          "  --no-dashboard      plain line log instead of the live dashboard\n"
          "  --log-dir DIR       one transcript file per attempt\n"
          "  --rework            only upgrade modules whose latest result is not PASS\n"
          "  --allow-new         with --rework: also upgrade modules never seen before\n"
          "  --central DSN       also ship results to a central PostgreSQL (libpq string\n"
          "                      or URI; keep the password in ~/.pgpass or PGPASSFILE)\n"
          "  --no-modem-manager  do not ask ModemManager (D-Bus InhibitDevice) to leave\n"
          "                      each module alone during its attempt\n"
          "  --metrics HOST:PORT serve Prometheus metrics at http://HOST:PORT/metrics\n"
          "                      (off by default; 127.0.0.1:9477 for this PC only)\n"
          "\n"
          "Keys on the dashboard: a = acknowledge a pause after repeated failures,\n"
          "q = quit (asks once while modules are in flight: q again aborts them).\n"
          "SIGUSR1 acknowledges too; SIGINT/SIGTERM stop (running attempts: INTERRUPTED).\n",
          f);
}

void fota_cli_usage_probe(FILE *f)
{
    fputs("usage: fota-station probe [--ports DIR] [--profiles DIR] [--json | --job JOB.yaml]\n"
          "\n"
          "Lists present modules: slot, port, model, IMEI, revision, matching profile.\n"
          "Sends only ATI and AT+GSN: changes nothing on the modules (not even echo).\n"
          "  --job FILE   then what each module would get from that job: target, method,\n"
          "               package chain, or why nothing (no_package, unknown_model,\n"
          "               already at the target); the job is loaded as run loads it\n",
          f);
}

void fota_cli_usage_check(FILE *f)
{
    fputs("usage: fota-station check [--job JOB.yaml] [--profiles DIR] [--strict]\n"
          "\n"
          "Validates every profile and, with --job, the job against them; reads every\n"
          "package file and checks its sha256; fetches every URL package that has a\n"
          "sha256 and compares it (others are not fetched: a warning says they cannot\n"
          "be audited). Errors name file:line:column. Then the plan: per target the\n"
          "package chains and the revisions they start from, warnings (a package\n"
          "leading nowhere, a revision with no path, overlapping targets), each local\n"
          "package's sha256.\n"
          "  --strict    exit 1 when there is any warning\n"
          "Exit 0, 1 (--strict and a warning) or 2 (an error).\n",
          f);
}

enum { O_JOB = 1000, O_DB, O_PORTS, O_PROFILES, O_BATCH, O_OPERATOR, O_UNTIL_IDLE, O_EXPECT,
       O_MAX_PARALLEL, O_NO_DASH, O_LOG_DIR, O_REWORK, O_ALLOW_NEW, O_JSON, O_HELP, O_CENTRAL,
       O_NO_MM, O_STRICT, O_METRICS };

static int cli_parse(fota_cli_t *o, int argc, char **argv, FILE *err, const struct option *opts,
                     const char *cmd)
{
    cli_defaults(o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_JOB: o->job = optarg; break;
        case O_DB: o->db = optarg; break;
        case O_PORTS: o->ports = optarg; break;
        case O_PROFILES: o->profiles = optarg; break;
        case O_BATCH: o->batch = optarg; break;
        case O_OPERATOR: o->operator_id = optarg; break;
        case O_UNTIL_IDLE: o->until_idle = true; break;
        case O_EXPECT:
            if (cli_number("--expect", optarg, 1, &o->expect, err))
                return 2;
            break;
        case O_MAX_PARALLEL:
            if (cli_number("--max-parallel", optarg, 1, &o->max_parallel, err))
                return 2;
            break;
        case O_NO_DASH: o->no_dashboard = true; break;
        case O_LOG_DIR: o->log_dir = optarg; break;
        case O_REWORK: o->rework = true; break;
        case O_ALLOW_NEW: o->allow_new = true; break;
        case O_CENTRAL: o->central = optarg; break;
        case O_NO_MM: o->no_modem_manager = true; break;
        case O_METRICS: o->metrics = optarg; break;
        case O_JSON: o->json = true; break;
        case O_STRICT: o->strict = true; break;
        case 'h':
        case O_HELP: o->help = true; break;
        case ':':
            fprintf(err, "fota-station %s: %s needs a value\n", cmd, argv[optind - 1]);
            return 2;
        default:
            fprintf(err, "fota-station %s: unknown option '%s' (see --help)\n", cmd,
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(err, "fota-station %s: unexpected argument '%s' (see --help)\n", cmd, argv[optind]);
        return 2;
    }
    return 0;
}

/* A name every row carries whole, or the run does not start (docs/database.md). */
static int cli_name_fits(const char *opt, const char *v, size_t max, FILE *err)
{
    if (!v || strlen(v) <= max)
        return 0;
    fprintf(err, "fota-station run: %s is %zu bytes long, at most %zu are allowed (it is "
                 "recorded on every attempt row)\n", opt, strlen(v), max);
    return 2;
}

/* --metrics: the address's shape now; whether it can be bound, at start. */
static int cli_metrics_addr(const char *addr, FILE *err)
{
    char host[256], why[200];
    unsigned port;
    if (fota_metrics_addr_parse(addr, host, sizeof host, &port, why, sizeof why) == 0)
        return 0;
    fprintf(err, "fota-station run: --metrics %s\n", why);
    return 2;
}

int fota_cli_parse_run(fota_cli_t *o, int argc, char **argv, FILE *err)
{
    static const struct option opts[] = {
        {"job", required_argument, NULL, O_JOB},
        {"db", required_argument, NULL, O_DB},
        {"ports", required_argument, NULL, O_PORTS},
        {"profiles", required_argument, NULL, O_PROFILES},
        {"batch", required_argument, NULL, O_BATCH},
        {"operator", required_argument, NULL, O_OPERATOR},
        {"until-idle", no_argument, NULL, O_UNTIL_IDLE},
        {"expect", required_argument, NULL, O_EXPECT},
        {"max-parallel", required_argument, NULL, O_MAX_PARALLEL},
        {"no-dashboard", no_argument, NULL, O_NO_DASH},
        {"log-dir", required_argument, NULL, O_LOG_DIR},
        {"rework", no_argument, NULL, O_REWORK},
        {"allow-new", no_argument, NULL, O_ALLOW_NEW},
        {"central", required_argument, NULL, O_CENTRAL},
        {"no-modem-manager", no_argument, NULL, O_NO_MM},
        {"metrics", required_argument, NULL, O_METRICS},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int rc = cli_parse(o, argc, argv, err, opts, "run");
    if (rc || o->help)
        return rc;
    if (!o->job) {
        fputs("fota-station run: --job JOB.yaml is required (see --help)\n", err);
        return 2;
    }
    if (o->allow_new && !o->rework) {
        fputs("fota-station run: --allow-new only makes sense with --rework\n", err);
        return 2;
    }
    if (o->metrics && cli_metrics_addr(o->metrics, err))
        return 2;
    /* The service's way (its EnvironmentFile): FOTA_OPERATOR and FOTA_BATCH stand for
     * the flags when those are absent; a flag always wins. Checked as the flags are. */
    const char *env_batch = getenv("FOTA_BATCH"), *env_op = getenv("FOTA_OPERATOR");
    if (!o->batch && env_batch && env_batch[0])
        o->batch = env_batch;
    if (!o->operator_id && env_op && env_op[0])
        o->operator_id = env_op;
    if (cli_name_fits("--batch", o->batch, FOTA_BATCH_MAX, err) ||
        cli_name_fits("--operator", o->operator_id, FOTA_OPERATOR_MAX, err))
        return 2;
    return 0;
}

int fota_cli_parse_probe(fota_cli_t *o, int argc, char **argv, FILE *err)
{
    static const struct option opts[] = {
        {"ports", required_argument, NULL, O_PORTS},
        {"profiles", required_argument, NULL, O_PROFILES},
        {"json", no_argument, NULL, O_JSON},
        {"job", required_argument, NULL, O_JOB},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int rc = cli_parse(o, argc, argv, err, opts, "probe");
    if (rc == 0 && o->job && o->json) {
        fputs("fota-station probe: --job prints the plan as a table; leave out --json\n", err);
        return 2;
    }
    return rc;
}

int fota_cli_parse_check(fota_cli_t *o, int argc, char **argv, FILE *err)
{
    static const struct option opts[] = {
        {"job", required_argument, NULL, O_JOB},
        {"profiles", required_argument, NULL, O_PROFILES},
        {"strict", no_argument, NULL, O_STRICT},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    return cli_parse(o, argc, argv, err, opts, "check");
}
