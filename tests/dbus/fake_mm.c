/* A stand-in for ModemManager on a private bus, for the station's InhibitDevice tests.
 *
 * Owns org.freedesktop.ModemManager1 on the bus $DBUS_SYSTEM_BUS_ADDRESS names and
 * answers InhibitDevice(s uid, b inhibit) at /org/freedesktop/ModemManager1 as
 * ModemManager does: an inhibition belongs to the caller, a second one of the same
 * uid is refused (InProgress), giving back a uid the caller does not hold is refused
 * (NotFound), and a caller that leaves the bus loses its inhibitions. Every call is
 * one line of --log FILE (flushed at once):
 *     <epoch seconds>\t<sender>\t<uid>\t<1|0>\t<ok | the D-Bus error name>
 * and a caller's departure `<time>\t<sender>\t<uid>\t0\tvanished`.
 * --refuse UID (repeatable) answers that uid's inhibit with --refuse-error (default
 * org.freedesktop.ModemManager1.Error.Core.Unauthorized, what polkit's "no" gives);
 * --refuse UID=NAME with the error NAME.
 * --delay-ms N answers every call N ms after it came (a slow polkit), in order.
 * --export-after-ms N: like ModemManager, which inhibits only a modem it has
 * exported, answers a uid's inhibit with WrongState until N ms after its first.
 * --ready FILE is created once the name is owned. Ends on SIGTERM or SIGINT. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define MAX_ITEMS 64

static FILE *log_f;
static const char *refuse[MAX_ITEMS];
static size_t n_refuse;
static const char *refuse_error = "org.freedesktop.ModemManager1.Error.Core.Unauthorized";
static struct {
    char *uid, *owner;
} held[MAX_ITEMS];
static volatile sig_atomic_t quit;
static long delay_ms, export_after_ms;
static struct {
    char *uid;
    long long first_us;
} seen[MAX_ITEMS];
/* Calls whose answer waits for --delay-ms: the call, its error (NULL: ok), when due. */
static struct {
    sd_bus_message *call;
    const char *error;
    long long due_us;
} pending[MAX_ITEMS];
static size_t n_pending;

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void answer(sd_bus_message *m, const char *err)
{
    if (err)
        sd_bus_reply_method_errorf(m, err, "fake ModemManager says no");
    else
        sd_bus_reply_method_return(m, "");
}

/* Answers the delayed calls that are due; returns the µs until the next one (or a
 * default wait when none is pending). */
static unsigned long long answer_due(void)
{
    long long now = now_us();
    size_t kept = 0;
    unsigned long long next = 200000;
    for (size_t i = 0; i < n_pending; i++) {
        if (pending[i].due_us <= now) {
            answer(pending[i].call, pending[i].error);
            sd_bus_message_unref(pending[i].call);
            continue;
        }
        if ((unsigned long long)(pending[i].due_us - now) < next)
            next = (unsigned long long)(pending[i].due_us - now);
        pending[kept++] = pending[i];
    }
    n_pending = kept;
    return next;
}

static void record(const char *sender, const char *uid, int on, const char *outcome)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(log_f, "%lld.%06ld\t%s\t%s\t%d\t%s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000,
            sender, uid, on, outcome);
    fflush(log_f);
}

static int held_find(const char *uid)
{
    for (int i = 0; i < MAX_ITEMS; i++)
        if (held[i].uid && strcmp(held[i].uid, uid) == 0)
            return i;
    return -1;
}

/* --export-after-ms: is this uid's modem "exported" yet? */
static bool exported(const char *uid)
{
    if (export_after_ms <= 0)
        return true;
    int i = 0;
    while (i < MAX_ITEMS && seen[i].uid && strcmp(seen[i].uid, uid) != 0)
        i++;
    if (i == MAX_ITEMS)
        return true;
    if (!seen[i].uid) {
        seen[i].uid = strdup(uid);
        seen[i].first_us = now_us();
    }
    return now_us() - seen[i].first_us >= export_after_ms * 1000;
}

static const char *inhibit(const char *sender, const char *uid)
{
    size_t n = strlen(uid);
    for (size_t i = 0; i < n_refuse; i++) {
        if (strncmp(refuse[i], uid, n) != 0)
            continue;
        if (refuse[i][n] == '\0')
            return refuse_error;
        if (refuse[i][n] == '=')
            return refuse[i] + n + 1;
    }
    if (!exported(uid))
        return "org.freedesktop.ModemManager1.Error.Core.WrongState";
    if (held_find(uid) >= 0)
        return "org.freedesktop.ModemManager1.Error.Core.InProgress";
    for (int i = 0; i < MAX_ITEMS; i++)
        if (!held[i].uid) {
            held[i].uid = strdup(uid);
            held[i].owner = strdup(sender);
            return NULL;
        }
    return "org.freedesktop.ModemManager1.Error.Core.Failed";
}

static void held_drop(int i)
{
    free(held[i].uid);
    free(held[i].owner);
    held[i].uid = held[i].owner = NULL;
}

static const char *uninhibit(const char *sender, const char *uid)
{
    int i = held_find(uid);
    if (i < 0 || strcmp(held[i].owner, sender) != 0)
        return "org.freedesktop.ModemManager1.Error.Core.NotFound";
    held_drop(i);
    return NULL;
}

static int method_inhibit(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    (void)userdata;
    const char *uid = NULL;
    int on = 0;
    int r = sd_bus_message_read(m, "sb", &uid, &on);
    if (r < 0)
        return r;
    const char *sender = sd_bus_message_get_sender(m);
    sender = sender ? sender : "?";
    const char *err = on ? inhibit(sender, uid) : uninhibit(sender, uid);
    record(sender, uid, on, err ? err : "ok");
    if (delay_ms > 0 && n_pending < MAX_ITEMS) {
        pending[n_pending].call = sd_bus_message_ref(m);
        pending[n_pending].error = err;
        pending[n_pending++].due_us = now_us() + delay_ms * 1000;
        return 1; /* answered later (answer_due) */
    }
    if (err)
        return sd_bus_error_setf(ret_error, err, "fake ModemManager says no to '%s'", uid);
    return sd_bus_reply_method_return(m, "");
}

/* NameOwnerChanged(name, old, new) with new empty: that caller left the bus. */
static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    (void)userdata;
    (void)ret_error;
    const char *name, *old_owner, *new_owner;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || new_owner[0])
        return 0;
    for (int i = 0; i < MAX_ITEMS; i++)
        if (held[i].uid && strcmp(held[i].owner, name) == 0) {
            record(name, held[i].uid, 0, "vanished");
            held_drop(i);
        }
    return 0;
}

static const sd_bus_vtable mm_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("InhibitDevice", "sb", "", method_inhibit, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

static void on_signal(int sig)
{
    (void)sig;
    quit = 1;
}

static int parse_args(int argc, char **argv, const char **log_path, const char **ready)
{
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(a, "--log") == 0)
            *log_path = v;
        else if (strcmp(a, "--ready") == 0)
            *ready = v;
        else if (strcmp(a, "--refuse") == 0 && n_refuse < MAX_ITEMS)
            refuse[n_refuse++] = v;
        else if (strcmp(a, "--refuse-error") == 0)
            refuse_error = v;
        else if (strcmp(a, "--delay-ms") == 0)
            delay_ms = atol(v);
        else if (strcmp(a, "--export-after-ms") == 0)
            export_after_ms = atol(v);
        else
            return -1;
    }
    return *log_path ? 0 : -1;
}

static int serve(sd_bus *bus)
{
    int r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/ModemManager1",
                                     "org.freedesktop.ModemManager1", mm_vtable, NULL);
    if (r >= 0)
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_owner_changed, NULL);
    if (r >= 0)
        r = sd_bus_request_name(bus, "org.freedesktop.ModemManager1", 0);
    return r;
}

int main(int argc, char **argv)
{
    const char *log_path = NULL, *ready = NULL;
    if (parse_args(argc, argv, &log_path, &ready) < 0) {
        fprintf(stderr, "usage: fake_mm --log FILE [--ready FILE] [--refuse UID]... "
                        "[--refuse-error NAME] [--delay-ms N] [--export-after-ms N]\n");
        return 2;
    }
    if (!(log_f = fopen(log_path, "a"))) {
        perror(log_path);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sd_bus *bus = NULL;
    int r = sd_bus_open_system(&bus);
    if (r >= 0)
        r = serve(bus);
    if (r < 0) {
        fprintf(stderr, "fake_mm: %s\n", strerror(-r));
        return 1;
    }
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }
    while (!quit) {
        r = sd_bus_process(bus, NULL);
        if (r < 0)
            break;
        unsigned long long wait = answer_due();
        if (r == 0 && (r = sd_bus_wait(bus, wait)) < 0 && r != -EINTR)
            break;
    }
    for (int i = 0; i < MAX_ITEMS; i++) {
        if (held[i].uid)
            held_drop(i);
        free(seen[i].uid);
    }
    sd_bus_flush_close_unref(bus);
    fclose(log_f);
    return 0;
}
