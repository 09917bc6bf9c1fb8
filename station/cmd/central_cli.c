/* `fota-station ship --db FILE --central DSN [--follow]`: ships a station's
 * finished attempts to the central PostgreSQL (central_ship.h). Also the
 * shipper process of `run --central` (central_link.c), which starts it with
 * --follow, the DSN in FOTA_CENTRAL_DSN (never on a command line: `ps` shows
 * those to every user) and FOTA_SHIP_PARENT set.
 *
 * What it prints, one line each, is also what the station reads from it:
 *   central: connected to USER@HOST:PORT/DB
 *   central: shipped N attempt(s), M event(s); behind by B
 *   central: offline since ISO-TIME: REASON; retrying in S s */
#include "central_cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "central_conn.h"
#include "central_schema.h"
#include "central_ship.h"
#include "iso_time.h"
#include "wall_clock.h"

#define ROUND_ATTEMPTS 500   /* one central transaction: ~500 attempts, ~10k events */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 10000 /* a server back is seen within 10 s */
#define REPORT_EVERY_MS 5000 /* --follow: "shipped" at most this often */
#define PING_MS 5000         /* idle: check the link this often */

static volatile sig_atomic_t stop_now, drain;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        drain = 1; /* the station is exiting: ship what is there, then stop */
    else
        stop_now = 1;
}

static const char usage[] =
    "usage: fota-station ship --db FILE --central DSN [--follow] [--interval-ms N]\n"
    "\n"
    "Ships the finished attempts of a station's results database, with their\n"
    "transcripts, to a central PostgreSQL. Idempotent: what was shipped is\n"
    "recorded in the file, and the central key (station, local id) absorbs a\n"
    "repeat, so a restart resumes and nothing is duplicated.\n"
    "  --db FILE        the station's results database (default results.db)\n"
    "  --central DSN    libpq connection string or URI (or FOTA_CENTRAL_DSN in the\n"
    "                   environment); passwords: ~/.pgpass or PGPASSFILE\n"
    "  --follow         keep shipping as the file grows (a service beside a station)\n"
    "  --interval-ms N  --follow: look for new attempts every N ms (default 500)\n"
    "Exit status: 0 everything shipped (or stopped by a signal with --follow),\n"
    "2 usage error, 3 database or central server unusable.\n";

/* Monotonic: only intervals (offline since, the next ping) are measured with it. */
static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps in short steps so a signal ends the wait at once. */
static void nap(int ms)
{
    for (int t = 0; t < ms && !stop_now && !drain; t += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

typedef struct {
    const char *dsn;
    bool follow;
    int interval_ms;
    fota_central_ship_t *ship;
    PGconn *pg;
    int64_t offline_since; /* 0 while connected or never tried */
    int backoff_ms;
    int64_t shipped, events, last_report_ms;
    int64_t last_ok_ms;    /* last time the server answered */
} shipper_t;

static void say_offline(shipper_t *sh, const char *why)
{
    char clean[512], iso[FOTA_ISO_LEN];
    fota_central_scrub(sh->dsn, why, clean, sizeof clean);
    if (!sh->offline_since)
        sh->offline_since = fota_wall_ms(); /* shown as a date */
    if (sh->follow && !drain)
        printf("central: offline since %s: %s; retrying in %d s\n",
               fota_iso_format(sh->offline_since, iso), clean, sh->backoff_ms / 1000);
    else
        printf("central: offline since %s: %s\n", fota_iso_format(sh->offline_since, iso), clean);
    fflush(stdout);
}

static int connect_central(shipper_t *sh)
{
    char err[512];
    sh->pg = fota_central_connect(sh->dsn, err, sizeof err);
    if (sh->pg && fota_central_migrate(sh->pg, err, sizeof err) < 0) {
        PQfinish(sh->pg);
        sh->pg = NULL;
    }
    if (!sh->pg) {
        say_offline(sh, err);
        return -1;
    }
    char label[256];
    fota_central_label(sh->dsn, label, sizeof label);
    printf("central: connected to %s\n", label);
    fflush(stdout);
    sh->offline_since = 0;
    sh->backoff_ms = BACKOFF_MIN_MS;
    sh->last_ok_ms = now_ms();
    return 0;
}

static void report(shipper_t *sh, bool force)
{
    int64_t t = now_ms();
    if (!force && (sh->shipped == 0 || t - sh->last_report_ms < REPORT_EVERY_MS))
        return;
    printf("central: shipped %lld attempt(s), %lld event(s); behind by %lld\n",
           (long long)sh->shipped, (long long)sh->events,
           (long long)fota_central_ship_backlog(sh->ship));
    fflush(stdout);
    sh->shipped = sh->events = 0;
    sh->last_report_ms = t;
}

/* One step of the loop: 1 more may be waiting, 0 caught up, -1 the link or the
 * server failed (backed off), -2 the station's file failed. */
static int step(shipper_t *sh)
{
    if (!sh->pg && connect_central(sh) < 0)
        return -1;
    char err[512] = "";
    int64_t ev = 0;
    int n = fota_central_ship_round(sh->ship, sh->pg, ROUND_ATTEMPTS, &ev, err, sizeof err);
    if (n > 0)
        sh->last_ok_ms = now_ms();
    if (n == 0 && now_ms() - sh->last_ok_ms >= PING_MS) {
        /* Nothing to ship: ask the server anyway, so a link that went down
         * while idle shows as offline before the next result needs it. */
        PGresult *r = PQexec(sh->pg, "SELECT 1");
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (!ok) {
            snprintf(err, sizeof err, "%s", PQerrorMessage(sh->pg));
            n = -1;
        } else {
            sh->last_ok_ms = now_ms();
        }
    }
    if (n >= 0) {
        sh->shipped += n;
        sh->events += ev;
        return n == ROUND_ATTEMPTS ? 1 : 0;
    }
    if (strncmp(err, "reading", 7) == 0) {
        fprintf(stderr, "fota-station ship: %s\n", err);
        return -2;
    }
    /* The server went away or refused the statement: start over with a fresh
     * connection (the rows are shipped again; the key makes that harmless). */
    PQfinish(sh->pg);
    sh->pg = NULL;
    say_offline(sh, err);
    return -1;
}

static int ship_loop(shipper_t *sh)
{
    sh->backoff_ms = BACKOFF_MIN_MS;
    for (;;) {
        if (stop_now)
            return 0;
        /* A drain asked while a round ran may have missed the last results: only
         * a round that began after the request may end the shipper. */
        bool draining = drain;
        int r = step(sh);
        if (r == -2)
            return 3;
        if (r == -1) {
            if (!sh->follow || drain)
                return 3;
            nap(sh->backoff_ms);
            sh->backoff_ms = sh->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : sh->backoff_ms * 2;
            continue;
        }
        report(sh, false);
        if (r == 1)
            continue;
        if (!sh->follow || draining)
            return 0;
        if (!drain)
            nap(sh->interval_ms);
    }
}

static int parse(int argc, char **argv, shipper_t *sh, const char **db)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},        {"central", required_argument, NULL, 'c'},
        {"follow", no_argument, NULL, 'f'},          {"interval-ms", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': *db = optarg; break;
        case 'c': sh->dsn = optarg; break;
        case 'f': sh->follow = true; break;
        case 'i': sh->interval_ms = atoi(optarg) > 0 ? atoi(optarg) : 500; break;
        case 'h': fputs(usage, stdout); return 1;
        default:
            fprintf(stderr, "fota-station ship: bad or incomplete option '%s'\n%s", argv[optind - 1],
                    usage);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fota-station ship: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!sh->dsn)
        sh->dsn = getenv("FOTA_CENTRAL_DSN");
    if (!sh->dsn || !sh->dsn[0]) {
        fprintf(stderr, "fota-station ship: --central DSN is required\n%s", usage);
        return 2;
    }
    return 0;
}

int fota_central_cli_main(int argc, char **argv)
{
    shipper_t sh = {.interval_ms = 500};
    const char *db = "results.db";
    int rc = parse(argc, argv, &sh, &db);
    if (rc)
        return rc == 1 ? 0 : rc;
    /* Started by a station: die with it (a SIGKILLed station leaves no shipper
     * behind to race the next one's). */
    const char *parent = getenv("FOTA_SHIP_PARENT");
    if (parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != (pid_t)atol(parent)))
        return 0;
    if (parent)
        dup2(STDOUT_FILENO, STDERR_FILENO); /* one pipe to the station, never its screen */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    char err[512] = "";
    if (fota_central_ship_open(db, &sh.ship, err, sizeof err) < 0) {
        fprintf(stderr, "fota-station ship: database %s: %s\n", db, err);
        return 3;
    }
    rc = ship_loop(&sh);
    report(&sh, !sh.follow || sh.shipped > 0);
    fota_central_ship_close(sh.ship);
    PQfinish(sh.pg);
    return rc;
}
