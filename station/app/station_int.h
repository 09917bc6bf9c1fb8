/* Internals of `run` (the app layer): station.c (the loop, start and stop),
 * station_host.c (the slots' host), station_db.c, station_log.c, station_fds.c and
 * view.c (dashboard and line log). The slots themselves are station/slot/slot.h. */
#ifndef FOTA_STATION_INT_H
#define FOTA_STATION_INT_H

#include <limits.h>
#include <stdio.h>
#include <uv.h>

#include "at_chat.h" /* fota_trace_dir_t, used by fota_machine.h */
#include "central_link.h"
#include "central_rework.h"
#include "cli.h"
#include "dash.h"
#include "fota_machine.h"
#include "slot.h"
#include "sched.h"
#include "mm_inhibit.h"
#include "port.h"
#include "query.h"
#include "results.h"
#include "watch.h"

typedef struct station station_t;

/* The owner's side of one slot (station_host.c): the slot itself, its timer (set
 * from slot_deadline after every input), the ports the slot opened through the
 * host, its transcript file, its ModemManager hold and its --rework --central
 * question. */
typedef struct station_slot {
    slot_t slot;             /* first: the slot's host_data points back here */
    station_t *st;
    char label[4 * NAME_MAX + 1]; /* name for the screen: control bytes escaped */
    uv_timer_t timer;
    fota_port_t *ports[SLOT_MAX_IFS];
    struct station_port_ref {
        struct station_slot *ss;
        size_t i;
    } refs[SLOT_MAX_IFS];    /* the ports' callbacks' ctx */
    FILE *translog;
    char translog_path[512];
    char mm_uid[512];        /* its USB device's sysfs path while held ("" otherwise) */
    int central_ask;         /* --rework --central: 0 not asked, 1 asked, 2 answered */
    int central_found;       /* the answer: 1 found, 0 never seen, -1 unreachable */
    fota_result_t central_result;
    int64_t central_retry_ms; /* unreachable + refuse: ask again from then on */
    bool central_warned;      /* rework_offline: local warning logged */
    unsigned hw_streak;       /* hardware failures in a row (port_health.h) */
} station_slot_t;

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
    slot_host_t host;        /* what every slot calls (station_host.c) */
    slot_line_t line;        /* what every slot shares: profiles, job, limits, flags */
    const char *batch;
    slot_t **slots;          /* sorted by name; never freed before exit (line.slots) */
    size_t n_slots;
    uv_timer_t tick;         /* dashboard redraw, exit checks */
    uv_timer_t idle;         /* --until-idle: fires when the quiet window is over */
    uv_signal_t sigs[5];     /* one per entry of station.c's signal table */
    bool console_gone;       /* stdout closed (EPIPE): no more console log */
    fota_store_err_t db_logged; /* the database trouble the line log told already */
    int64_t tick_last_ms;    /* loop responsiveness: the longest gap between ticks */
    int64_t tick_max_gap_ms;
    uv_tty_t tty_in;
    bool tty_in_open;
    bool dashboard;          /* live view (stdout is a terminal and not --no-dashboard) */
    bool color;
    bool stopped;            /* handles closing (stopping, draining: st->line) */
    int64_t last_link_change_ms;
    unsigned pass, fail, skip, interrupted; /* verdicts committed by this run */
    unsigned not_recorded;   /* verdicts the database never took: exit 3 */
    unsigned ports_unopened; /* ttys that could not be opened (permission, not a tty) */
    bool quit_asked;         /* q pressed once with modules in flight */
    slot_t *sel;             /* the operator's selected slot (station_keys.c) */
    char typed[32];          /* a slot label being typed, until Enter */
    size_t typed_len;
    char esc[8];             /* an escape sequence split across reads */
    size_t esc_len;
    char banner[256];
    /* descriptors (station_fds.c) */
    unsigned fd_modules;     /* modules the descriptor limit holds, as said at start */
    bool fd_over_said;       /* "more modules than descriptors" said once */
    int64_t fd_short_ms;     /* last "too many open files" line (-1: none yet) */
    char fd_banner[256];     /* the dashboard's line while the line is over the budget */
    int exit_code;
    struct fota_loop_lag *loop_lag; /* FOTA_LOOP_LAG_MS benchmarks only, else NULL */
    struct station_metrics *metrics; /* run --metrics (station_metrics.h), else NULL */
    bool *adopted;           /* per row crash recovery closed: its module was found again */
};

/* Two clocks: station_now is monotonic ms for the machine, timers, durations and
 * queue time; station_wall is Unix epoch ms (CLOCK_REALTIME) read at the event for
 * every time stored or shown (started_at, finished_at, events, transcripts, log). */
int64_t station_now(const station_t *st);
int64_t station_wall(const station_t *st);
void station_schedule(station_t *st);
void station_check_exit(station_t *st);
/* After every input to slot s (NULL: to the line): its timer from slot_deadline,
 * then the line's limits, ModemManager's holds and the exit checks, once. */
void station_after(station_t *st, slot_t *s);

static inline station_slot_t *station_slot_of(const slot_t *s)
{
    return (station_slot_t *)s->host_data;
}

/* station_host.c: the slots' host */
void station_host_init(station_t *st);    /* st->host and st->line */
/* The slot of a hub port; made (with no link) when create and not there yet. */
slot_t *station_host_slot(station_t *st, const char *name, bool create);
void station_host_arm(station_slot_t *ss); /* the timer from slot_deadline */
void station_host_close(station_slot_t *ss); /* shutdown: freed after its timer closed */
/* At start: the slots of the rows crash recovery closed are waited for, from when
 * those modules were last heard, for their reboot timeout. Returns how many. */
size_t station_host_adopt_start(station_t *st);
/* ModemManager: asked per module (NULL: --no-modem-manager); a module nothing runs
 * on any more is given back. */
void station_host_mm_start(station_t *st);
void station_host_mm_sync(station_slot_t *ss);

/* station_fds.c: descriptors. The start line ("descriptors: limit …, enough for
 * about N modules"); a module seen beyond that number said once (log and banner);
 * "too many open files" from opening `what` said at most once every 30 s. */
void station_fds_start(station_t *st);
void station_fds_count(station_t *st);
void station_fds_short(station_t *st, const char *who, const char *what);

/* station.c: the operator's actions the keys share with the signals */
void station_ack(station_t *st);
void station_quit_key(station_t *st);
void station_stop(station_t *st, const char *why);

/* station_keys.c: the dashboard's keys, one table */
void station_keys_feed(station_t *st, const char *d, size_t n);

/* station_service.c: a slot out of service (on false) or back, by the operator or
 * its port's health (why: shown on its row) */
void station_service(station_t *st, slot_t *s, bool on, const char *why);
/* A committed verdict of the slot: limits.port_health_failures hardware failures in
 * a row take it out of service. */
void station_port_health(station_t *st, slot_t *s, const fota_attempt_t *a);
/* At start: the slots the results file keeps out of service. */
void station_service_start(station_t *st);

/* station_log.c */
#define STATION_LOG_LINES 6 /* kept for the dashboard, under its table */
void station_log(station_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flushes stdout; a failure ends the console log (st->console_gone), not the run. */
void station_console_flush(station_t *st);
/* The last STATION_LOG_LINES dashboard messages, oldest first; returns how many. */
size_t station_log_recent(const char *out[STATION_LOG_LINES]);

/* view.c */
bool view_shown(const slot_t *s);                 /* the slot has a row */
fota_dash_state_t view_state_of(const slot_t *s); /* its row's state */
void view_redraw(station_t *st);
void view_final(station_t *st); /* the last frame, at shutdown */
void view_done(station_t *st);  /* the exit line, after the last flush */

/* station_db.c: the results database as the operator sees it */
void station_db_attach(station_t *st);   /* callbacks, flush timer */
void station_db_detach(station_t *st);   /* before the loop ends */
void station_db_tick(station_t *st);     /* "busy for N s" in the log; rework retries */
/* "results database busy for 12 s …" while writes wait or fail; false when fine. */
bool station_db_banner(const station_t *st, char *buf, size_t len);

#endif
