/* One module visit (an `attempts` row, docs/database.md) as plain data. The FOTA machine fills
 * it; the station stamps slot/batch/operator and hands it to reports/store. */
#ifndef FOTA_ATTEMPT_H
#define FOTA_ATTEMPT_H

#include "fota_types.h"

typedef struct {
    char batch[128];
    char station[64];
    char operator_id[64];
    char slot[256];            /* a link name in the ports folder: NAME_MAX (255) + 1 */
    char port[256];
    char imei[32];
    char model[64];
    char family[32];
    char from_version[96];
    char to_version[96];
    char final_version[96];
    char method[16];
    char package_names[512];   /* "a06-to-a07.zip,a07-to-a08.zip" in hop order */
    char package_sha256[1024]; /* matching comma-separated hex digests */
    int64_t started_at_ms;     /* Unix epoch ms; rendered ISO 8601 UTC in the DB */
    int64_t finished_at_ms;
    fota_result_t result;
    bool noop;                 /* already at target: PASS without touching it */
    fota_error_class_t error_class;
    int error_code;            /* module's code (FOTA <err>, ftp_err, CME); 0 = none */
    char error_text[256];      /* the code's meaning from the profile, or the station's reason */
    int module_retries;        /* module-side retries seen (END,<transient> then START) */
    int hops;                  /* delta packages applied */
    int64_t download_ms;
    int64_t update_ms;
    int64_t duration_ms;       /* the module's own time: the visit less queued_ms */
    int64_t queued_ms;         /* identified, waiting for the station's GO or a transfer token */
    int power_cycles;          /* the station power-cycled the module's hub port this often */
} fota_attempt_t;

/* The longest batch, operator and station names a row holds (bytes, without the
 * terminating NUL). Longer ones are refused where they come in (--batch, --operator,
 * the job's name and station), never cut: a cut name would not find its own rows
 * (`report --batch`) and would disagree with the run's record (table runs). */
#define FOTA_BATCH_MAX (sizeof(((fota_attempt_t *)0)->batch) - 1)
#define FOTA_OPERATOR_MAX (sizeof(((fota_attempt_t *)0)->operator_id) - 1)
#define FOTA_STATION_MAX (sizeof(((fota_attempt_t *)0)->station) - 1)

#endif
