/* The emulated hub; see hub_bed.h. */
#include "hub_bed.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hub_pipe.h"

#define BYPATH "/dev/serial/by-path/"
#define HUB_DRAIN_MAX_US (3 * G_USEC_PER_SEC)

typedef enum { PEER_SILENT, PEER_AT, PEER_SIM } peer_kind_t;
static const char *const peer_names[] = {"silent", "at", "sim"};

typedef struct hub_dev hub_dev_t;

typedef struct {
    hub_bed_t *bed;
    hub_dev_t *dev;
    char *name;          /* ttyUSB2 */
    char *link;          /* by-path name */
    char *pts;           /* the pty behind the emulated node (/dev/pts/N) */
    char *iface;         /* sysfs path of its USB interface */
    peer_kind_t peer;
    int master;          /* umockdev's end of the emulated tty's pty */
    int hold;            /* our own slave descriptor: see tty_attach() */
    int sim;             /* the fota-sim pty, PEER_SIM only */
    hub_pipe_t *up, *down;
    GString *line;       /* PEER_AT: command line being received */
} hub_tty_t;

typedef enum { DEV_UP, DEV_DRAIN, DEV_AWAY } dev_state_t;

struct hub_dev {
    hub_bed_t *bed;
    char *syspath;
    GString *text;       /* its blocks of the record file, for re-enumeration */
    GPtrArray *ttys;
    char *sim_link;      /* fota-sim link whose loss is this device's reboot */
    char *sim_target;    /* … and where it pointed */
    dev_state_t state;
    gint64 since;
    guint timer;
    bool sim_seen_gone;  /* the fota-sim link was missing since the device left */
};

struct hub_bed {
    UMockdevTestbed *tb;
    char *root, *sim_dir;
    char **answer;
    GPtrArray *devs;
    FILE *log;
    gint64 t0;
    int next_tty, next_devnum;
};

static void bed_log(hub_bed_t *b, char kind, const hub_tty_t *t, size_t n, const char *what)
{
    double s = (double)(g_get_monotonic_time() - b->t0) / G_USEC_PER_SEC;
    fprintf(b->log, "%.3f\t%c\t%s\t%s\t%s\t%zu\t%s\n", s, kind, t ? t->link : "-",
            t ? t->name : "-", t ? peer_names[t->peer] : "-", n, what);
    fflush(b->log);
}

/* C-style escapes, every byte kept (NULs too): \r \n \\ \xNN. */
static char *bed_escape(const unsigned char *d, size_t n)
{
    GString *s = g_string_sized_new(n + 8);
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\r')
            g_string_append(s, "\\r");
        else if (d[i] == '\n')
            g_string_append(s, "\\n");
        else if (d[i] == '\\')
            g_string_append(s, "\\\\");
        else if (d[i] >= 0x20 && d[i] < 0x7f)
            g_string_append_c(s, (char)d[i]);
        else
            g_string_append_printf(s, "\\x%02x", d[i]);
    }
    return g_string_free(s, FALSE);
}

/* ---- peers ------------------------------------------------------------------ */

static void tty_host_wrote(void *ctx, const unsigned char *d, size_t n)
{
    hub_tty_t *t = ctx;
    char *esc = bed_escape(d, n);
    bed_log(t->bed, 'W', t, n, esc);
    g_free(esc);
    if (t->peer != PEER_AT)
        return;
    for (size_t i = 0; i < n; i++) {
        if (d[i] != '\r') {
            g_string_append_c(t->line, (char)d[i]);
            continue;
        }
        if (t->line->len > 0) {
            static const char ok[] = "\r\nOK\r\n";
            if (write(t->master, ok, sizeof ok - 1) < 0)
                bed_log(t->bed, 'E', t, 0, "reply lost");
        }
        g_string_truncate(t->line, 0);
    }
}

static void dev_sim_gone(void *ctx);
static char *block_value(const char *block, const char *key);

static char *sim_link_for(hub_bed_t *b, const char *link)
{
    if (!b->sim_dir)
        return NULL;
    char *names[2] = {g_strdup(link), g_strdup(link)};
    char *suffix = g_strrstr(names[1], "-port0");
    if (suffix && suffix[6] == '\0')
        *suffix = '\0';
    char *found = NULL;
    for (int i = 0; i < 2 && !found; i++) {
        char *p = g_build_filename(b->sim_dir, names[i], NULL);
        if (g_file_test(p, G_FILE_TEST_EXISTS))
            found = g_strdup(names[i]);
        g_free(p);
    }
    g_free(names[0]);
    g_free(names[1]);
    return found;
}

static int tty_attach(hub_tty_t *t)
{
    hub_bed_t *b = t->bed;
    char *dev = g_strconcat("/dev/", t->name, NULL);
    t->master = umockdev_testbed_get_dev_fd(b->tb, dev);
    /* Hold the slave open ourselves: with no slave open the master polls HUP
     * forever, and FIONREAD on it tells whether the host has read its input. */
    char *node = g_build_filename(b->root, dev, NULL);
    g_free(t->pts);
    t->pts = g_file_read_link(node, NULL);
    t->hold = t->pts ? open(t->pts, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    char *link = g_build_filename(b->root, BYPATH, t->link, NULL);
    char *target = g_strconcat("../../", t->name, NULL);
    int rc = t->master < 0 || t->hold < 0 || symlink(target, link) != 0 ? -1 : 0;
    g_free(dev);
    g_free(node);
    g_free(link);
    g_free(target);
    if (rc < 0)
        return -1;

    hub_pipe_cbs_t up = {t, tty_host_wrote, NULL};
    char *sim = sim_link_for(b, t->link);
    const char *const *answer = (const char *const *)b->answer;
    bool at = answer && (g_strv_contains(answer, t->link) || g_strv_contains(answer, t->name));
    t->peer = sim ? PEER_SIM : at ? PEER_AT : PEER_SILENT;
    if (sim) {
        char *p = g_build_filename(b->sim_dir, sim, NULL);
        t->sim = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC);
        g_free(t->dev->sim_link);
        g_free(t->dev->sim_target);
        t->dev->sim_link = sim;
        t->dev->sim_target = g_file_read_link(p, NULL);
        g_free(p);
        if (t->sim < 0)
            return -1;
        hub_pipe_cbs_t down = {t->dev, NULL, dev_sim_gone};
        t->down = hub_pipe_new(t->sim, t->master, &down);
    }
    t->up = hub_pipe_new(t->master, t->sim, &up);
    bed_log(b, 'E', t, 0, "attach");
    return 0;
}

/* The kernel's side of an unplug: the tty's by-path link goes, an open descriptor
 * sees HUP/EIO. The master belongs to the testbed (it closes it when finalized), so
 * it is replaced by /dev/null rather than closed: that closes the pty's master all
 * the same. */
static void tty_kill(hub_tty_t *t)
{
    hub_pipe_free(t->up);
    hub_pipe_free(t->down);
    t->up = t->down = NULL;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, t->master);
        close(null);
    }
    if (t->hold >= 0)
        close(t->hold);
    if (t->sim >= 0)
        close(t->sim);
    t->hold = t->sim = -1;
    /* umockdev maps a pty back to its emulated device in dev/.ptymap and does not
     * clean that up on removal; the kernel hands the freed pty number out again. */
    if (t->pts) {
        char *map = g_strdelimit(g_strdup(t->pts), "/", '_');
        char *path = g_build_filename(t->bed->root, "dev", ".ptymap", map, NULL);
        g_unlink(path);
        g_free(path);
        g_free(map);
    }
    bed_log(t->bed, 'E', t, 0, "gone");
}

static void tty_unlink(hub_tty_t *t)
{
    char *link = g_build_filename(t->bed->root, BYPATH, t->link, NULL);
    g_unlink(link);
    g_free(link);
}

static void tty_free(gpointer p)
{
    hub_tty_t *t = p;
    hub_pipe_free(t->up);
    hub_pipe_free(t->down);
    if (t->hold >= 0)
        close(t->hold);
    if (t->sim >= 0)
        close(t->sim);
    if (t->line)
        g_string_free(t->line, TRUE);
    g_free(t->name);
    g_free(t->link);
    g_free(t->iface);
    g_free(t->pts);
    g_free(t);
}

/* ---- re-enumeration ---------------------------------------------------------- */

typedef struct {
    hub_bed_t *bed;
    GHashTable *ttys; /* old number -> new number */
    int devnum;
} renumber_t;

static gboolean renumber_cb(const GMatchInfo *m, GString *out, gpointer data)
{
    renumber_t *r = data;
    char *what = g_match_info_fetch(m, 1), *num = g_match_info_fetch(m, 2);
    if (strcmp(what, "devnum=") == 0) {
        g_string_append_printf(out, "devnum=%d", r->devnum);
    } else if (strcmp(what, "usb/001/") == 0) {
        g_string_append_printf(out, "usb/001/%03d", r->devnum);
    } else {
        gpointer key = GINT_TO_POINTER(atoi(num) + 1);
        if (!g_hash_table_contains(r->ttys, key))
            g_hash_table_insert(r->ttys, key, GINT_TO_POINTER(r->bed->next_tty++ + 1));
        g_string_append_printf(out, "%s%d", what, GPOINTER_TO_INT(g_hash_table_lookup(r->ttys, key)) - 1);
    }
    g_free(what);
    g_free(num);
    return FALSE;
}

/* The device's blocks again, with the next free ttyUSB numbers (tty name, DEVNAME,
 * minor) and the next device number, as a replug gets from the kernel. */
static void dev_renumber(hub_dev_t *d)
{
    renumber_t r = {d->bed, g_hash_table_new(NULL, NULL), d->bed->next_devnum++};
    GRegex *re = g_regex_new("(ttyUSB|188:|devnum=|usb/001/)([0-9]+)", 0, 0, NULL);
    char *text = g_regex_replace_eval(re, d->text->str, -1, 0, 0, renumber_cb, &r, NULL);
    g_string_assign(d->text, text);
    for (guint i = 0; i < d->ttys->len; i++) {
        hub_tty_t *t = g_ptr_array_index(d->ttys, i);
        int old = atoi(t->name + strlen("ttyUSB"));
        int now = GPOINTER_TO_INT(g_hash_table_lookup(r.ttys, GINT_TO_POINTER(old + 1))) - 1;
        g_free(t->name);
        t->name = g_strdup_printf("ttyUSB%d", now);
    }
    g_free(text);
    g_regex_unref(re);
    g_hash_table_unref(r.ttys);
}

static void dev_replug(hub_dev_t *d)
{
    hub_bed_t *b = d->bed;
    dev_renumber(d);
    GError *err = NULL;
    if (!umockdev_testbed_add_from_string(b->tb, d->text->str, &err)) {
        fprintf(stderr, "usb-hub: re-adding %s: %s\n", d->syspath, err->message);
        g_error_free(err);
        return;
    }
    for (guint i = 0; i < d->ttys->len; i++) {
        hub_tty_t *t = g_ptr_array_index(d->ttys, i);
        if (tty_attach(t) != 0)
            bed_log(b, 'E', t, 0, "attach failed");
    }
    d->state = DEV_UP;
}

/* Back: the link leads to a new pty, or to one of the same number (the kernel
 * reuses a closed pty's number) after it was seen missing (an unplug and plug). */
static bool sim_link_back(hub_dev_t *d)
{
    char *p = g_build_filename(d->bed->sim_dir, d->sim_link, NULL);
    char *target = g_file_read_link(p, NULL);
    if (!target)
        d->sim_seen_gone = true;
    bool back = target && (g_strcmp0(target, d->sim_target) != 0 || d->sim_seen_gone) &&
                access(p, R_OK | W_OK) == 0;
    g_free(target);
    g_free(p);
    return back;
}

static gint longer_first(gconstpointer a, gconstpointer b)
{
    return (int)strlen(*(char *const *)b) - (int)strlen(*(char *const *)a);
}

/* Removes the device and everything below it, children first: umockdev 0.17.16's
 * remove_device() removes only the device's own links and node (a child's /dev
 * node, class and bus links would stay, and re-adding the device then aborts on an
 * existing bus link). No uevents: umockdev_testbed_uevent() from a process outside
 * the preload fails ("uevent_sender_send: No such device": it looks the device up
 * in the real /sys), and the station watches the by-path directory, not uevents. */
static void dev_remove(hub_dev_t *d)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    char **blocks = g_regex_split_simple("\n\n+", d->text->str, 0, 0);
    for (char **bl = blocks; *bl; bl++) {
        char *p = block_value(*bl, "P: ");
        if (p)
            g_ptr_array_add(paths, g_strconcat("/sys", p, NULL)); /* umockdev's syspath */
        g_free(p);
    }
    g_strfreev(blocks);
    g_ptr_array_sort(paths, longer_first);
    for (guint i = 0; i < paths->len; i++) {
        umockdev_testbed_remove_device(d->bed->tb, g_ptr_array_index(paths, i));
    }
    g_ptr_array_unref(paths);
}

static gboolean dev_tick(gpointer data)
{
    hub_dev_t *d = data;
    gint64 now = g_get_monotonic_time();
    if (d->state == DEV_DRAIN) { /* note a link that goes while the host drains */
        char *p = g_build_filename(d->bed->sim_dir, d->sim_link, NULL);
        if (!g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            d->sim_seen_gone = true;
        g_free(p);
    }
    if (d->state == DEV_DRAIN) {
        /* A pty drops what its reader has not taken when the master closes; a USB
         * host would already have it. Wait (bounded) until the host has read. */
        int queued = 0;
        for (guint i = 0; i < d->ttys->len; i++) {
            hub_tty_t *t = g_ptr_array_index(d->ttys, i);
            int q = 0;
            if (t->hold >= 0 && ioctl(t->hold, FIONREAD, &q) == 0)
                queued += q;
        }
        if (queued > 0 && now - d->since < HUB_DRAIN_MAX_US)
            return G_SOURCE_CONTINUE;
        for (guint i = 0; i < d->ttys->len; i++)
            tty_kill(g_ptr_array_index(d->ttys, i));
        dev_remove(d);
        d->state = DEV_AWAY;
        return G_SOURCE_CONTINUE;
    }
    if (d->state == DEV_AWAY && sim_link_back(d)) {
        dev_replug(d);
        d->timer = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* The fota-sim module behind this device closed its port: it is rebooting, so the
 * whole USB device leaves the bus (every interface), and comes back later. */
static void dev_sim_gone(void *ctx)
{
    hub_dev_t *d = ctx;
    if (d->state != DEV_UP)
        return;
    for (guint i = 0; i < d->ttys->len; i++) {
        hub_tty_t *t = g_ptr_array_index(d->ttys, i);
        tty_unlink(t);
        if (t->sim >= 0)
            bed_log(d->bed, 'E', t, 0, "sim link lost");
    }
    d->state = DEV_DRAIN;
    d->sim_seen_gone = false;
    d->since = g_get_monotonic_time();
    d->timer = g_timeout_add(20, dev_tick, d);
}

/* ---- the record file --------------------------------------------------------- */

/* The value of the first line of a block starting with `key` ("P: ", "E: DEVLINKS="). */
static char *block_value(const char *block, const char *key)
{
    char **lines = g_strsplit(block, "\n", -1);
    char *v = NULL;
    for (char **l = lines; *l && !v; l++)
        if (g_str_has_prefix(*l, key))
            v = g_strdup(*l + strlen(key));
    g_strfreev(lines);
    return v;
}

static char *bypath_name(const char *devlinks)
{
    char **links = g_strsplit(devlinks ? devlinks : "", " ", -1);
    char *name = NULL;
    for (char **l = links; *l && !name; l++)
        if (g_str_has_prefix(*l, BYPATH))
            name = g_strdup(*l + strlen(BYPATH));
    g_strfreev(links);
    return name;
}

/* The USB device (longest usb_device path) a block belongs to, or NULL. */
static hub_dev_t *block_owner(hub_bed_t *b, const char *path)
{
    hub_dev_t *best = NULL;
    for (guint i = 0; i < b->devs->len; i++) {
        hub_dev_t *d = g_ptr_array_index(b->devs, i);
        size_t n = strlen(d->syspath);
        if (strncmp(path, d->syspath, n) == 0 && (path[n] == '\0' || path[n] == '/') &&
            (!best || n > strlen(best->syspath)))
            best = d;
    }
    return best;
}

static void bed_parse(hub_bed_t *b, const char *text)
{
    char **blocks = g_regex_split_simple("\n\n+", text, 0, 0);
    for (char **bl = blocks; *bl; bl++) /* first the USB devices … */
        if (strstr(*bl, "\nE: DEVTYPE=usb_device")) {
            hub_dev_t *d = g_new0(hub_dev_t, 1);
            d->bed = b;
            d->syspath = block_value(*bl, "P: ");
            d->text = g_string_new(NULL);
            d->ttys = g_ptr_array_new_with_free_func(tty_free);
            g_ptr_array_add(b->devs, d);
        }
    for (char **bl = blocks; *bl; bl++) { /* … then who owns what */
        char *path = block_value(*bl, "P: ");
        hub_dev_t *d = path ? block_owner(b, path) : NULL;
        if (d)
            g_string_append_printf(d->text, "%s\n\n", *bl);
        char *name = block_value(*bl, "N: ");
        char *devlinks = block_value(*bl, "E: DEVLINKS=");
        if (d && name && g_str_has_prefix(name, "ttyUSB") && strstr(*bl, "\nE: SUBSYSTEM=tty")) {
            hub_tty_t *t = g_new0(hub_tty_t, 1);
            t->bed = b;
            t->dev = d;
            t->name = g_strdup(name);
            t->link = bypath_name(devlinks);
            t->iface = g_path_get_dirname(path); /* …/1-1.2:1.2/ttyUSB2/tty */
            char *up = g_path_get_dirname(t->iface);
            g_free(t->iface);
            t->iface = g_path_get_dirname(up);
            g_free(up);
            t->hold = t->sim = t->master = -1;
            t->line = g_string_new(NULL);
            g_ptr_array_add(d->ttys, t);
            int n = atoi(name + strlen("ttyUSB"));
            if (n >= b->next_tty)
                b->next_tty = n + 1;
        }
        char *devnum = block_value(*bl, "A: devnum=");
        if (devnum && atoi(devnum) >= b->next_devnum)
            b->next_devnum = atoi(devnum) + 1;
        g_free(devnum);
        g_free(path);
        g_free(name);
        g_free(devlinks);
    }
    g_strfreev(blocks);
}

hub_bed_t *hub_bed_new(const char *record_file, const char *sim_dir, char **answer, FILE *log,
                       GError **err)
{
    char *text = NULL;
    if (!g_file_get_contents(record_file, &text, NULL, err))
        return NULL;
    hub_bed_t *b = g_new0(hub_bed_t, 1);
    b->tb = umockdev_testbed_new(); /* also sets UMOCKDEV_DIR in our environment */
    b->root = umockdev_testbed_get_root_dir(b->tb);
    b->sim_dir = g_strdup(sim_dir);
    b->answer = g_strdupv(answer);
    b->log = log;
    b->t0 = g_get_monotonic_time();
    b->devs = g_ptr_array_new();
    bed_parse(b, text);
    bool ok = umockdev_testbed_add_from_string(b->tb, text, err);
    g_free(text);
    char *dir = g_build_filename(b->root, BYPATH, NULL);
    g_mkdir_with_parents(dir, 0755); /* udev's job; none runs in a testbed */
    g_free(dir);
    for (guint i = 0; ok && i < b->devs->len; i++) {
        hub_dev_t *d = g_ptr_array_index(b->devs, i);
        for (guint j = 0; ok && j < d->ttys->len; j++) {
            hub_tty_t *t = g_ptr_array_index(d->ttys, j);
            if (!t->link || tty_attach(t) != 0) {
                g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                            "%s: no by-path DEVLINKS, or its pty/sim link cannot be opened",
                            t->name);
                ok = false;
            }
        }
    }
    if (!ok) {
        hub_bed_free(b);
        return NULL;
    }
    return b;
}

const char *hub_bed_root(const hub_bed_t *b)
{
    return b->root;
}

const char *hub_bed_sim_link(const hub_bed_t *b, const char *syspath)
{
    for (guint i = 0; i < b->devs->len; i++) {
        const hub_dev_t *d = g_ptr_array_index(b->devs, i);
        if (g_strcmp0(d->syspath, syspath) == 0)
            return d->sim_link;
    }
    return NULL;
}

double hub_bed_seconds(const hub_bed_t *b)
{
    return (double)(g_get_monotonic_time() - b->t0) / G_USEC_PER_SEC;
}

void hub_bed_free(hub_bed_t *b)
{
    if (!b)
        return;
    for (guint i = 0; i < b->devs->len; i++) {
        hub_dev_t *d = g_ptr_array_index(b->devs, i);
        if (d->timer)
            g_source_remove(d->timer);
        g_ptr_array_unref(d->ttys);
        g_string_free(d->text, TRUE);
        g_free(d->syspath);
        g_free(d->sim_link);
        g_free(d->sim_target);
        g_free(d);
    }
    g_ptr_array_unref(b->devs);
    g_object_unref(b->tb); /* removes the testbed directory, closes the masters */
    g_free(b->root);
    g_free(b->sim_dir);
    g_strfreev(b->answer);
    g_free(b);
}
