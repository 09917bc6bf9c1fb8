/* `fota-station run`: load and check everything before touching a module, then one
 * libuv loop for the whole line: the ports-directory watch, one slot per link, a
 * redraw tick, signals and the operator's keys. */
#include "station.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd_budget.h"
#include "station_int.h"
#include "by_path.h"
#include "central_conn.h"
#include "check.h"
#include "dir_wait.h"
#include "iso_time.h"
#include "wall_clock.h"
#include "station_lock.h"
#include "station_metrics.h"
#include "store_runs.h"
#include "sysinfo.h"
#include "util.h"

#define RESCAN_MS 2000
#define TICK_MS 250
/* --until-idle: no link change for this long. A module's interfaces reach the
 * station within the watch's 20 ms debounce of the kernel's change, and a module
 * that is being chosen, probed or upgraded, or whose port is expected back, is
 * busy anyway; the window only has to cover the burst of one module's interfaces
 * appearing. A longer window is idle time added to every batch. */
#define IDLE_SETTLE_MS 300
#define EXIT_BUSY_WAIT_MS 2000 /* last flush at exit: how long a lock may hold it */

static void on_link(void *ctx, const char *name, const fota_link_t *link)
{
    station_t *st = ctx;
    st->last_link_change_ms = station_now(st);
    /* All tty interfaces of one module (one hub port) are one slot. */
    fota_by_path_t place;
    fota_by_path_parse(name, &place);
    slot_t *s = station_host_slot(st, place.slot, link != NULL);
    if (s) {
        bool was_busy = slot_busy(s);
        int num = place.interface;
        slot_usb_t id = {0};
        if (link) {
            fota_port_info_t info;
            fota_port_describe(link->target, &info);
            /* sysfs knows the interface of a real USB port; the name tells for a pty. */
            if (info.usb && info.interface >= 0)
                num = info.interface;
            id = (slot_usb_t){info.usb, info.vid, info.pid};
        }
        if (link)
            station_usb_slot(st, s); /* a wrong USB mode has no AT port to look for */
        slot_link(s, name, num, link ? link->target : NULL, &id);
        slot_await_update(s, was_busy);
    }
    station_fds_count(st);
    station_after(st, s);
}

/* A sysfs listing: a device in a wrong USB mode may have no tty, so no link made its
 * slot; it is made here under the name its by-path links would give it. */
static void on_usb(void *ctx, const fota_usb_dev_t *d, size_t n)
{
    station_t *st = ctx;
    if (st->stopped)
        return;
    for (size_t i = 0; i < n; i++) {
        slot_t *s = station_usb_wrong(st, &d[i]) ? station_host_slot(st, d[i].slot, true) : NULL;
        if (s) {
            station_usb_judge(st, s, &d[i]);
            station_host_arm(station_slot_of(s));
        }
    }
    station_usb_listed(st, d, n);
    station_after(st, NULL);
}

static void on_watch_error(void *ctx, const char *dir, int err)
{
    station_t *st = ctx;
    char words[160];
    if (err == FOTA_E_MFILE)
        station_log(st, "ports directory %s: %s; every port known stays as it is, the folder "
                        "is listed again in a second", dir, fota_fd_words(words, sizeof words));
    else if (fota_watch_error_keeps(err))
        station_log(st, "ports directory %s: %s; every port known stays as it is, the folder "
                        "is listed again in a second", dir, fota_strerror(err));
    else if (err)
        station_log(st, "ports directory %s: %s; no module is seen until it can be read", dir,
                    fota_strerror(err));
    else
        station_log(st, "ports directory %s can be listed again", dir);
}

/* The line's limits: called by the owner only (station_after), never from inside a
 * slot, so a grant cannot re-enter it. A grant's own actions may free a token or a
 * place: the pass runs again until nothing moves. */
void station_schedule(station_t *st)
{
    bool moved = true;
    while (moved && !st->line.stopping) {
        moved = false;
        /* Transfer tokens first: a module holding GO must not starve for a token. */
        for (size_t i = 0; i < st->n_slots; i++) {
            slot_t *s = st->slots[i];
            if (slot_wants_token(s) && fota_sched_take_transfer(&st->sched)) {
                slot_grant_token(s);
                station_host_arm(station_slot_of(s));
                moved = true;
            }
        }
        for (size_t i = 0; i < st->n_slots; i++) {
            slot_t *s = st->slots[i];
            if (!slot_queued(s))
                continue;
            const char *why = fota_sched_blocked(&st->sched, s->hub);
            slot_queue_reason(s, why);
            if (!why) {
                slot_grant(s);
                station_host_arm(station_slot_of(s));
                moved |= !slot_queued(s);
            }
        }
    }
}

void station_after(station_t *st, slot_t *s)
{
    if (st->stopped)
        return;
    if (s)
        station_host_arm(station_slot_of(s));
    station_schedule(st);
    station_check_exit(st);
}

static void station_shutdown(station_t *st);

/* --until-idle with no module yet: how long a newly powered module may take to show
 * its ports (the settle window) and answer AT (the probe window), the job's. */
static int64_t station_first_module_ms(const station_t *st)
{
    fota_timeouts_t t = fota_timeouts_effective(NULL, &st->job->timeouts);
    return (int64_t)t.ports_settle_ms + (int64_t)t.probe_ms;
}

static void idle_cb(uv_timer_t *t)
{
    station_check_exit(t->data);
}

void station_check_exit(station_t *st)
{
    if (st->stopped)
        return;
    unsigned finals = st->pass + st->fail + st->skip + st->interrupted + st->not_recorded;
    /* A result still queued holds the exit while the database is merely busy (the
     * lock will be let go); not while writes fail: those are listed at exit (3). */
    bool busy = fota_results_pending(st->results) && !fota_results_failing(st->results);
    for (size_t i = 0; i < st->n_slots && !busy; i++)
        busy = slot_busy(st->slots[i]);
    if (st->line.stopping) {
        if (!busy)
            station_shutdown(st);
        return;
    }
    if (st->opts->expect > 0 && finals >= (unsigned long)st->opts->expect) {
        /* N results are in: start nothing new, let the rest finish their visit. */
        st->line.draining = true;
        if (!busy)
            station_shutdown(st);
        return;
    }
    if (st->opts->until_idle && !busy && !st->ports_wait) {
        int64_t now = station_now(st);
        int64_t quiet = now - st->last_link_change_ms;
        int64_t wait = IDLE_SETTLE_MS - quiet;
        /* Idle means done: a module that went away before its attempt ended may be
         * back within its reboot timeout (slot_await.c). */
        for (size_t i = 0; i < st->n_slots; i++)
            if (slot_awaited(st->slots[i], now) && st->slots[i]->await_until_ms - now > wait)
                wait = st->slots[i]->await_until_ms - now;
        if (finals == 0) {
            /* Nothing seen yet: a hub powered after the station gets the time a
             * module needs to show its ports and answer, from when the ports
             * folder was there. */
            int64_t first = station_first_module_ms(st) - (now - st->ports_since_ms);
            wait = first > wait ? first : wait;
        }
        if (wait > 0) { /* exit when the window ends, not at the next redraw tick */
            uv_timer_start(&st->idle, idle_cb, (uint64_t)wait, 0);
            return;
        }
        unsigned lost = 0;
        for (size_t i = 0; i < st->n_slots; i++)
            lost += slot_await_lost(st->slots[i]);
        if (finals == 0 && lost) {
            station_log(st, "%u module(s) seen in %s went away before an attempt ended and did "
                            "not come back; nothing to record", lost, st->opts->ports);
            st->exit_code = 4;
        } else if (finals == 0) {
            station_log(st, "no module seen in %s (waited %.1f s for one); nothing to record",
                        st->opts->ports, (double)station_first_module_ms(st) / 1000.0);
            st->exit_code = 4;
        }
        station_shutdown(st);
    }
}

static void tick_cb(uv_timer_t *t)
{
    station_t *st = t->data;
    if (fota_keys_expire(&st->keys, station_now(st)))
        station_log(st, "quit not confirmed within %d s: nothing stopped, the line goes on",
                    FOTA_QUIT_CONFIRM_MS / 1000);
    view_redraw(st);
    station_attach_tick(st);
    station_db_tick(st);
    for (size_t i = 0; i < st->n_slots; i++)
        station_host_mm_sync(station_slot_of(st->slots[i]));
    station_after(st, NULL);
}

unsigned station_in_flight(const station_t *st)
{
    unsigned n = 0;
    for (size_t i = 0; i < st->n_slots; i++)
        n += st->slots[i]->a != NULL;
    return n;
}

static void station_stop(station_t *st, const char *why)
{
    if (st->line.stopping) {
        /* Second signal: stop now. Results not yet committed get one more try and are
         * printed if that fails (exit 3); rows still running are recovered at the
         * next start. */
        station_shutdown(st);
        return;
    }
    st->line.stopping = true;
    st->keys.quit_until_ms = 0;
    st->stopped_in_flight = station_in_flight(st);
    char note[768];
    fota_keys_abort_note(note, sizeof note, st->stopped_in_flight);
    if (*note)
        station_log(st, "%s: stopping; %s", why, note);
    else
        station_log(st, "%s: stopping, running attempts are recorded as INTERRUPTED", why);
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_abort(st->slots[i], why);
        station_host_arm(station_slot_of(st->slots[i]));
    }
    station_after(st, NULL);
}

static void ack(station_t *st)
{
    if (!st->sched.paused) {
        station_log(st, "a: nothing to acknowledge, the line is not paused");
        return;
    }
    fota_sched_ack(&st->sched);
    st->banner[0] = '\0';
    station_log(st, "operator acknowledged the pause: starting modules again");
    station_after(st, NULL);
}

typedef enum { SIG_STOP, SIG_ACK, SIG_IGNORE } sig_action_t;

/* SIGHUP (the terminal or the ssh session went away) stops like SIGTERM: the running
 * attempts end INTERRUPTED, never as rows without a result. SIGUSR2 has no meaning
 * here; by default it would kill the process silently, so it is logged and ignored.
 * SIGPIPE is ignored (fota_station_run): a closed stdout ends the console log only. */
static const struct {
    int signum;
    const char *name;
    sig_action_t action;
} station_signals[] = {
    {SIGINT, "SIGINT", SIG_STOP},   {SIGTERM, "SIGTERM", SIG_STOP},
    {SIGHUP, "SIGHUP", SIG_STOP},   {SIGUSR1, "SIGUSR1", SIG_ACK},
    {SIGUSR2, "SIGUSR2", SIG_IGNORE},
};
#define N_SIGNALS (sizeof station_signals / sizeof station_signals[0])

static void signal_cb(uv_signal_t *h, int signum)
{
    station_t *st = h->data;
    size_t i = (size_t)(h - st->sigs);
    (void)signum;
    switch (station_signals[i].action) {
    case SIG_ACK: ack(st); break;
    case SIG_STOP: station_stop(st, station_signals[i].name); break;
    case SIG_IGNORE:
        station_log(st, "%s ignored (SIGINT, SIGTERM or SIGHUP stop the station, SIGUSR1 "
                        "acknowledges a pause)", station_signals[i].name);
        break;
    }
}

static void key_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    static char b[64];
    *buf = uv_buf_init(b, sizeof b);
}

/* One key, from the station's terminal or an attached viewer (station_attach.c).
 * The keys' rules are dash_keys.c's: q and ^C (raw mode: no SIGINT) ask while
 * modules are in flight, the same key within 5 s stops (they end INTERRUPTED). */
void station_key(station_t *st, char c)
{
    if (st->stopped)
        return;
    switch (fota_keys_press(&st->keys, (unsigned char)c, station_in_flight(st),
                            station_now(st))) {
    case FOTA_KEY_ACK: ack(st); break;
    case FOTA_KEY_QUIT: station_stop(st, "operator quit"); break;
    case FOTA_KEY_RETRY: station_retry(st, station_keys_selected(st, 'r')); break;
    case FOTA_KEY_SERVICE: station_service_toggle(st, station_keys_selected(st, 'x')); break;
    case FOTA_KEY_POWER: station_power_key(st, station_keys_selected(st, 'p')); break;
    case FOTA_KEY_UNKNOWN: station_log(st, "%c: not a key here; ? lists the keys", c); break;
    default: break; /* the question and the legend are drawn by view.c */
    }
    if (!st->stopped)
        view_redraw(st); /* the answer at once, not at the next tick */
}

/* A typed line that is a scan, or an arrow's escape sequence, is not a key
 * (station_keys.c). */
static void key_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    station_t *st = s->data;
    for (ssize_t i = 0; i < n && !st->stopped; i++) {
        char c = buf->base[i];
        if (station_keys_escape(st, c)) { /* an arrow, or a lone Escape */
            if (c == 0x1b && st->keys.legend)
                station_key(st, c); /* any key closes the legend, Escape too */
        } else if (!station_scan_feed(st, &st->scan_tty, c, "")) {
            station_key(st, c);
        }
    }
}

static void handle_close_noop(uv_handle_t *h)
{
    (void)h;
}

#define CENTRAL_DRAIN_MS 10000 /* at exit: the shipper's last round (a loaded PC is slow) */

static void central_log(void *ctx, const char *line)
{
    station_log(ctx, "%s", line);
}

static void station_shutdown(station_t *st)
{
    if (st->stopped)
        return;
    st->stopped = true;
    fota_central_link_stop(st->central, CENTRAL_DRAIN_MS);
    if (st->tty_in_open)
        uv_tty_reset_mode(); /* before the last lines: raw mode has no CR on LF */
    /* A loop that stalls (a blocking write, a slow disk) shows here, not as modules'
     * timeouts: ticks come every TICK_MS on a responsive loop. */
    station_log(st, "loop: longest gap between ticks %lld ms (expected %d)",
                (long long)st->tick_max_gap_ms, TICK_MS);
    view_final(st);
    station_attach_stop(st);
    fota_dir_wait_stop(st->ports_wait);
    st->ports_wait = NULL;
    fota_watch_stop(st->watch);
    st->watch = NULL;
    fota_usb_watch_stop(&st->usb_watch);
    fota_mm_stop(st->mm); /* every module given back before the slots go */
    for (size_t i = 0; i < st->n_slots; i++)
        station_host_close(station_slot_of(st->slots[i]));
    uv_close((uv_handle_t *)&st->tick, handle_close_noop);
    uv_close((uv_handle_t *)&st->idle, handle_close_noop);
    for (size_t i = 0; i < N_SIGNALS; i++)
        uv_close((uv_handle_t *)&st->sigs[i], handle_close_noop);
    station_db_detach(st); /* and the loop-lateness instrument (loop_lag.h) */
    station_metrics_detach(st);
    if (st->tty_in_open)
        uv_close((uv_handle_t *)&st->tty_in, handle_close_noop);
}

/* The ports directory must be readable before any module is touched: a watch on a
 * folder the station may not read would only ever report an empty line. One that
 * does not exist yet (1) is waited for: udev makes /dev/serial/by-path with the
 * first USB serial device, so a PC started before its hub has none. */
static int station_check_ports_dir(const char *ports)
{
    struct stat sb;
    DIR *ports_dir = NULL;
    if (fota_dir_exists(ports) == 0)
        return 1;
    errno = 0; /* a stat that works on a file leaves errno as it was: not ours */
    if (stat(ports, &sb) != 0 || !S_ISDIR(sb.st_mode) || !(ports_dir = opendir(ports))) {
        int e = errno;
        fprintf(stderr, "fota-station: ports directory %s: %s%s\n", ports,
                e ? strerror(e) : "not a directory",
                e == EACCES ? " (run the station as a user that may read it)" : "");
        return -1;
    }
    closedir(ports_dir);
    return 0;
}

static int station_open_results(station_t *st, const char *db, int *recovered)
{
    char errbuf[512] = ""; /* room for quick_check's findings */
    if (fota_results_open(db, &st->results, recovered, errbuf, sizeof errbuf) < 0) {
        fprintf(stderr, "fota-station: database %s: %s; not starting\n", db, errbuf);
        return -1;
    }
    return 0;
}

static int station_make_log_dir(const char *log_dir)
{
    if (log_dir && mkdir(log_dir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "fota-station: --log-dir %s: %s\n", log_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Line limits and the machine's configuration: nothing here can fail. */
static void station_init_state(station_t *st, const fota_cli_t *opts)
{
    st->opts = opts;
    st->batch = opts->batch ? opts->batch : st->job->name;
    st->loop = uv_default_loop();
    fota_limits_t lim = st->job->limits;
    if (opts->max_parallel > 0)
        lim.max_parallel = (unsigned)opts->max_parallel;
    fota_sched_init(&st->sched, &lim);
    st->dashboard = !opts->no_dashboard && isatty(STDOUT_FILENO);
    st->color = st->dashboard;
    station_host_init(st);
}

static void station_log_start(station_t *st, int recovered)
{
    if (recovered > 0)
        station_log(st, "%d attempt(s) left running by an earlier station closed as INTERRUPTED",
                    recovered);
    if (st->opts->no_modem_manager && fota_modemmanager_running("/proc"))
        station_log(st, "WARNING: ModemManager is running and --no-modem-manager was given. It "
                        "probes new AT ports and breaks an upgrade in progress; install the udev "
                        "rule (ID_MM_DEVICE_IGNORE) or stop it.");
    station_log(st, "job %s: %zu target(s), batch %s, ports %s, database %s", st->job->source,
                st->job->n_targets, st->batch ? st->batch : "-", st->opts->ports, st->opts->db);
}

static void station_start_tick_and_signals(station_t *st)
{
    uv_timer_init(st->loop, &st->tick);
    st->tick.data = st;
    uv_timer_start(&st->tick, tick_cb, TICK_MS, TICK_MS);
    uv_timer_init(st->loop, &st->idle);
    st->idle.data = st;
    for (size_t i = 0; i < N_SIGNALS; i++) {
        uv_signal_init(st->loop, &st->sigs[i]);
        st->sigs[i].data = st;
        uv_signal_start(&st->sigs[i], signal_cb, station_signals[i].signum);
    }
}

/* The central database is optional: failing to reach it never stops the line. */
static void station_start_central(station_t *st)
{
    const fota_cli_t *opts = st->opts;
    if (opts->central && opts->rework && !(st->rework_central = fota_central_rework_new(st->loop,
                                                                                    opts->central)))
        station_log(st, "central database: out of memory; rework decisions from this station only");
    if (opts->central) {
        char label[256];
        fota_central_label(opts->central, label, sizeof label);
        station_log(st, "central database %s: shipping finished attempts from %s", label, opts->db);
        if (fota_central_link_start(st->loop, opts->db, opts->central, central_log, st,
                                    &st->central) < 0)
            station_log(st, "central database: cannot start the shipper (out of memory)");
    }
}

/* The operator's keys are read only when the dashboard owns a real terminal. */
static void station_start_keys(station_t *st)
{
    if (st->dashboard && isatty(STDIN_FILENO) && uv_tty_init(st->loop, &st->tty_in, 0, 1) == 0) {
        st->tty_in_open = true;
        st->tty_in.data = st;
        uv_tty_set_mode(&st->tty_in, UV_TTY_MODE_RAW);
        uv_read_start((uv_stream_t *)&st->tty_in, key_alloc_cb, key_cb);
    }
    if (st->dashboard)
        fputs("\x1b[2J", stdout); /* once, before the first frame; never again */
}

static void station_watch_ports(station_t *st)
{
    st->last_link_change_ms = st->ports_since_ms = station_now(st);
    if (fota_watch_start(st->loop, st->opts->ports, RESCAN_MS, on_link, st, &st->watch) < 0) {
        fprintf(stderr, "fota-station: cannot watch %s\n", st->opts->ports);
        st->exit_code = 3;
        station_shutdown(st);
    } else {
        fota_watch_on_error(st->watch, on_watch_error);
    }
}

static void ports_appeared(void *ctx, const char *dir)
{
    station_t *st = ctx;
    fota_dir_wait_stop(st->ports_wait);
    st->ports_wait = NULL;
    station_log(st, "ports directory %s appeared", dir);
    station_watch_ports(st);
    station_after(st, NULL);
}

/* A missing ports folder is waited for (the line log says so), never an exit. */
static void station_start_watch(station_t *st, bool ports_missing)
{
    if (!ports_missing || fota_dir_exists(st->opts->ports) == 1) {
        station_watch_ports(st);
        return;
    }
    station_log(st, "waiting for %s to appear (udev makes it with the first USB serial device)",
                st->opts->ports);
    if (fota_dir_wait_start(st->loop, st->opts->ports, RESCAN_MS, ports_appeared, st,
                            &st->ports_wait) < 0) {
        fprintf(stderr, "fota-station: cannot wait for %s (out of memory)\n", st->opts->ports);
        st->exit_code = 3;
        station_shutdown(st);
    }
}

/* After the loop: the exit code, with every result the database never took printed. */
static int station_exit_code(station_t *st)
{
    /* Nothing lost silently: a result the database never took is printed, exit 3. */
    int unwritten = fota_results_drain(st->results, EXIT_BUSY_WAIT_MS, stderr);
    st->not_recorded += (unsigned)unwritten;
    view_done(st); /* counts and yields with the last flush's verdicts in */
    int code = st->exit_code ? st->exit_code : (st->fail || st->interrupted) ? 1 : 0;
    if (st->not_recorded) { /* a verdict NOT RECORDED: the run is not "all done" */
        fprintf(stderr, "fota-station: %u result(s) above are NOT in the database %s\n",
                st->not_recorded, st->opts->db);
        code = 3;
    }
    return code;
}

/* What the loop's run needed; every handle on the loop is closed by now. */
static void station_release_loop(station_t *st)
{
    fota_central_link_free(st->central);
    fota_central_rework_free(st->rework_central);
    fota_mm_free(st->mm);
    fota_sched_free(&st->sched);
    free(st->slots);
    free(st->adopted);
    uv_loop_close(st->loop);
}

/* Each step that can fail jumps to the label that undoes what came before it. */
int fota_station_run(const fota_cli_t *opts)
{
    station_t *st = calloc(1, sizeof *st);
    if (!st)
        return 3;
    /* `fota-station run … | head`: a closed stdout must not kill the line. */
    signal(SIGPIPE, SIG_IGN);
    int rc = fota_station_load(fota_cli_profiles_dir(opts), opts->job, &st->profiles, &st->job);
    if (rc)
        goto free_config;
    /* Before the crash recovery: it would close another station's running rows. */
    fota_station_locks_t locks;
    rc = fota_station_locks_take(opts->db, opts->ports, &locks);
    if (rc)
        goto free_config;
    if (station_metrics_open(st, opts->metrics) < 0) { /* bad or taken address: usage */
        rc = 2;
        goto release_locks;
    }
    rc = 3;
    int recovered = 0;
    int ports = station_check_ports_dir(opts->ports);
    if (ports < 0 || station_open_results(st, opts->db, &recovered) < 0)
        goto release_locks;
    if (station_make_log_dir(opts->log_dir) < 0)
        goto close_results;

    station_init_state(st, opts);
    /* The batch's yields so far (earlier runs, crash recovery included): shown from
     * the first frame, moved by every verdict's commit. */
    if (fota_results_track_batch(st->results, st->batch) < 0)
        station_log(st, "results database: cannot read the yields of batch %s so far",
                    st->batch ? st->batch : "-");
    station_log_start(st, recovered);
    station_fds_start(st);
    char why[256] = ""; /* the reports' traceability header (table runs); only that is lost */
    if (fota_store_run_record(opts->db, st->job, st->batch, opts->operator_id, why, sizeof why) < 0)
        station_log(st, "results database: %s; the report will not name this run", why);
    station_start_tick_and_signals(st);
    station_host_adopt_start(st); /* after the loop's handles: it makes slots */
    station_service_start(st);
    station_host_mm_start(st);
    station_db_attach(st);
    station_start_central(st);
    station_metrics_attach(st);
    station_start_keys(st);
    station_attach_start(st, station_key); /* viewers: station_attach.c */
    station_start_watch(st, ports == 1);
    fota_usb_watch_start(&st->usb_watch, st->loop, RESCAN_MS, on_usb, st); /* after the links */
    uv_run(st->loop, UV_RUN_DEFAULT);

    rc = station_exit_code(st);
    station_release_loop(st);
close_results:
    fota_results_close(st->results);
release_locks:
    station_metrics_close(st);
    fota_station_locks_release(&locks); /* last: the database is closed */
free_config:
    fota_job_free(st->job);
    fota_profile_set_free(&st->profiles);
    free(st);
    return rc;
}
