/* A production order (docs/profiles.md): targets, package chains, limits, timeouts.
 * Loaded from the job YAML by job_load.c; errors name file:line:column. */
#ifndef FOTA_JOB_H
#define FOTA_JOB_H

#include <regex.h>

#include "profile.h"

typedef struct {
    char *from;          /* NULL: full image, valid from any revision */
    char *to;
    char *file;          /* resolved path (relative to the job file's folder), or NULL */
    char *url;           /* for method url, instead of file */
    char *sha256;        /* expected, lowercase hex, or NULL */
    char *name;          /* base name used in AT+QFUPL and reports */
    /* Filled by fota_job_load_packages(): the bytes, read once and shared by every
     * slot that streams them (never copied per slot). */
    uint8_t *data;
    size_t size;
    char sha256_actual[65];
    int line, column;    /* where the package is written in the job file (messages) */
    bool data_borrowed;  /* data belongs to an earlier package naming the same file */
} fota_package_t;

typedef struct {
    char **models;       /* match by model prefix … */
    size_t n_models;
    char *family;        /* … or by family name */
    char *to;            /* target revision as ATI reports it */
    fota_method_t method;
    fota_package_t *packages;
    size_t n_packages;
    int line, column;    /* where the target is written in the job file */
} fota_target_t;

typedef struct {
    unsigned max_parallel;            /* default 64 */
    unsigned max_transfers;           /* default 16 */
    unsigned max_per_hub;             /* default 4; 0 = unlimited */
    unsigned stop_after_same_failures;/* default 5; 0 = never */
    /* What one module may cost the station (docs: the job's limits). */
    unsigned transcript_kib;          /* per attempt, default 2048; 0 = unbounded */
    unsigned transcript_lines;        /* per attempt, default 20000; 0 = unbounded */
    unsigned flood_kib_per_s;         /* default 64; 0 = never a flood */
    unsigned flood_s;                 /* default 30: that long over the rate = FAIL port */
    /* USB devices (hubs included) one host controller carries before the station warns
     * (docs/station.md, controller budget); default 32; 0 = never warn. */
    unsigned usb_devices_per_controller;
    /* default 3: that many hardware failures in a row (port gone, no answer, garbage)
     * take a slot out of service; 0 = never */
    unsigned port_health_failures;
} fota_limits_t;

/* 0 in a field = "use the profile's value". Seconds in YAML, ms here. */
typedef fota_timeouts_t fota_job_timeouts_t;

/* What a scanned line may set (docs/profiles.md, "scans"): a table, one entry
 * per kind, in the order a scan is tried. */
typedef enum { FOTA_SCAN_OPERATOR, FOTA_SCAN_BATCH, FOTA_SCAN_N } fota_scan_kind_t;

typedef struct {
    char *pattern;       /* POSIX extended regular expression; NULL: not declared */
    regex_t re;          /* compiled at load (valid when pattern is set) */
} fota_job_scan_t;

/* "operator", "batch": the key in the job's scans map. */
const char *fota_scan_kind_name(fota_scan_kind_t k);
/* `power:` (opt-in): a module that never answers AT is power-cycled through its hub
 * port, at most max_cycles times (docs/station.md, "Power cycling"). */
#define FOTA_POWER_OFF_DEFAULT_MS 3000u
#define FOTA_POWER_MAX_CYCLES_DEFAULT 2u
typedef struct {
    bool enabled;
    unsigned off_ms;     /* 0 = the profile's power.off, else FOTA_POWER_OFF_DEFAULT_MS */
    unsigned max_cycles; /* per module; default 2 */
    bool uhubctl;        /* method: uhubctl where the port's `disable` file cannot be used */
} fota_power_t;

typedef struct {
    char *source;        /* path of the job file */
    char *dir;           /* its folder: package paths are relative to it */
    char *name;          /* batch name */
    char *station;
    /* rework_offline: with run --rework --central and the central database out
     * of reach, false (refuse, the default) holds modules queued; true (local)
     * decides on this station's own history, with a warning. */
    bool rework_offline_local;
    fota_target_t *targets;
    size_t n_targets;
    fota_limits_t limits;
    fota_job_timeouts_t timeouts;
    fota_job_scan_t scans[FOTA_SCAN_N];
    fota_power_t power;
} fota_job_t;
/* The first kind whose pattern matches text (FOTA_SCAN_N: none). */
fota_scan_kind_t fota_job_scan_match(const fota_job_t *j, const char *text);

int fota_job_load_file(const char *path, fota_job_t **out, fota_load_error_t *err);
int fota_job_load_buffer(const char *name, const char *dir, const char *text, size_t len,
                         fota_job_t **out, fota_load_error_t *err);
/* The same, listing every independent error (profile.h: fota_load_errors_t). */
int fota_job_load_file_all(const char *path, fota_job_t **out, fota_load_errors_t *errs);
int fota_job_load_buffer_all(const char *name, const char *dir, const char *text, size_t len,
                             fota_job_t **out, fota_load_errors_t *errs);
void fota_job_free(fota_job_t *j);

/* Reads every file: package into memory and hashes it; a missing file or a sha256
 * mismatch is an error naming the job file's line of that package. */
int fota_job_load_packages(fota_job_t *j, fota_load_error_t *err);
/* The same, going on past a bad package so that every one is listed; returns the
 * first error's code. */
int fota_job_load_packages_all(fota_job_t *j, fota_load_errors_t *errs);

/* Checks the job against the profiles (families/models exist, the method is
 * supported by that family, URLs fit its rules). All errors are reported through
 * cb; returns the number found. */
typedef void (*fota_job_issue_cb)(void *ctx, const fota_load_error_t *e);
int fota_job_validate(const fota_job_t *j, const fota_profile_set_t *profiles,
                      fota_job_issue_cb cb, void *ctx);

/* The target for a module: by model first, then by family. NULL when none. */
const fota_target_t *fota_job_match(const fota_job_t *j, const fota_profile_t *profile,
                                    const char *model);

/* Package chain from `from` to target->to, shortest first, full images as a last
 * resort. Fills out[] (pointers into target->packages) and returns the hop count,
 * 0 when from == to, or -1 when no chain exists (error_class no_package), also when
 * the chain would need more than max hops. */
int fota_chain_plan(const fota_target_t *target, const char *from,
                    const fota_package_t **out, size_t max);

/* Revision equality as modules print it: AT+QGMR may add "_01.001.01.001" to what
 * ATI prints; comparisons are case-insensitive. */
bool fota_revision_equal(const char *a, const char *b);

#endif
