/* --control FIFO: an instructor (or a test) takes modules off the line and puts
 * them back while it runs, one command per line written to the FIFO:
 *   unplug N    the module's links vanish and its ptys close, as a USB cable
 *               pulled (an update in progress is lost, its files stay)
 *   plug N      it comes back: new ptys, same links, a normal boot
 * N is the module's number (1 = the first of the scenario or of --count) or its
 * slot. The FIFO is opened read-write so that a writer closing it is no EOF. */
#include "fota_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *control_unplug(sim_module_t *m)
{
    if (m->unplugged)
        return "is unplugged already";
    m->unplugged = 1;
    uv_timer_stop(&m->t_step);
    sim_fota_free_pkg(m); /* a download in RAM is lost; files in UFS stay */
    m->fs = FS_IDLE;      /* a fetch still running is dropped when it ends */
    m->method = SIM_M_NONE;
    m->resumed = m->restoring = m->busy_boot = 0;
    sim_port_down(m, 1);
    return NULL;
}

static const char *control_plug(sim_module_t *m)
{
    if (!m->unplugged)
        return "is plugged in already";
    m->unplugged = 0;
    m->gone = 0;        /* a module that vanished (fault) is back when plugged in again */
    m->power_cycled = 1; /* hang: until_power_cycle answers from now on */
    m->boot_normal = 1; /* its own firmware: boot lines, then AT */
    sim_fota_go(m, FS_BOOT, sim_ms(m, 0.2));
    return NULL;
}

typedef struct {
    const char *word;
    const char *(*run)(sim_module_t *m);
    const char *done;
} control_cmd_t;

static const control_cmd_t commands[] = {
    {"unplug", control_unplug, "unplugged"},
    {"plug", control_plug, "plugged in"},
};

static sim_module_t *find_module(sim_t *s, const char *ref)
{
    char *end;
    long n = strtol(ref, &end, 10);
    if (*ref && !*end)
        return n >= 1 && n <= s->n_mods ? s->mods[n - 1] : NULL;
    for (int i = 0; i < s->n_mods; i++)
        if (strcmp(s->mods[i]->slot, ref) == 0)
            return s->mods[i];
    return NULL;
}

static void control_run(sim_t *s, char *line)
{
    char word[32], ref[256];
    if (sscanf(line, "%31s %255s", word, ref) != 2) {
        if (sscanf(line, "%31s", word) == 1) /* blank lines are ignored */
            fprintf(stderr, "fota-sim: control: '%s': want 'plug N' or 'unplug N'\n", line);
        return;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(word, commands[k].word) != 0)
            continue;
        sim_module_t *m = find_module(s, ref);
        if (!m) {
            fprintf(stderr, "fota-sim: control: no module '%s' (1..%d or a slot)\n", ref,
                    s->n_mods);
            return;
        }
        const char *why = commands[k].run(m);
        if (why)
            fprintf(stderr, "fota-sim: control: module %s (%s) %s\n", ref, m->slot, why);
        else
            printf("fota-sim: module %s (%s) %s\n", ref, m->slot, commands[k].done);
        return;
    }
    fprintf(stderr, "fota-sim: control: unknown command '%s' (plug N, unplug N)\n", word);
}

static void control_cb(uv_poll_t *h, int status, int events)
{
    sim_t *s = h->data;
    (void)events;
    if (status < 0)
        return;
    char buf[512];
    ssize_t n;
    while ((n = read(s->control_fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (s->control_len < sizeof s->control_line - 1)
                    s->control_line[s->control_len++] = buf[i]; /* longer: cut, then refused */
                continue;
            }
            s->control_line[s->control_len] = '\0';
            s->control_len = 0;
            control_run(s, s->control_line);
        }
}

int sim_control_open(sim_t *s, const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISFIFO(st.st_mode)) {
        fprintf(stderr, "fota-sim: --control %s exists and is not a FIFO\n", path);
        return -1;
    }
    if (mkfifo(path, 0600) != 0 && errno != EEXIST) {
        fprintf(stderr, "fota-sim: --control %s: %s\n", path, strerror(errno));
        return -1;
    }
    s->control_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (s->control_fd < 0) {
        fprintf(stderr, "fota-sim: --control %s: %s\n", path, strerror(errno));
        return -1;
    }
    snprintf(s->control_path, sizeof s->control_path, "%s", path);
    uv_poll_init(s->loop, &s->control_poll, s->control_fd);
    s->control_poll.data = s;
    uv_poll_start(&s->control_poll, UV_READABLE, control_cb);
    return 0;
}

static void control_closed(uv_handle_t *h)
{
    sim_t *s = h->data;
    close(s->control_fd);
    s->control_fd = -1;
}

void sim_control_close(sim_t *s)
{
    if (!s->control_path[0])
        return;
    uv_poll_stop(&s->control_poll);
    uv_close((uv_handle_t *)&s->control_poll, control_closed);
    unlink(s->control_path);
    s->control_path[0] = '\0';
}
