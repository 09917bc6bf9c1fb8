/* Internals shared by station.c (the loop, start and stop), slot.c (one module
 * slot: port, probe, machine, actions) and view.c (dashboard and line log). */
#ifndef FOTA_STATION_INT_H
#define FOTA_STATION_INT_H

#include <limits.h>
#include <stdio.h>
#include <uv.h>

#include "at_chat.h" /* fota_trace_dir_t, used by fota_machine.h */
#include "central_link.h"
#include "central_rework.h"
#include "cli.h"
#include "dash_keys.h"
#include "dashboard.h"
#include "fota_machine.h"
#include "line_limits.h"
#include "mm_inhibit.h"
#include "pause_note.h"
#include "port.h"
#include "query.h"
#include "results.h"
#include "watch.h"

typedef struct station station_t;

typedef enum {
    SLOT_EMPTY,    /* no link, or its AT port went away while nothing ran */
    SLOT_SETTLING, /* a module appeared: its tty interfaces come up over a few seconds */
    SLOT_CHOOSING, /* `AT` on the candidate interfaces: which one is the AT port */
    SLOT_PROBING,  /* AT+GSN on the chosen AT port: which module is it */
    SLOT_ACTIVE,   /* a machine runs (its port may be away: reboot) */
    SLOT_DONE,     /* finished; waits for the module to be swapped */
    SLOT_IGNORED,  /* not a module (no AT answer, unknown USB device) until a link changes */
    SLOT_ALIAS,    /* another port of a module that another slot already owns (its IMEI) */
} slot_state_t;

/* Most Quectel modules show 4 to 6 tty interfaces; a composite device may show more. */
#define SLOT_MAX_IFS 12

struct slot;

/* One tty interface of the module in a slot: one link in the ports directory. */
typedef struct {
    struct slot *slot;
    char link_name[NAME_MAX + 1]; /* its name in the ports directory */
    int num;                 /* USB interface number; -1 for a link of no USB shape */
    bool present;
    fota_link_t link;
    fota_port_info_t info;   /* USB identity (sysfs through libserialport), when USB */
    /* while the AT port is being chosen (slot_choose.c) */
    bool candidate;
    fota_port_t *port;
    fota_query_t query;      /* `AT` until OK */
    bool answered;
    int open_error;          /* last error opening it (reported once) */
} slot_if_t;

typedef struct slot {
    station_t *st;
    char name[NAME_MAX + 1]; /* the hub port (or the link's name when it has no USB shape) */
    char label[4 * NAME_MAX + 1]; /* name for the screen: control bytes escaped (fota_printable) */
    char hub[NAME_MAX + 1];
    slot_state_t state;
    bool present;            /* at least one interface link exists */
    slot_if_t ifs[SLOT_MAX_IFS];
    size_t n_ifs;
    int at;                  /* index in ifs of the module's AT port; -1 before the choice */
    int last_at_num;         /* interface chosen for the previous module here: tried first */
    bool fd_starved;         /* this choosing round found no descriptor for a candidate */
    fota_link_t link;        /* the AT port's link (a copy of ifs[at].link) */
    uint64_t link_gen;       /* +1 for every appearance / change of the AT port's link */
    fota_port_t *port;       /* the AT port, while probing or while a machine runs */
    uint64_t closed_gen;     /* link_gen when the machine asked CLOSE_PORT */
    bool await_new_link;     /* CLOSE_PORT: reopen only once the link changed */
    uv_timer_t timer;        /* settle, choice rounds, probe timeout, machine deadline */
    uv_timer_t reopen;       /* retry opening a link whose tty is not ready yet */
    int open_handles;        /* timer + reopen until their close callbacks ran */
    bool closing;
    int reopen_tries;
    /* choice and probe */
    int64_t choose_started_ms;
    int choose_round;
    fota_query_t query;      /* AT+GSN on the chosen port */
    const fota_profile_t *hint;
    bool usb;                /* a real USB port: it always re-enumerates on reboot */
    /* machine */
    fota_machine_t *m;
    int64_t attempt_id;      /* -1 while its row waits in the results queue */
    fota_results_attempt_t *att;       /* the attempt's row: its queued writes */
    fota_results_attempt_t *recording; /* finished; verdict shown once committed */
    bool rework_wait;        /* the rework read met a busy database: asked again */
    bool imei_held;          /* its IMEI was judged at identification and kept (slot_imei.c) */
    int central_ask;         /* --rework --central: 0 not asked, 1 asked, 2 answered */
    int central_found;       /* the answer: 1 found, 0 never seen, -1 unreachable */
    fota_result_t central_result;
    int64_t central_retry_ms; /* unreachable + refuse: ask again from then on */
    bool central_warned;      /* rework_offline: local warning logged */
    char translog_path[512];
    FILE *translog;
    bool in_pump, pump_again, finish_pending;
    bool queued;             /* identified, waiting for a limit */
    bool row_wait;           /* identified, its row not naming it yet (station_db.c) */
    const char *queue_reason;
    bool in_flight;          /* counted in max_parallel / max_per_hub */
    bool wants_token, has_token;
    bool send_pending;       /* a SEND is being written: tell the machine when drained */
    int64_t started_ms;      /* monotonic: the dashboard's elapsed, the duration */
    int64_t finished_ms;
    int64_t started_at_ms;   /* wall clock at the visit's start: the row's started_at */
    int64_t granted_at_ms;   /* wall clock at GO after the queue: started_at; 0 none */
    /* view */
    char model[64];
    char imei[32];
    char phase[64];
    int percent;
    fota_dash_state_t dash;
    char result[320];
    char last_imei[32];      /* module that finished here: not upgraded twice */
    fota_dash_state_t last_dash; /* its verdict and words, shown again when it */
    char last_result[320];       /* re-enumerates after the finish (probe clears them) */
    /* ModemManager leaves the module alone meanwhile (mm_inhibit_slot.c) */
    char mm_uid[512];        /* its USB device's sysfs path while held ("" otherwise) */
    bool mm_deferred;        /* the first AT waits for ModemManager's answer */
    /* A module seen here went away before its attempt ended (a hub's power blip, the
     * final reboot of an attempt a restart closed): --until-idle waits for it until
     * then (slot_await.c); 0 when nothing is waited for. */
    int64_t await_until_ms;
} slot_t;

struct station {
    uv_loop_t *loop;
    const fota_cli_t *opts;
    fota_profile_set_t profiles;
    fota_job_t *job;
    fota_results_t *results;
    fota_central_link_t *central; /* run --central: the shipper (NULL without) */
    fota_central_rework_t *rework_central; /* --rework --central: look-ups */
    fota_watch_t *watch;
    struct fota_dir_wait *ports_wait; /* the ports folder does not exist yet (dir_wait.h) */
    int64_t ports_since_ms;  /* the ports folder is watched since (--until-idle's first wait) */
    fota_mm_t *mm;           /* ModemManager asked per module (NULL: --no-modem-manager) */
    fota_sched_t sched;
    fota_machine_config_t mcfg;
    const char *batch;
    slot_t **slots;          /* sorted by name; never freed before exit */
    size_t n_slots;
    uv_timer_t tick;         /* dashboard redraw, exit checks */
    uv_timer_t idle;         /* --until-idle: fires when the quiet window is over */
    uv_signal_t sigs[5];     /* one per entry of station.c's signal table */
    bool console_gone;       /* stdout closed (EPIPE): no more console log */
    fota_store_err_t db_logged; /* the database trouble the line log told already */
    int64_t tick_last_ms;    /* loop responsiveness: the longest gap between ticks */
    int64_t tick_max_gap_ms;
    int64_t db_busy_logged_ms;
    uv_tty_t tty_in;
    bool tty_in_open;
    bool dashboard;          /* live view (stdout is a terminal and not --no-dashboard) */
    bool color;
    bool stopping;           /* signal received: aborting */
    bool draining;           /* --expect reached: start nothing new */
    bool stopped;            /* handles closing */
    bool in_schedule, schedule_again;
    int64_t last_link_change_ms;
    unsigned pass, fail, skip, interrupted; /* verdicts committed by this run */
    unsigned not_recorded;   /* verdicts the database never took: exit 3 */
    unsigned ports_unopened; /* ttys that could not be opened (permission, not a tty) */
    bool paused_logged;
    fota_keys_t keys;        /* the quit question and the legend (dash_keys.c) */
    unsigned stopped_in_flight; /* modules in flight when the stop began */
    fota_pause_note_t pause_note; /* what the FAILs of the current streak share */
    char banner[512];
    /* descriptors (station_fds.c) */
    unsigned fd_modules;     /* modules the descriptor limit holds, as said at start */
    bool fd_over_said;       /* "more modules than descriptors" said once */
    int64_t fd_short_ms;     /* last "too many open files" line (-1: none yet) */
    char fd_banner[256];     /* the dashboard's line while the line is over the budget */
    int exit_code;
    struct fota_loop_lag *loop_lag; /* FOTA_LOOP_LAG_MS benchmarks only, else NULL */
    bool *adopted;           /* per row crash recovery closed: its module was found again */
};

/* Two clocks: station_now is monotonic ms for the machine, timers, durations and
 * queue time; station_wall is Unix epoch ms (CLOCK_REALTIME) read at the event for
 * every time stored or shown (started_at, finished_at, events, transcripts, log). */
int64_t station_now(const station_t *st);
int64_t station_wall(const station_t *st);
void station_schedule(station_t *st);
void station_check_exit(station_t *st);
unsigned station_in_flight(const station_t *st); /* slots whose attempt runs */
/* The slot of a hub port; made (with no link) when create and not there yet. */
slot_t *station_slot(station_t *st, const char *name, bool create);

/* station_fds.c: descriptors. The start line ("descriptors: limit …, enough for
 * about N modules"); a module seen beyond that number said once (log and banner);
 * "too many open files" from opening `what` said at most once every 30 s. */
void station_fds_start(station_t *st);
void station_fds_count(station_t *st);
void station_fds_short(station_t *st, const char *who, const char *what);

/* station_log.c */
#define STATION_LOG_LINES 6 /* kept for the dashboard, under its table */
void station_log(station_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flushes stdout; a failure ends the console log (st->console_gone), not the run. */
void station_console_flush(station_t *st);
/* The last STATION_LOG_LINES dashboard messages, oldest first; returns how many. */
size_t station_log_recent(const char *out[STATION_LOG_LINES]);

/* slot.c */
slot_t *slot_new(station_t *st, const char *name);
/* A link of this slot appeared, changed (link != NULL) or went away (NULL). */
void slot_if_event(slot_t *s, const char *link_name, int num, const fota_link_t *link);
void slot_abort(slot_t *s, const char *reason);
void slot_grant(slot_t *s);          /* scheduler: GO */
void slot_grant_token(slot_t *s);    /* scheduler: transfer token */
void slot_close(slot_t *s);          /* shutdown: close handles, free after their callbacks */
bool slot_busy(const slot_t *s);     /* choosing, probing or a machine in flight */

/* slot_attempt.c: the attempt's row and verdict */
void slot_begin(slot_t *s);           /* a module answered: start its attempt */
void slot_identified(slot_t *s);     /* machine: IDENTIFIED */
void slot_finish(slot_t *s);         /* machine: FINISH (after its pump) */
void slot_trace(slot_t *s, fota_trace_dir_t dir, const char *text);
/* results.c callbacks (ctx = the slot) and the rework retry (tick) */
void slot_row_resolved(void *ctx, fota_results_attempt_t *h);
void slot_committed(void *ctx, fota_results_attempt_t *h, const fota_attempt_t *a,
                    const char *not_recorded);
void slot_rework_retry(slot_t *s);
/* central_decide.c: like fota_results_latest, from the central database first. */
int slot_central_latest(slot_t *s, const char *imei, fota_result_t *out);

/* slot.c internals */
#define REOPEN_DELAY_MS 100
#define REOPEN_TRIES 30
/* A port the station had no descriptor for (EMFILE) is tried again after this. */
#define FD_RETRY_MS 1000
/* After CLOSE_PORT a USB module's link is removed and re-created (a new tty); a UART
 * module (the legacy GSM modules) keeps its tty across the reboot, so on a port that
 * is not USB a link still unchanged after this long is reopened as it is. Never on
 * USB: reopening the old tty before it drops would let the machine talk to the
 * module before its reboot (and see the old revision). */
#define SAME_LINK_REOPEN_MS 2000
void slot_pump(slot_t *s);            /* runs the machine's actions, re-arms its timer */
void slot_port_drop(slot_t *s);
int slot_port_open(slot_t *s);
/* "<slot>: <tty> (<link>) is held by <program> pid N: not used while it is". */
void slot_log_port_held(slot_t *s, const char *tty, const char *link_name);
void slot_set_state(slot_t *s, slot_state_t st, fota_dash_state_t dash);
void slot_timer_cb(uv_timer_t *t);
void slot_reopen_cb(uv_timer_t *t);
void slot_data(void *ctx, const uint8_t *d, size_t n);
void slot_drained(void *ctx);
void slot_gone(void *ctx, int err);

/* slot_choose.c: which interface is the module's AT port */
/* One `AT` round lasts this long; a silent port is asked again until timeouts.probe. */
#define PROBE_TIMEOUT_MS 1500
void slot_settle_start(slot_t *s);    /* (re)start the wait for a module's interfaces */
void slot_choose_timeout(slot_t *s);  /* SETTLING: choose now; CHOOSING: round over */
void slot_choose_cancel(slot_t *s);   /* close the candidates' ports */
bool slot_if_is_candidate(slot_t *s, const slot_if_t *f); /* USB identity allows AT */

/* slot_probe.c: AT+GSN on the chosen port, then start (or not) an attempt */
void slot_probe_begin(slot_t *s);     /* s->port is open and answered AT */
void slot_probe_data(slot_t *s, const uint8_t *d, size_t n);
void slot_probe_timeout(slot_t *s);

/* slot_imei.c: what an IMEI read on slot s means (one rule for probe and
 * identification). */
typedef enum {
    SLOT_IMEI_NEW,        /* a module of its own: its attempt goes on */
    SLOT_IMEI_OTHER_PORT, /* another port of the module in *other (could be one USB device) */
    SLOT_IMEI_REFUSED,    /* blank, invalid, or also on another hub port (*other): FAIL imei */
} slot_imei_verdict_t;
/* why gets the words for the row and the log (empty for NEW). */
slot_imei_verdict_t slot_imei_judge(slot_t *s, const char *imei, slot_t **other, char *why,
                                    size_t len);

/* slot_await.c: modules that went away before their attempt ended */
/* After a link event: a slot that was busy and lost its last link is waited for (its
 * reboot timeout); one that has a link again is not (busy or decided from here). */
void slot_await_update(slot_t *s, bool was_busy);
/* Waited for now: gone, no final result, its wait not over. */
bool slot_awaited(const slot_t *s, int64_t now);
/* At start: the slots of the rows crash recovery closed are waited for, from when
 * those modules were last heard, for their reboot timeout. Returns how many. */
size_t station_adopt_start(station_t *st);
/* Identification: a module whose attempt the restart closed says so in its new row
 * ("adopted: attempt N was interrupted by a restart"). */
void slot_adopt_note(slot_t *s, const char *imei);
/* --until-idle ends: the slots still waited for are said in the log; how many. */
unsigned station_await_lost(station_t *st);

/* mm_inhibit_slot.c: ModemManager leaves a module alone while the station works on it */
void slot_mm_hold(slot_t *s);        /* the station starts on the module in this slot */
bool slot_mm_defer(slot_t *s);       /* true: the first AT waits (s->timer) for the answer */
void slot_mm_sync(slot_t *s);        /* gives the module back once nothing runs on it */
void station_mm_start(station_t *st);
void station_mm_tick(station_t *st);

/* view.c */
void view_redraw(station_t *st);
void view_final(station_t *st); /* the last frame, at shutdown */
void view_done(station_t *st);  /* the exit line, after the last flush */

/* station_db.c: the results database as the operator sees it */
void station_db_attach(station_t *st);   /* callbacks, flush timer */
void station_db_detach(station_t *st);   /* before the loop ends */
void station_db_queue_identified(slot_t *s); /* queued once its row names the module */
void station_db_tick(station_t *st);     /* "busy for N s" in the log; rework retries */
/* "results database busy for 12 s …" while writes wait or fail; false when fine. */
bool station_db_banner(const station_t *st, char *buf, size_t len);

#endif
