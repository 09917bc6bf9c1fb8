/* ModemManager's InhibitDevice through sd-bus, on the station's libuv loop; see
 * mm_inhibit.h. One entry per device (uid) the station ever asked about: what the
 * station wants (held or not) and where the conversation with ModemManager is. A
 * request in flight is never doubled: the next one (hold again, or give back) goes
 * once its reply is in, so ModemManager sees the calls in the station's order. */
#include "mm_inhibit.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define MM_SERVICE "org.freedesktop.ModemManager1"
#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_IFACE "org.freedesktop.ModemManager1"
/* ModemManager asks polkit before it answers: seconds at worst, never minutes. */
#define CALL_TIMEOUT_US (5u * 1000000u)
/* A device ModemManager cannot inhibit yet is asked again this often (the number
 * of tries is per error, in mm_errors). */
#define RETRY_MS 500
#define MAX_TRIES 120 /* 60 s of "not yet" of any kind */
/* At shutdown: how long the give-backs' replies may take before the bus is left. */
#define STOP_WAIT_MS 1000

typedef enum { H_IDLE, H_ASKING, H_HELD, H_RELEASING } hold_state_t;

typedef struct {
    fota_mm_t *mm;
    char uid[PATH_MAX];
    char name[128];          /* the slot, for the log */
    hold_state_t state;
    bool want;
    bool answered;           /* the first answer to the current hold is in */
    bool refused;            /* ModemManager said no: not asked again until wanted anew */
    bool retry;              /* not yet: asked again at the next retry tick */
    int tries;               /* "not yet" answers in a row of the same kind … */
    int total;               /* … and of any kind, to the current hold */
    size_t last_error;       /* the kind (index in mm_errors) */
    sd_bus_slot *call;
    fota_mm_answer_fn answer;
    void *ctx;
} mm_hold_t;

struct fota_mm {
    uv_loop_t *loop;
    sd_bus *bus;
    bool dead;               /* no bus, or the connection broke: nothing is asked */
    bool stopping, handles_open;
    uv_poll_t poll;
    uv_timer_t timer;        /* sd-bus's own next timeout (call timeouts, auth) */
    uv_timer_t retry;        /* NotFound retries; at shutdown, the bound on replies */
    unsigned told;           /* TOLD_* bits: each kind of trouble is logged once */
    mm_hold_t **holds;
    size_t n_holds;
    fota_mm_log_fn log;
    void *log_ctx;
};

enum {
    TOLD_NO_BUS = 1u << 0, TOLD_NO_MM = 1u << 1, TOLD_DENIED = 1u << 2, TOLD_OLD = 1u << 3,
    TOLD_NOT_FOUND = 1u << 4, TOLD_OTHER = 1u << 5, TOLD_LOST = 1u << 6, TOLD_GRANTED = 1u << 7,
    TOLD_GIVE_BACK = 1u << 8, TOLD_NOT_READY = 1u << 9, TOLD_TAKEN = 1u << 10,
};

/* What an error reply means to an operator: one entry per D-Bus error name, and
 * how often a "not yet" is asked again before it is told. */
static const struct {
    const char *error;
    unsigned told;
    const char *words;
    int tries;
} mm_errors[] = {
    {"org.freedesktop.DBus.Error.ServiceUnknown", TOLD_NO_MM,
     "not running: nothing to ask, modules are upgraded as they come", 0},
    {"org.freedesktop.DBus.Error.NameHasNoOwner", TOLD_NO_MM,
     "not running: nothing to ask, modules are upgraded as they come", 0},
    {"org.freedesktop.DBus.Error.AccessDenied", TOLD_DENIED,
     "the station's user may not ask it to leave a module alone; install the station's "
     "D-Bus policy and polkit rule (docs/station.md). Upgrades go on, but ModemManager "
     "may probe a module meanwhile", 0},
    {"org.freedesktop.ModemManager1.Error.Core.Unauthorized", TOLD_DENIED,
     "the station's user may not ask it to leave a module alone; install the station's "
     "D-Bus policy and polkit rule (docs/station.md). Upgrades go on, but ModemManager "
     "may probe a module meanwhile", 0},
    {"org.freedesktop.DBus.Error.UnknownMethod", TOLD_OLD,
     "too old to be asked to leave a module alone (InhibitDevice needs version 1.10 or "
     "later). Upgrades go on, but it may probe a module meanwhile", 0},
    /* Its udev handler has not seen the module yet (a moment), or it ignores it
     * (ID_MM_DEVICE_IGNORE, its filter): asked for 3 s. */
    {"org.freedesktop.ModemManager1.Error.Core.NotFound", TOLD_NOT_FOUND,
     "does not manage this module: nothing to ask", 6},
    /* It inhibits only a modem it has exported, i.e. once its own probe of the new
     * module is over (seconds): asked until then, for 30 s at most. Until then the
     * module is not protected, but from then on, through every reboot, it is. */
    {"org.freedesktop.ModemManager1.Error.Core.WrongState", TOLD_NOT_READY,
     "was still probing the module and did not let go of it within 30 s; the upgrade goes "
     "on, but ModemManager may probe it meanwhile", 60},
    /* fwupd, or another station, holds it: ModemManager leaves it alone anyway. */
    {"org.freedesktop.ModemManager1.Error.Core.InProgress", TOLD_TAKEN,
     "already leaves this module alone for another program", 0},
    /* No answer within CALL_TIMEOUT_US, or the connection closed under the call. */
    {"org.freedesktop.DBus.Error.NoReply", TOLD_OTHER,
     "did not answer in time; upgrades go on, but it may probe a module meanwhile", 0},
    {"org.freedesktop.DBus.Error.Timeout", TOLD_OTHER,
     "did not answer in time; upgrades go on, but it may probe a module meanwhile", 0},
};

static void mm_tell(fota_mm_t *mm, unsigned kind, const char *what, const char *name,
                    const char *detail)
{
    if (mm->told & kind)
        return;
    mm->told |= kind;
    char line[768];
    snprintf(line, sizeof line, "ModemManager: %s (%s%s%s)", what, name, detail ? ": " : "",
             detail ? detail : "");
    mm->log(mm->log_ctx, line);
}

static uint64_t mono_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the bus on the loop ----------------------------------------------------- */

static void mm_process(fota_mm_t *mm);

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    mm_process(p->data);
}

static void on_timer(uv_timer_t *t)
{
    mm_process(t->data);
}

/* Tells libuv what sd-bus waits for next: its fd's events and its next timeout. */
static void mm_arm(fota_mm_t *mm)
{
    if (mm->dead || !mm->handles_open)
        return;
    int ev = sd_bus_get_events(mm->bus);
    if (ev >= 0)
        uv_poll_start(&mm->poll, UV_READABLE | ((ev & POLLOUT) ? UV_WRITABLE : 0), on_poll);
    uint64_t until = UINT64_MAX;
    if (sd_bus_get_timeout(mm->bus, &until) < 0 || until == UINT64_MAX) {
        uv_timer_stop(&mm->timer);
        return;
    }
    uint64_t now = mono_usec();
    uv_timer_start(&mm->timer, on_timer, until > now ? (until - now + 999) / 1000 : 0, 0);
}

static void mm_handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void mm_close_handles(fota_mm_t *mm)
{
    if (!mm->handles_open)
        return;
    mm->handles_open = false;
    uv_close((uv_handle_t *)&mm->poll, mm_handle_closed);
    uv_close((uv_handle_t *)&mm->timer, mm_handle_closed);
    uv_close((uv_handle_t *)&mm->retry, mm_handle_closed);
}

/* Give-backs not answered yet. A hold still unanswered at shutdown is not waited
 * for: ModemManager drops it when the station's connection closes. */
static size_t mm_releasing(const fota_mm_t *mm)
{
    size_t n = 0;
    for (size_t i = 0; i < mm->n_holds; i++)
        n += mm->holds[i]->state == H_RELEASING;
    return n;
}

/* Shutdown: the loop may end once every give-back is answered. */
static void mm_stop_check(fota_mm_t *mm)
{
    if (mm->stopping && (mm->dead || mm_releasing(mm) == 0))
        mm_close_handles(mm);
}

static void hold_answer(mm_hold_t *h)
{
    if (h->answered)
        return;
    h->answered = true;
    fota_mm_answer_fn cb = h->answer;
    h->answer = NULL;
    if (cb)
        cb(h->ctx);
}

/* The connection broke (or never was): every hold is answered, nothing more asked. */
static void mm_dead(fota_mm_t *mm, int err)
{
    if (!mm->dead && mm->bus)
        mm_tell(mm, TOLD_LOST, "the system D-Bus connection is gone; modules are upgraded "
                               "without asking", "D-Bus", strerror(-err));
    mm->dead = true;
    if (mm->handles_open) {
        uv_poll_stop(&mm->poll);
        uv_timer_stop(&mm->timer);
    }
    for (size_t i = 0; i < mm->n_holds; i++) {
        mm_hold_t *h = mm->holds[i];
        h->call = sd_bus_slot_unref(h->call);
        h->state = H_IDLE;
        hold_answer(h);
    }
    mm_stop_check(mm);
}

static void mm_process(fota_mm_t *mm)
{
    if (mm->dead)
        return;
    int r;
    while ((r = sd_bus_process(mm->bus, NULL)) > 0)
        ;
    if (r < 0) {
        mm_dead(mm, r);
        return;
    }
    mm_arm(mm);
}

/* ---- one device -------------------------------------------------------------- */

static void hold_step(mm_hold_t *h);
static void on_retry(uv_timer_t *t);

static void hold_failed(mm_hold_t *h, const sd_bus_error *e)
{
    fota_mm_t *mm = h->mm;
    for (size_t i = 0; i < sizeof mm_errors / sizeof mm_errors[0]; i++) {
        if (!sd_bus_error_has_name(e, mm_errors[i].error))
            continue;
        if (h->last_error != i)
            h->tries = 0; /* e.g. WrongState, then NotFound while the module reboots */
        h->last_error = i;
        if (h->want && ++h->tries < mm_errors[i].tries && ++h->total < MAX_TRIES) {
            h->retry = true; /* not yet: asked again at the next retry tick */
            if (mm->handles_open && !uv_is_active((uv_handle_t *)&mm->retry))
                uv_timer_start(&mm->retry, on_retry, RETRY_MS, 0);
            return;
        }
        h->refused = true;
        mm_tell(mm, mm_errors[i].told, mm_errors[i].words, h->name, e->message);
        return;
    }
    h->refused = true;
    char what[320];
    snprintf(what, sizeof what, "did not agree to leave the module alone (%s); the upgrade goes "
                                "on, but it may probe the module meanwhile", e->name);
    mm_tell(mm, TOLD_OTHER, what, h->name, e->message);
}

static int on_hold_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
    mm_hold_t *h = userdata;
    (void)ret_error;
    h->call = sd_bus_slot_unref(h->call);
    const sd_bus_error *e = sd_bus_message_get_error(reply);
    if (e) {
        h->state = H_IDLE;
        hold_failed(h, e);
    } else {
        h->state = H_HELD;
        mm_tell(h->mm, TOLD_GRANTED, "leaves each module alone during its attempt", h->name,
                NULL);
    }
    /* Answered even when asked again later (not yet): the module is not kept
     * waiting longer than one round trip. */
    hold_answer(h);
    hold_step(h);
    mm_stop_check(h->mm);
    return 0;
}

static int on_release_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
    mm_hold_t *h = userdata;
    (void)ret_error;
    h->call = sd_bus_slot_unref(h->call);
    h->state = H_IDLE;
    const sd_bus_error *e = sd_bus_message_get_error(reply);
    if (e)
        mm_tell(h->mm, TOLD_GIVE_BACK, "could not be given a module back; it takes it back when "
                                       "the station exits", h->name, e->message);
    hold_step(h);
    mm_stop_check(h->mm);
    return 0;
}

static void hold_send(mm_hold_t *h, bool on)
{
    fota_mm_t *mm = h->mm;
    sd_bus_message *m = NULL;
    int r = sd_bus_message_new_method_call(mm->bus, &m, MM_SERVICE, MM_PATH, MM_IFACE,
                                           "InhibitDevice");
    /* Never start ModemManager by bus activation: a stopped one stays stopped (a
     * dedicated PC), and is simply "not running" here. */
    if (r >= 0)
        r = sd_bus_message_set_auto_start(m, 0);
    if (r >= 0)
        r = sd_bus_message_append(m, "sb", h->uid, (int)on);
    if (r >= 0)
        r = sd_bus_call_async(mm->bus, &h->call, m, on ? on_hold_reply : on_release_reply, h,
                              CALL_TIMEOUT_US);
    sd_bus_message_unref(m);
    if (r < 0) {
        mm_tell(mm, TOLD_OTHER, "cannot be asked (D-Bus message not sent)", h->name, strerror(-r));
        h->state = H_IDLE;
        h->refused = true;
        hold_answer(h);
        return;
    }
    h->state = on ? H_ASKING : H_RELEASING;
    mm_arm(mm);
}

/* Brings ModemManager where the station wants it, one request at a time. */
static void hold_step(mm_hold_t *h)
{
    fota_mm_t *mm = h->mm;
    if (mm->dead || h->state == H_ASKING || h->state == H_RELEASING)
        return;
    if (h->want && h->state == H_IDLE && !h->refused && !h->retry && !mm->stopping)
        hold_send(h, true);
    else if (!h->want && h->state == H_HELD)
        hold_send(h, false);
}

static void on_retry(uv_timer_t *t)
{
    fota_mm_t *mm = t->data;
    if (mm->stopping) { /* the bound on the give-backs' replies ran out */
        mm_close_handles(mm);
        return;
    }
    for (size_t i = 0; i < mm->n_holds; i++) {
        mm_hold_t *h = mm->holds[i];
        if (!h->retry)
            continue;
        h->retry = false;
        if (h->want)
            hold_step(h);
    }
}

static mm_hold_t *hold_find(const fota_mm_t *mm, const char *uid)
{
    for (size_t i = 0; i < mm->n_holds; i++)
        if (strcmp(mm->holds[i]->uid, uid) == 0)
            return mm->holds[i];
    return NULL;
}

static mm_hold_t *hold_get(fota_mm_t *mm, const char *uid)
{
    mm_hold_t *h = hold_find(mm, uid);
    if (h)
        return h;
    if (strlen(uid) >= sizeof h->uid)
        return NULL;
    mm_hold_t **v = realloc(mm->holds, (mm->n_holds + 1) * sizeof *v);
    if (!v)
        return NULL;
    mm->holds = v;
    if (!(h = calloc(1, sizeof *h)))
        return NULL;
    h->mm = mm;
    memcpy(h->uid, uid, strlen(uid) + 1);
    mm->holds[mm->n_holds++] = h;
    return h;
}

/* ---- API ----------------------------------------------------------------------- */

fota_mm_t *fota_mm_new(uv_loop_t *loop, fota_mm_log_fn log, void *log_ctx)
{
    fota_mm_t *mm = calloc(1, sizeof *mm);
    if (!mm)
        return NULL;
    mm->loop = loop;
    mm->log = log;
    mm->log_ctx = log_ctx;
    /* Connecting is local and does not wait for the bus's answer: the Hello and the
     * authentication go on asynchronously, on the loop, like every call. */
    int r = sd_bus_open_system(&mm->bus);
    if (r < 0) {
        mm->bus = NULL;
        mm->dead = true;
        mm_tell(mm, TOLD_NO_BUS, "no system D-Bus to ask it on; modules are upgraded as they "
                                 "come",
                "D-Bus", strerror(-r));
        return mm;
    }
    int fd = sd_bus_get_fd(mm->bus);
    if (fd < 0 || uv_poll_init(loop, &mm->poll, fd) != 0) {
        mm->dead = true;
        mm_tell(mm, TOLD_NO_BUS, "the system D-Bus cannot be watched; modules are upgraded "
                                 "without asking", "D-Bus", NULL);
        return mm;
    }
    uv_timer_init(loop, &mm->timer);
    uv_timer_init(loop, &mm->retry);
    mm->poll.data = mm->timer.data = mm->retry.data = mm;
    mm->handles_open = true;
    mm_process(mm);
    return mm;
}

void fota_mm_hold(fota_mm_t *mm, const char *uid, const char *name, fota_mm_answer_fn answer,
                  void *ctx)
{
    if (!mm || !uid || !uid[0] || mm->stopping)
        return;
    mm_hold_t *h = hold_get(mm, uid);
    if (!h || h->want)
        return;
    snprintf(h->name, sizeof h->name, "%s", name ? name : uid);
    h->want = true;
    h->answered = mm->dead;
    h->refused = h->retry = false;
    h->tries = h->total = 0;
    h->last_error = SIZE_MAX;
    h->answer = answer;
    h->ctx = ctx;
    hold_step(h);
}

bool fota_mm_answered(const fota_mm_t *mm, const char *uid)
{
    if (!mm || mm->dead || mm->stopping || !uid || !uid[0])
        return true;
    const mm_hold_t *h = hold_find(mm, uid);
    return !h || !h->want || h->answered;
}

void fota_mm_release(fota_mm_t *mm, const char *uid)
{
    if (!mm || !uid || !uid[0])
        return;
    mm_hold_t *h = hold_find(mm, uid);
    if (!h || !h->want)
        return;
    h->want = false;
    h->answer = NULL;
    h->retry = false;
    hold_step(h);
}

void fota_mm_stop(fota_mm_t *mm)
{
    if (!mm || mm->stopping)
        return;
    mm->stopping = true;
    for (size_t i = 0; i < mm->n_holds; i++) {
        mm_hold_t *h = mm->holds[i];
        h->answer = NULL; /* its slot is about to be freed */
        h->want = h->retry = false;
        hold_step(h);
    }
    if (mm->handles_open && !mm->dead && mm_releasing(mm) > 0)
        uv_timer_start(&mm->retry, on_retry, STOP_WAIT_MS, 0);
    mm_stop_check(mm);
}

void fota_mm_free(fota_mm_t *mm)
{
    if (!mm)
        return;
    for (size_t i = 0; i < mm->n_holds; i++) {
        sd_bus_slot_unref(mm->holds[i]->call);
        free(mm->holds[i]);
    }
    free(mm->holds);
    /* The give-backs were answered in fota_mm_stop (or the bound ran out): closing
     * the connection also ends, in ModemManager, any inhibition left. */
    sd_bus_close_unref(mm->bus);
    free(mm);
}

bool fota_mm_tty_uid(const char *tty, char *out, size_t len)
{
    out[0] = '\0';
    const char *base = strrchr(tty, '/');
    base = base ? base + 1 : tty;
    char link[PATH_MAX], dir[PATH_MAX];
    if (!*base || snprintf(link, sizeof link, "/sys/class/tty/%s/device", base) >= (int)sizeof link)
        return false;
    if (!realpath(link, dir))
        return false;
    /* tty -> usb-serial port or interface -> USB device: a few levels at most. */
    for (int depth = 0; depth < 6; depth++) {
        char f[PATH_MAX + 16];
        snprintf(f, sizeof f, "%s/idVendor", dir);
        if (access(f, F_OK) == 0) {
            if (strlen(dir) >= len)
                return false;
            memcpy(out, dir, strlen(dir) + 1);
            return true;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return false;
        *slash = '\0';
    }
    return false;
}
