/* The hub's port power switches; see hub_power.h. Polled every 50 ms: a station
 * writes a port's file once per switch, and a power cycle lasts seconds. */
#include "hub_power.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *file;     /* the `disable` file in the testbed */
    char *name;     /* "1-1-port2" */
    char *device;   /* syspath of the USB device on that port ("…/1-1/1-1.2") */
    char state;     /* the last byte seen: '0' powered, '1' off */
} hub_port_t;

struct hub_power {
    hub_bed_t *bed;
    char *fifo;
    FILE *log;
    GPtrArray *ports;
    guint timer;
};

static void port_free(gpointer p)
{
    hub_port_t *q = p;
    g_free(q->file);
    g_free(q->name);
    g_free(q->device);
    g_free(q);
}

static char read_state(const char *file)
{
    char c = '?';
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &c, 1) != 1)
            c = '?';
        close(fd);
    }
    return c;
}

static void tell_sim(hub_power_t *p, const char *what, const char *slot)
{
    int fd = open(p->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    char *line = g_strdup_printf("%s %s\n", what, slot);
    if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
        fprintf(stderr, "usb-hub: cannot tell fota-sim '%s %s': %s\n", what, slot,
                g_strerror(errno));
    if (fd >= 0)
        close(fd);
    g_free(line);
}

static gboolean power_tick(gpointer data)
{
    hub_power_t *p = data;
    for (guint i = 0; i < p->ports->len; i++) {
        hub_port_t *q = g_ptr_array_index(p->ports, i);
        char c = read_state(q->file);
        if (c == q->state || (c != '0' && c != '1'))
            continue;
        q->state = c;
        const char *slot = hub_bed_sim_link(p->bed, q->device);
        fprintf(p->log, "%.3f\tP\t%s\t%s\tpower\t1\t%c\n", hub_bed_seconds(p->bed),
                slot ? slot : "-", q->name, c);
        fflush(p->log);
        if (p->fifo && slot)
            tell_sim(p, c == '1' ? "unplug" : "plug", slot);
    }
    return G_SOURCE_CONTINUE;
}

hub_power_t *hub_power_new(hub_bed_t *bed, const char *record_text, const char *control_fifo,
                           FILE *log)
{
    hub_power_t *p = g_new0(hub_power_t, 1);
    p->bed = bed;
    p->fifo = g_strdup(control_fifo);
    p->log = log;
    p->ports = g_ptr_array_new_with_free_func(port_free);
    GRegex *re = g_regex_new("^P: (.*)/([^/:]+):1\\.0/(\\2-port([0-9]+))$", G_REGEX_MULTILINE, 0,
                             NULL);
    GMatchInfo *m = NULL;
    g_regex_match(re, record_text, 0, &m);
    while (g_match_info_matches(m)) {
        char *up = g_match_info_fetch(m, 1), *hub = g_match_info_fetch(m, 2);
        char *name = g_match_info_fetch(m, 3), *num = g_match_info_fetch(m, 4);
        hub_port_t *q = g_new0(hub_port_t, 1);
        q->name = name;
        q->device = g_strdup_printf("%s/%s.%s", up, hub, num); /* up: the hub's own path */
        q->file = g_strdup_printf("%s/sys%s/%s:1.0/%s/disable", hub_bed_root(bed), up, hub, name);
        q->state = read_state(q->file);
        g_ptr_array_add(p->ports, q);
        g_free(up);
        g_free(hub);
        g_free(num);
        g_match_info_next(m, NULL);
    }
    g_match_info_free(m);
    g_regex_unref(re);
    p->timer = g_timeout_add(50, power_tick, p);
    return p;
}

void hub_power_free(hub_power_t *p)
{
    if (!p)
        return;
    g_source_remove(p->timer);
    g_ptr_array_unref(p->ports);
    g_free(p->fifo);
    g_free(p);
}
