/* A fake host for the slot machine (station/slot/slot.h): a fake clock, fake ports
 * that record what the slot writes and answer like a module would (one scripted
 * module per interface), rows that record what the database would get, and the
 * owner's part (the line's limits after every input), with no loop, tty or file. */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "slot.h"

#define FH_SLOTS 3
#define FH_ROWS 8
#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"
#define IMEI_A "490154203237518"
#define IMEI_B "352099001761481"

/* What answers on one interface. */
typedef struct {
    bool on;              /* a module's AT interpreter is behind this tty */
    bool silent;          /* says nothing at all (DM, NMEA, a booting module) */
    int gsn_silent;       /* this many AT+GSN / AT+CGSN go unanswered first */
    char model[32], rev[64], imei[32];
    char out[4096];       /* answers not yet read by the slot */
    size_t out_len;
} fh_module_t;

typedef struct {
    bool open;
    int opens, closes;
    int open_rc;          /* what the next open returns (0: it opens) */
    char tx[8192];        /* everything written since the last fh_tx */
    size_t tx_len;
    fh_module_t mod;
} fh_port_t;

typedef struct {
    bool begun, finished;
    int identifies;
    int64_t id;
    fota_attempt_t begin, identify, finish;
} fh_row_t;

typedef struct {
    int64_t now;
    char log[32768];
    size_t log_len;
    fh_port_t port[FH_SLOTS][SLOT_MAX_IFS];
    fh_row_t rows[FH_ROWS];
    int n_rows;
    int64_t row_id_next;  /* id a row gets at once (-1: queued, resolved later) */
    bool row_pending;     /* the row does not name the module yet (database writing) */
    bool rows_failing;
    int rework_rc;        /* 1 found, 0 never seen, FOTA_E_STATE not known yet */
    fota_result_t rework_result;
    int rework_calls;
    int mm_holds;
    bool mm_answered;
    char power[64];       /* the port's power as the `disable` file gets it: '1' off, '0' on */
    size_t power_n;
    int power_rc;         /* what the host's power returns (0: switched) */
    fota_profile_set_t profiles;
    fota_job_t *job;
    fota_sched_t sched;
    slot_host_t host;
    slot_line_t line;
    slot_t slots[FH_SLOTS];
    slot_t *v[FH_SLOTS];
} fh_t;

/* profiles/ of the source tree, a job upgrading RG500Q from A06 to A07 over a URL. */
fh_t *fh_new(void);
/* The same job with more top-level YAML after it (e.g. a `power:` section). */
fh_t *fh_new_job(const char *extra_yaml);
void fh_free(fh_t *fh);
/* Slot k's link `link` (interface num) appears: a pty-like link (no USB identity)
 * unless usb (RG500Q IDs 2c7c:0800), its tty "/dev/fake<k>.<num>". */
void fh_plug(fh_t *fh, int k, int num, bool usb);
void fh_unplug(fh_t *fh, int k, int num);
/* The link is removed and made again with a new tty (a USB re-enumeration). */
void fh_replug(fh_t *fh, int k, int num);
/* Interface num of slot k answers like a module with this identity. */
fh_module_t *fh_module(fh_t *fh, int k, int num, const char *rev, const char *imei);
/* Time passes: every timer that falls due runs, in order, with the owner's work
 * after each input; the module answers are read as they come. */
void fh_advance(fh_t *fh, int64_t ms);
/* The owner's part after an input: module answers delivered, the line's limits. */
void fh_after(fh_t *fh);
/* What slot k wrote on interface num since the last call ("" if nothing). */
const char *fh_tx(fh_t *fh, int k, int num);
size_t fh_if(fh_t *fh, int k, int num); /* index of interface num in slot k */
bool fh_logged(const fh_t *fh, const char *needle);
/* Module on interface num of slot k drops (EOF, EIO): the port's gone callback. */
void fh_gone(fh_t *fh, int k, int num);
/* The row of the n-th attempt (0-based); the database commits its verdict. */
fh_row_t *fh_row(fh_t *fh, int n);
void fh_commit(fh_t *fh, int k, int n);

#endif
