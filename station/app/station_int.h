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
#include "dash_keys.h"
#include "fota_machine.h"
#include "slot.h"
#include "sched.h"
#include "mm_inhibit.h"
#include "pause_note.h"
#include "port.h"
#include "port_power.h"
#include "query.h"
#include "results.h"
#include "wall_clock.h"
#include "usb_watch.h"
#include "scan_line.h"
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
    fota_port_power_t power;  /* its hub port, found when the power was cut */
    bool power_said;          /* the port's `disable` file missing or refused: said once */
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
    fota_keys_t keys;        /* the quit question and the legend (dash_keys.c) */
    unsigned stopped_in_flight; /* modules in flight when the stop began */
    fota_pause_note_t pause_note; /* what the FAILs of the current streak share */
    char banner[512];
    slot_t *sel;             /* the operator's selected slot (station_keys.c) */
    char esc[8];             /* an escape sequence (an arrow) split across reads */
    size_t esc_len;
    /* descriptors (station_fds.c) */
    unsigned fd_modules;     /* modules the descriptor limit holds, as said at start */
    bool fd_over_said;       /* "more modules than descriptors" said once */
    int64_t fd_short_ms;     /* last "too many open files" line (-1: none yet) */
    char fd_banner[256];     /* the dashboard's line while the line is over the budget */
    /* USB devices from sysfs (station_usb.c) */
    fota_usb_watch_t usb_watch;
    char usb_warned[8][64];  /* controllers said to be over the budget (once each) */
    size_t n_usb_warned;
    char usb_banner[512];    /* the dashboard's line: the last controller over the budget */
    int exit_code;
    struct fota_loop_lag *loop_lag; /* FOTA_LOOP_LAG_MS benchmarks only, else NULL */
    struct station_metrics *metrics; /* run --metrics (station_metrics.h), else NULL */
    bool *adopted;           /* per row crash recovery closed: its module was found again */
    fota_scan_line_t scan_tty; /* a scan being typed at the station's terminal */
    char scan_batch[FOTA_SCAN_MAX + 1];    /* set by a scan (station_keys.c) */
    char scan_operator[FOTA_SCAN_MAX + 1];
    struct station_attach *attach; /* the viewers' socket (station_attach.c), else NULL */
};

/* Two clocks: station_now is monotonic ms for the machine, timers, durations and
 * queue time; station_wall is Unix epoch ms (CLOCK_REALTIME) read at the event for
 * every time stored or shown (started_at, finished_at, events, transcripts, log). */
/* Inline: every file of app/ reads them, and a clock is no reason for a file to
 * call into station.c (the owner's calls stay one way). */
static inline int64_t station_now(const station_t *st)
{
    /* Monotonic (uv_hrtime): deadlines, timers, durations and queue time. Never
     * stored or shown as a date; a wall-clock step (NTP syncing after start) must
     * not stretch or shrink a timeout. */
    (void)st;
    return (int64_t)(uv_hrtime() / 1000000u);
}

static inline int64_t station_wall(const station_t *st)
{
    /* Read at the event, never derived from a base taken at start: a station
     * started before NTP synced dates its rows right from the step on. */
    (void)st;
    return fota_wall_ms();
}
void station_schedule(station_t *st);
void station_check_exit(station_t *st);
unsigned station_in_flight(const station_t *st); /* slots whose attempt runs */
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
/* The slots' hub port power (the host's power, station_usb.c), and the operator's
 * power cycle of one slot (station_host.c): false when its module's attempt runs
 * or no module is there. */
int station_host_power(void *ctx, slot_t *s, bool on);
bool station_power_cycle(station_t *st, const char *slot_name);
/* p on the selected slot: power-cycled, or why not (in the line log). */
void station_power_key(station_t *st, slot_t *s);

/* station_fds.c: descriptors. The start line ("descriptors: limit …, enough for
 * about N modules"); a module seen beyond that number said once (log and banner);
 * "too many open files" from opening `what` said at most once every 30 s. */
void station_fds_start(station_t *st);
void station_fds_count(station_t *st);
void station_fds_short(station_t *st, const char *who, const char *what);

/* station_usb.c: USB devices as sysfs shows them (io/usb_watch.h lists them; the
 * owner makes a slot for each device in a wrong USB mode, which has no AT port:
 * one FAIL row per device, class usb_mode). A controller carrying more devices
 * than limits.usb_devices_per_controller is said once (log and banner). */
bool station_usb_wrong(const station_t *st, const fota_usb_dev_t *d);
void station_usb_judge(station_t *st, slot_t *s, const fota_usb_dev_t *d);
void station_usb_listed(station_t *st, const fota_usb_dev_t *d, size_t n);
/* A link of slot s changed: its device's mode read now, before the slot looks for
 * an AT port on it. */
void station_usb_slot(station_t *st, slot_t *s);

/* station_keys.c: the selected slot (arrows, or its label typed then Enter) and
 * scans. station_keys_escape: true when the byte belongs to an escape sequence. */
bool station_keys_escape(station_t *st, char c);
bool station_keys_select_label(station_t *st, const char *text);
/* The selected slot; NULL (and said, naming the key) when none is. */
slot_t *station_keys_selected(station_t *st, char key);

/* station_db.c: a slot out of service (on false) or back, by the operator or its
 * port's health (why: shown on its row); r and x on the selected slot */
void station_service(station_t *st, slot_t *s, bool on, const char *why);
void station_service_toggle(station_t *st, slot_t *s);
void station_retry(station_t *st, slot_t *s);
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
/* One frame of the dashboard at a size (0: no limit), malloc'd with its length: the
 * station's own terminal and each attached viewer (station_attach.c). */
char *view_render(station_t *st, int width, int height, bool color, size_t *len);
void view_final(station_t *st); /* the last frame, at shutdown */
void view_done(station_t *st);  /* the exit line, after the last flush */

/* The operator's keys, one byte, from the station's terminal or an attached viewer
 * (station.c's key table). */
void station_key(station_t *st, char c);
typedef void (*station_key_fn)(station_t *st, char c);

/* station_keys.c: a scanned line sets the operator or the batch (job's scans). */
void station_scan(station_t *st, const char *text, const char *from);
/* Feeds one typed byte to a scan line; true when it was part of a scan (a whole
 * scan is acted on at Enter), false when it is a key. from: " (attached viewer)"
 * or "" in the line log. */
bool station_scan_feed(station_t *st, fota_scan_line_t *l, char c, const char *from);

/* station_attach.c: `fota-station attach` viewers (docs/station.md, "Attach"). */
/* key: where a viewer's keys go (the owner's station_key), handed over like the
 * tty's read callback, so the viewers' code never calls into the owner. */
void station_attach_start(station_t *st, station_key_fn key);
void station_attach_tick(station_t *st); /* a frame to every viewer */
void station_attach_stop(station_t *st);

/* station_db.c: the results database as the operator sees it */
void station_db_attach(station_t *st);   /* callbacks, flush timer */
void station_db_detach(station_t *st);   /* before the loop ends */
void station_db_tick(station_t *st);     /* "busy for N s" in the log; rework retries */

#endif
