/* One module's whole visit as a sans-I/O state machine (nghttp2/ngtcp2 style):
 * the station feeds it bytes, port events and the time; it hands back actions and
 * its next deadline. No clock, socket, file or tty inside, so tests walk every
 * family x method x fault with a fake clock in microseconds.
 *
 *   station                         machine
 *   fota_machine_feed(bytes, now)   -> AT chat -> URC parser -> transitions
 *   fota_machine_tick(now)          -> timeouts
 *   fota_machine_port_gone/back     -> reboots, power loss
 *   fota_machine_next_action()      <- SEND, SET_FLOW, PROGRESS, TRANSFER_*, FINISH…
 *   fota_machine_deadline()         <- when to call tick next
 *
 * Contract details (docs/machine.md):
 * - SEND data is either a copy owned by the machine (commands, "+++"), valid until
 *   the next input call (feed, tick, port_gone, port_back, sent, proceed,
 *   transfer_granted, abort), or a pointer into the job's package bytes (data
 *   blocks), valid as long as the job.
 *   Data blocks are paced: the next one is emitted only after fota_machine_sent()
 *   (and, without flow control, not before the rate limit allows; see deadline).
 *   sent() when no data block is outstanding is harmless.
 * - Reboots: the machine keeps reading until the station reports port_gone()
 *   (a module may still print END,505 before its reboot: Quectel EG06xK&Ex120K&EM060K
 *   Series DFOTA Application Note, §3) and sends nothing to a USB module after END
 *   before port_back().
 * - IDENTIFIED: the attempt already holds imei, model, family, from/to version,
 *   method and package names; the verdict (unknown model, no package, config) is
 *   only applied after proceed(GO), so the station may SKIP first (rework).
 *   fota_machine_plan_final() says whether GO would end the visit at once (that
 *   verdict, or already at the target): such a module needs none of the line's
 *   limits, and the station says GO without queueing it.
 * - Time waiting for the station (from IDENTIFIED to proceed(), from
 *   TRANSFER_BEGIN to the grant) is the attempt's queued_ms; duration_ms is the
 *   visit from start() to FINISH less queued_ms. A GO to a plan-final module is
 *   no end of a queue: its queued_ms stays 0.
 * - TRANSFER_END follows every grant exactly once (also on failure and abort). A
 *   FINISH while still waiting for the grant cancels the request; a grant that
 *   arrives when the machine no longer wants it is returned with TRANSFER_END.
 * - FINISH is the last action; the attempt's started_at/finished_at are left to
 *   the station (wall clock); duration_ms comes from the machine's now_ms.
 */
#ifndef FOTA_MACHINE_H
#define FOTA_MACHINE_H

#include "at_chat.h" /* fota_trace_dir_t */
#include "attempt.h"
#include "job.h"
#include "profile.h"

typedef enum {
    FOTA_ACT_SEND,          /* write data[0..len) to the port (command line or data block) */
    FOTA_ACT_SET_FLOW,      /* host port: RTS/CTS on (flag=1) or off (flag=0) */
    FOTA_ACT_IDENTIFIED,    /* model/imei/revision known (attempt filled): station decides via
                               fota_machine_proceed() — rework lookup, queueing for limits */
    FOTA_ACT_TRANSFER_BEGIN,/* wants to stream a package over the AT port (max_transfers):
                               wait for fota_machine_transfer_granted() */
    FOTA_ACT_TRANSFER_END,  /* done streaming: the transfer token is free again */
    FOTA_ACT_PROGRESS,      /* phase/percent changed: dashboard */
    FOTA_ACT_TRACE,         /* transcript line (dir, text) for the events table; secrets masked */
    FOTA_ACT_FINISH,        /* attempt over: result in fota_machine_attempt() */
} fota_action_kind_t;

typedef struct {
    fota_action_kind_t kind;
    const uint8_t *data;      /* SEND: bytes (valid until the next call into the machine) */
    size_t len;
    int flag;                 /* SET_FLOW */
    fota_phase_t phase;       /* PROGRESS */
    int percent;              /* PROGRESS: 0..100, -1 unknown */
    fota_trace_dir_t dir;     /* TRACE */
    const char *text;         /* TRACE / PROGRESS: human words ("uploading 3/7 MiB") */
} fota_action_t;

typedef enum {
    FOTA_GO,      /* upgrade it */
    FOTA_SKIP,    /* record SKIP with the reason (rework: already passed / unknown) */
    FOTA_REFUSE_IMEI, /* record FAIL class imei with the reason: its IMEI cannot tell it
                         from another module (blank, invalid, cloned); nothing is sent */
} fota_decision_t;

typedef struct fota_machine fota_machine_t;

typedef struct {
    const fota_profile_set_t *profiles;
    const fota_job_t *job;            /* packages already loaded (data/size) */
    const fota_job_timeouts_t *timeouts_override; /* job's timeouts, 0 fields = profile's */
    const fota_profile_t *profile_hint; /* from USB IDs, or NULL: decided by ATI */
} fota_machine_config_t;

fota_machine_t *fota_machine_new(const fota_machine_config_t *cfg);
void fota_machine_free(fota_machine_t *m);

/* Port is open: start identification. */
void fota_machine_start(fota_machine_t *m, uint64_t now_ms);
void fota_machine_feed(fota_machine_t *m, const uint8_t *data, size_t n, uint64_t now_ms);
void fota_machine_tick(fota_machine_t *m, uint64_t now_ms);
void fota_machine_port_gone(fota_machine_t *m, uint64_t now_ms);
void fota_machine_port_back(fota_machine_t *m, uint64_t now_ms);
/* The station finished writing the last SEND (flow control / rate limits pace data). */
void fota_machine_sent(fota_machine_t *m, uint64_t now_ms);
void fota_machine_proceed(fota_machine_t *m, fota_decision_t d, const char *reason,
                          uint64_t now_ms);
void fota_machine_transfer_granted(fota_machine_t *m, uint64_t now_ms);
/* Station gives up on the module (shutdown): FINISH with INTERRUPTED. */
void fota_machine_abort(fota_machine_t *m, const char *reason, uint64_t now_ms);

/* Pops the next action; false when none. Call after every input. */
bool fota_machine_next_action(fota_machine_t *m, fota_action_t *out);
/* UINT64_MAX when nothing is scheduled. */
uint64_t fota_machine_deadline(const fota_machine_t *m);

bool fota_machine_finished(const fota_machine_t *m);
/* After IDENTIFIED: GO would finish at once, sending nothing more (see above). */
bool fota_machine_plan_final(const fota_machine_t *m);
const fota_attempt_t *fota_machine_attempt(const fota_machine_t *m);
const char *fota_machine_state_name(const fota_machine_t *m);

#endif
