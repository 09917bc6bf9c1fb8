/* One module slot (one hub port) as a machine, like core's fota_machine: the owner
 * feeds it link events, port bytes, the time and the line's decisions; the slot
 * answers through its host (slot_host_t), its only way out, and names its next
 * deadline (slot_deadline). No loop, tty, database or bus inside: the lifecycle
 * runs in tests/slot/ on a fake host with a fake clock.
 *
 * A stage does its work and reports an outcome; the one switch in slot.c
 * (slot_next) picks the next stage. Stages never call each other, and the stage
 * is written in one function (slot_enter). docs/station.md, "The slot". */
#ifndef FOTA_SLOT_H
#define FOTA_SLOT_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "fota_machine.h"
#include "sched.h"
#include "profile.h"
#include "query.h"

typedef enum {
    SLOT_EMPTY,    /* no link, or its AT port went away while nothing ran */
    SLOT_SETTLE,   /* a module appeared: its tty interfaces come up over a few seconds */
    SLOT_CHOOSE,   /* `AT` on the candidate interfaces: which one is the AT port */
    SLOT_IDENTIFY, /* AT+GSN on the chosen AT port: which module is it */
    SLOT_ATTEMPT,  /* a machine runs on the open AT port */
    SLOT_REBOOT,   /* a machine runs, its port away: reopened on a new link (USB) or
                    * the same one after a while (UART) */
    SLOT_RETRY,    /* the port dropped before an attempt began: asked again soon */
    SLOT_DONE,     /* finished; waits for the module to be swapped */
    SLOT_IGNORED,  /* not a module (no AT answer, unknown USB device) until a link changes */
    SLOT_ALIAS,    /* another port of a module that another slot already owns (its IMEI) */
    SLOT_POWER,    /* its hub port's power off for a while, then on: links come back */
    SLOT_AWAY,     /* the module that finished here went away: back from a reboot, or
                    * pulled (after its reboot timeout: removed, the slot empty) */
    SLOT_OFF,      /* out of service: no port opened, a module in it never touched */
    SLOT__COUNT
} slot_stage_t;

/* What a stage reports; slot_next turns it into the next stage. */
typedef enum {
    SLOT_OUT_NONE,        /* stay */
    SLOT_OUT_APPEARED,    /* a link appeared or changed on a slot at rest */
    SLOT_OUT_EMPTIED,     /* nothing to do: no link left, stopping, draining */
    SLOT_OUT_SETTLED,     /* the interfaces had their time (and ModemManager answered) */
    SLOT_OUT_CHOSEN,      /* one interface answered AT: the AT port */
    SLOT_OUT_NOT_MODULE,  /* no candidate, or none answered in timeouts.probe */
    SLOT_OUT_NEW_MODULE,  /* an IMEI of its own (or none read): its attempt begins */
    SLOT_OUT_SAME_MODULE, /* the module that finished here, back: not twice */
    SLOT_OUT_OTHER_PORT,  /* another port of a module another slot owns */
    SLOT_OUT_NOT_STARTED, /* stopping, draining, out of memory: no attempt */
    SLOT_OUT_PORT_LOST,   /* the port dropped (a reboot, a pull) */
    SLOT_OUT_LINK_CHANGED, /* the AT port's link changed under a running attempt */
    SLOT_OUT_PORT_BACK,   /* the port is open again */
    SLOT_OUT_RETRY_DUE,   /* the wait after a dropped probe is over */
    SLOT_OUT_FINISHED,    /* the machine's FINISH: the verdict is queued */
    SLOT_OUT_SWAPPED,     /* finished "swapped" with another module present: start on it */
    SLOT_OUT_ABORTED,     /* stopping before anything started on the module */
    SLOT_OUT_WRONG_USB,   /* the slot's USB device is in a wrong mode: its FAIL row queued */
    SLOT_OUT_SILENT,      /* candidates, none answered AT in timeouts.probe: a hung module? */
    SLOT_OUT_POWERED,     /* the port's power is back and the module's links with it */
    SLOT_OUT_POWER_ASKED, /* the operator asked for a power cycle (no attempt runs) */
    SLOT_OUT_PULLED,      /* the finished module's last link went away */
    SLOT_OUT_REMOVED,     /* it stayed away its reboot timeout: pulled, the slot empties */
    SLOT_OUT_RETRIED,     /* the operator asked for a new attempt on the module in it */
    SLOT_OUT_SERVICE_OFF, /* taken out of service (the operator, or its port's health) */
    SLOT_OUT_SERVICE_ON,  /* put back in service */
} slot_outcome_t;

/* What the dashboard shows for the slot (the owner maps it to its own states). */
typedef enum {
    SLOT_SHOW_EMPTY,
    SLOT_SHOW_IDLE,
    SLOT_SHOW_PROBING,
    SLOT_SHOW_RUNNING,
    SLOT_SHOW_PASS,
    SLOT_SHOW_FAIL,
    SLOT_SHOW_SKIP,
    SLOT_SHOW_INTERRUPTED,
    SLOT_SHOW_NOT_RECORDED,
} slot_show_t;

/* Most Quectel modules show 4 to 6 tty interfaces; a composite device may show more. */
#define SLOT_MAX_IFS 12
/* One `AT` round lasts this long; a silent port is asked again until timeouts.probe. */
#define SLOT_ROUND_MS 1500
#define SLOT_REOPEN_DELAY_MS 100
#define SLOT_REOPEN_TRIES 30
/* A port the station had no descriptor for (EMFILE) is tried again after this. */
#define SLOT_FD_RETRY_MS 1000
/* After the port drops, a USB module's link is removed and re-created (a new tty); a
 * UART module keeps its tty across the reboot, so a port that is not USB is reopened
 * as it is after this long. Never on USB: reopening the old tty before it drops
 * would let the machine talk to the module before its reboot. */
#define SLOT_SAME_LINK_MS 2000
/* A healthy ModemManager answers in milliseconds; a hung one never delays a module
 * more than this. */
#define SLOT_MM_WAIT_MS 1000

/* After the power is back, the module's links are waited for this long. */
#define SLOT_POWER_BACK_MS 30000

/* A USB identity as sysfs tells it (the host reads it when a link appears). */
typedef struct {
    bool usb;
    uint16_t vid, pid;
} slot_usb_t;

/* One tty interface of the module in the slot: one link in the ports directory. */
typedef struct {
    char link_name[NAME_MAX + 1];
    char tty[256];   /* the device the link leads to */
    int num;         /* interface number; -1 for a link of no USB shape */
    bool present;
    bool open;       /* the host holds a port on it */
    slot_usb_t id;
} slot_if_t;

typedef struct slot slot_t;
typedef void slot_row_t; /* the host's handle on an attempt's row */

/* The slot's only way out. ctx is the host's own; every call may be made from any
 * stage handler and must not call back into the slot (the owner acts after the
 * input returns: schedule, exit checks, the timer from slot_deadline). */
typedef struct {
    void *ctx;
    int64_t (*now)(void *ctx);   /* monotonic ms: deadlines, durations */
    int64_t (*wall)(void *ctx);  /* epoch ms at the event: dates on rows */
    void (*log)(void *ctx, const char *line);
    /* ports, by interface index in s->ifs; FOTA_E_* on failure */
    int (*port_open)(void *ctx, slot_t *s, size_t i);
    int (*port_write)(void *ctx, slot_t *s, size_t i, const uint8_t *d, size_t n);
    int (*port_flow)(void *ctx, slot_t *s, size_t i, bool on);
    void (*port_close)(void *ctx, slot_t *s, size_t i);
    /* "<slot>: <tty> (<link>) is held by <program> pid N: not used while it is" */
    void (*port_held)(void *ctx, slot_t *s, size_t i);
    /* "too many open files" (said at most once in a while) */
    void (*fd_short)(void *ctx, slot_t *s, size_t i);
    /* a port that can never be opened (permission, not a tty): said and counted */
    void (*port_refused)(void *ctx, slot_t *s, size_t i, int err);
    /* rows: begun before the module is touched; NULL when out of memory */
    slot_row_t *(*row_begin)(void *ctx, slot_t *s, const fota_attempt_t *a);
    int64_t (*row_id)(void *ctx, slot_row_t *row); /* -1 until its INSERT committed */
    bool (*row_pending)(void *ctx, slot_row_t *row); /* its IMEI not committed yet */
    void (*row_identify)(void *ctx, slot_t *s, slot_row_t *row, const fota_attempt_t *a);
    void (*row_event)(void *ctx, slot_t *s, slot_row_t *row, fota_trace_dir_t dir,
                      const char *text);
    int (*row_finish)(void *ctx, slot_t *s, slot_row_t *row, const fota_attempt_t *a);
    bool (*rows_failing)(void *ctx);
    /* the module's latest verdict for --rework: 1 found, 0 never seen, FOTA_E_STATE
     * not known yet (database busy, central answer pending: slot_rework_ready later) */
    int (*rework_latest)(void *ctx, slot_t *s, const char *imei, fota_result_t *out);
    /* "adopted: attempt N was interrupted by a restart" on the new row, if so */
    void (*adopt)(void *ctx, slot_t *s, const char *imei);
    /* ModemManager leaves the module alone (held until the owner gives it back) */
    void (*mm_hold)(void *ctx, slot_t *s);
    bool (*mm_answered)(void *ctx, slot_t *s); /* true also when there is nothing to ask */
    /* the slot's hub port power off (on=false) or on: 0, or FOTA_E_* when the port
     * cannot be switched (said by the host, once per slot) */
    int (*power)(void *ctx, slot_t *s, bool on);
    void (*changed)(void *ctx, slot_t *s);     /* the dashboard's row changed */
} slot_host_t;

/* What every slot of the line shares; the owner writes stopping/draining. */
typedef struct {
    const slot_host_t *host;
    const fota_profile_set_t *profiles;
    const fota_job_t *job;
    fota_machine_config_t mcfg;
    fota_sched_t *sched;
    const char *batch, *operator_id;
    bool rework, allow_new;
    bool log_progress;  /* progress in the line log (no dashboard shows it) */
    bool stopping, draining;
    slot_t *const *slots; /* the line, for the IMEI rule (owner's array) */
    size_t n_slots;
} slot_line_t;

/* What the operator sees of the slot's module. */
typedef struct {
    char model[64];
    char imei[32];
    char phase[64];
    int percent;
    slot_show_t show;
    char result[320];
    int64_t started_ms, finished_ms; /* monotonic: the dashboard's elapsed */
} slot_view_t;

/* The module that finished here: not upgraded twice, its verdict shown again when
 * it re-enumerates after the finish. */
typedef struct {
    char imei[32];
    slot_show_t show;
    char result[320];
} slot_last_t;

/* One attempt (slot_attempt.c): lives from its row's begin to the verdict's queueing,
 * across the ATTEMPT and REBOOT stages. */
typedef struct {
    fota_machine_t *m;
    slot_row_t *row;
    int64_t id;              /* -1 while its row waits in the results queue */
    int64_t started_at_ms;   /* wall clock at the visit's start */
    int64_t granted_at_ms;   /* wall clock at GO after the queue; 0 none */
    bool imei_held;          /* its IMEI was judged at identification and kept */
    bool rework_wait;        /* the rework read was not answered: asked again */
    bool row_wait;           /* identified, its row not naming it yet */
    bool queued;             /* identified, waiting for a limit */
    bool wants_token, has_token;
    bool send_pending;       /* a SEND is being written: the machine hears when drained */
    bool finished;           /* FINISH seen: the frame ends the attempt */
    bool went;               /* GO given to an upgrade: its download, transfer or update
                              * may have begun, so the module is never power-cycled */
    const char *queue_reason;
    /* The batch and operator in force when the module was identified (taken once):
     * a scan changes the modules identified after it, never one mid-upgrade. */
    bool stamped;
    char batch[128], operator_id[64];
} slot_attempt_t;

/* Each stage's own state, cleared on entry (slot_enter). */
typedef union {
    struct {
        bool mm_deferred; /* the first AT waits for ModemManager's answer */
    } settle;
    struct {
        int64_t started_ms;
        int round;
        bool fd_starved; /* this round found no descriptor for a candidate */
        struct {
            bool candidate, answered;
            int open_error; /* last error opening it (said once) */
            fota_query_t q; /* `AT` until OK */
        } f[SLOT_MAX_IFS];
    } choose;
    struct {
        fota_query_t q; /* AT+GSN, AT+CGSN */
    } identify;
    struct {
        int tries; /* failed opens since the link came back */
    } reboot;
    struct {
        bool on;   /* the power is back: the links are waited for */
        bool gone; /* the links went away while it was off */
    } power;
} slot_ctx_t;

struct slot {
    slot_line_t *line;
    void *host_data;          /* the owner's per-slot state */
    char name[NAME_MAX + 1];  /* the hub port (or the link's name) */
    char hub[NAME_MAX + 1];
    slot_stage_t stage;       /* written in slot_enter only */
    int64_t deadline;         /* the stage's, INT64_MAX none (see slot_deadline) */
    slot_ctx_t ctx;
    slot_if_t ifs[SLOT_MAX_IFS];
    size_t n_ifs;
    bool present;             /* at least one interface link exists */
    int at;                   /* index in ifs of the AT port; -1 before the choice */
    int last_at_num;          /* interface chosen for the previous module: tried first */
    const fota_profile_t *hint;
    bool usb;                 /* a real USB port: it always re-enumerates on reboot */
    slot_attempt_t *a;        /* the attempt, or NULL */
    /* Power cycles of the module in the slot (slot_power.c): counted until the slot
     * empties; retry: its last attempt ended in a failure the profile lets a power
     * cycle cure; why: the reason of the last cycle, for the next row. */
    struct {
        int cycles;
        bool retry;
        char why[96];
    } power;
    slot_row_t *recording;    /* finished; verdict shown once committed */
    bool in_flight;           /* counted in max_parallel / max_per_hub until committed */
    slot_view_t view;
    slot_last_t last;
    /* A module seen here went away before its attempt ended: --until-idle waits for
     * it until then (slot_await.c); 0 when nothing is waited for. */
    int64_t await_until_ms;
    /* The device in a wrong USB mode reported here ("vid:pid serial"): said once per
     * device; "" when the slot's device is in no wrong mode (slot_usb_mode.c). */
    char usb_wrong[192];
    /* Out of service (slot_service): the stage is SLOT_OFF, or goes there when the
     * attempt that runs ends; reason: "out of service[: why]", the row's words. */
    struct {
        bool off;
        char reason[128];
    } service;
};

/* ---- the owner's inputs (slot.c, slot_link.c, slot_attempt.c) ---------------- */
void slot_init(slot_t *s, slot_line_t *line, const char *name);
/* A link of this slot appeared or changed (tty != NULL) or went away (NULL). */
void slot_link(slot_t *s, const char *link_name, int num, const char *tty, const slot_usb_t *id);
void slot_port_data(slot_t *s, size_t i, const uint8_t *d, size_t n);
void slot_port_drained(slot_t *s, size_t i);
void slot_port_gone(slot_t *s, size_t i);
void slot_timer(slot_t *s);          /* the host's timer reached slot_deadline */
void slot_mm_answer(slot_t *s);      /* ModemManager answered the hold */
void slot_abort(slot_t *s, const char *reason);
/* slot_usb_mode.c: the slot's USB device, as sysfs shows it, is in a wrong mode
 * (emergency download, an unknown composition: base/usb_mode.h): words what the slot
 * shows, serial its USB serial ("" none), key what makes it the same device next
 * time. A FAIL row of class usb_mode, once per device. words NULL: the device is in
 * no wrong mode (or gone): the next one is reported again. */
void slot_usb_mode(slot_t *s, const char *words, const char *serial, const char *key);
void slot_grant(slot_t *s);          /* the line's limits allow it: GO */
void slot_grant_token(slot_t *s);    /* the transfer token */
void slot_rework_ready(slot_t *s);   /* a rework answer that was pending may be there */
void slot_row_named(slot_t *s, slot_row_t *row); /* its row names the module (NULL: stop waiting) */
/* The row's INSERT committed: true when it is this slot's running attempt. */
bool slot_row_id(slot_t *s, slot_row_t *row, int64_t id);
/* A verdict committed (not_recorded NULL) or given up; true when it was this
 * slot's recording one. */
bool slot_committed(slot_t *s, slot_row_t *row, const fota_attempt_t *a,
                    const char *not_recorded);
void slot_free(slot_t *s);           /* shutdown: ports closed, machine freed */
/* The operator's (or the port health's) control. slot_service takes the slot out of
 * service (on false: why is shown on its row) or puts it back; an attempt that runs
 * ends first. slot_retry: a new attempt on the module in a slot whose module failed
 * or was ignored; NULL when it starts, else why not (in the operator's words). */
void slot_service(slot_t *s, bool on, const char *why);
const char *slot_retry(slot_t *s);
/* A verdict in the words the dashboard and the line log show. */
slot_show_t slot_verdict_words(const fota_profile_set_t *profiles, const fota_attempt_t *a,
                               char *res, size_t len);

/* ---- what the owner reads --------------------------------------------------- */
int64_t slot_deadline(const slot_t *s); /* INT64_MAX: no timer */
bool slot_busy(const slot_t *s);        /* choosing, probing, an attempt, a retry */
bool slot_wants_module(const slot_t *s); /* ModemManager must keep off */
bool slot_queued(const slot_t *s);      /* identified, waiting for GO */
bool slot_wants_token(const slot_t *s);
void slot_queue_reason(slot_t *s, const char *why);
const char *slot_stage_name(slot_stage_t st);

/* ---- inside the slot layer -------------------------------------------------- */
/* The frame (slot.c): the outcome switch, the stage table. */
void slot_next(slot_t *s, slot_outcome_t out);
/* The host's clock, log and port close as every stage uses them: inline, so a stage
 * needs the host interface, not a call into the frame (slot.c). */
static inline int64_t slot_now(const slot_t *s)
{
    const slot_host_t *h = s->line->host;
    return h->now(h->ctx);
}

static inline __attribute__((format(printf, 2, 3))) void slot_logf(slot_t *s, const char *fmt,
                                                                     ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->line->host->log(s->line->host->ctx, line);
}

static inline void slot_if_close(slot_t *s, size_t i)
{
    if (!s->ifs[i].open)
        return;
    s->ifs[i].open = false;
    s->line->host->port_close(s->line->host->ctx, s, i);
}

/* One stage: what it does on entry, on its deadline, and on the inputs it takes.
 * A NULL handler ignores the input. */
typedef struct {
    const char *name;
    bool busy;          /* --until-idle and the stop wait for it */
    bool runs;          /* a machine runs: interface events other than the AT port's are
                         * ignored, and the AT port's link goes to at_link */
    bool deaf;          /* links are recorded, never acted on (out of service) */
    slot_outcome_t (*enter)(slot_t *s, slot_outcome_t why); /* why: the outcome that led here */
    slot_outcome_t (*timeout)(slot_t *s);
    slot_outcome_t (*data)(slot_t *s, size_t i, const uint8_t *d, size_t n);
    slot_outcome_t (*drained)(slot_t *s, size_t i);
    slot_outcome_t (*gone)(slot_t *s, size_t i);
    slot_outcome_t (*at_link)(slot_t *s, bool present); /* the AT port's own link */
    slot_outcome_t (*abort)(slot_t *s, const char *reason);
    slot_outcome_t (*mm_answer)(slot_t *s); /* ModemManager answered the hold */
    /* A stage that owns the links (power: they vanish and come back by design) hears
     * every link event here instead of the frame's rest rule. */
    slot_outcome_t (*link)(slot_t *s, bool present);
} slot_stage_ops_t;

extern const slot_stage_ops_t slot_stage_empty, slot_stage_settle, slot_stage_choose,
    slot_stage_identify, slot_stage_attempt, slot_stage_reboot, slot_stage_retry,
    slot_stage_done, slot_stage_ignored, slot_stage_alias, slot_stage_power,
    slot_stage_away, slot_stage_off;

/* slot_power.c: whether a silent module, or one whose attempt just ended (FINISHED),
 * goes to the power stage; the note a new attempt's transcript carries. */
bool slot_power_wanted(const slot_t *s);
bool slot_power_retry_wanted(const slot_t *s, const fota_attempt_t *a, bool went);
void slot_power_note(slot_t *s);
/* The operator's power cycle (key p): false while an attempt runs (never during an
 * update), with no link, or already cycling. Not counted against max_cycles. */
bool slot_power_request(slot_t *s);

/* slot_await.c: modules that went away before their attempt ended. After a link
 * event: a slot that was busy and lost its last link is waited for (its reboot
 * timeout); one that has a link again is not. */
void slot_await_update(slot_t *s, bool was_busy);
bool slot_awaited(const slot_t *s, int64_t now); /* gone, no verdict, its wait not over */
/* --until-idle ends: a slot still waited for says so in the log; true if it was. */
bool slot_await_lost(slot_t *s);
/* A restart closed an attempt of this slot's module: waited for until then. */
void slot_await_until(slot_t *s, int64_t until_ms);

/* slot_attempt.c: shared by the ATTEMPT and REBOOT stages, and the line's decisions
 * on a running attempt (slot.c's inputs call them; each returns the pump's outcome) */
slot_outcome_t slot_attempt_pump(slot_t *s);
void slot_attempt_trace(slot_t *s, fota_trace_dir_t dir, const char *text);
slot_outcome_t slot_attempt_grant(slot_t *s);
slot_outcome_t slot_attempt_grant_token(slot_t *s);
slot_outcome_t slot_attempt_rework_ready(slot_t *s);
void slot_attempt_row_named(slot_t *s, slot_row_t *row);

/* slot_verdict.c: the attempt's end */
void slot_verdict_stamp(const slot_t *s, fota_attempt_t *a); /* batch, station, slot, port */
slot_outcome_t slot_verdict_finish(slot_t *s); /* FINISH: queued, "recording…" */
void slot_verdict_release_flight(slot_t *s);   /* the line's place given back */
bool slot_verdict_committed(slot_t *s, slot_row_t *row, const fota_attempt_t *a,
                            const char *not_recorded);

#endif
