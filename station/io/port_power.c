/* The hub port's `disable` file, found from one of the module's ttys:
 * <sysfs>/class/tty/<tty>/device leads into the USB interface; up from there to
 * the first folder with an idVendor is the module's USB device ("1-1.2"), its parent
 * the hub ("1-1"), whose interface folder ("1-1:1.0") holds one folder per port:
 * "1-1-port2" on today's kernels, "port2" as the ABI document writes it. The port
 * number is the last number of the device's port chain. */
#include "port_power.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fota_types.h"
#include "util.h"

static const char *sysfs_root(void)
{
    const char *r = getenv("FOTA_SYSFS_ROOT");
    return r && *r ? r : "/sys";
}

static int last_number(const char *name)
{
    const char *p = name + strlen(name);
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return *p && (p == name || p[-1] == '.' || p[-1] == '-') ? atoi(p) : -1;
}

/* In the hub's folder: its interface ("<hub>:1.0", any config) and in it the port. */
static void find_port_file(const char *hub_dir, const char *hub, int port, char *out,
                           size_t len)
{
    out[0] = '\0';
    DIR *d = opendir(hub_dir);
    if (!d)
        return;
    struct dirent *e;
    while (!out[0] && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ":1.0") != 0)
            continue;
        char f[PATH_MAX];
        for (int k = 0; k < 2 && !out[0]; k++) {
            if (k == 0)
                snprintf(f, sizeof f, "%s/%s/%s-port%d/disable", hub_dir, e->d_name, hub, port);
            else
                snprintf(f, sizeof f, "%s/%s/port%d/disable", hub_dir, e->d_name, port);
            if (access(f, F_OK) == 0)
                fota_copy(out, len, f);
        }
    }
    closedir(d);
}

int fota_port_power_find(const char *tty, fota_port_power_t *out)
{
    memset(out, 0, sizeof *out);
    const char *base = strrchr(tty, '/');
    base = base ? base + 1 : tty;
    char link[PATH_MAX], dir[PATH_MAX];
    if (!*base || snprintf(link, sizeof link, "%s/class/tty/%s/device", sysfs_root(), base) >=
                      (int)sizeof link)
        return FOTA_E_NOENT;
    if (!realpath(link, dir))
        return FOTA_E_NOENT;
    for (int depth = 0; depth < 6; depth++) {
        char f[PATH_MAX + 16];
        snprintf(f, sizeof f, "%s/idVendor", dir);
        if (access(f, F_OK) == 0)
            break;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir || depth == 5)
            return FOTA_E_NOENT;
        *slash = '\0';
    }
    char *slash = strrchr(dir, '/');
    if (!slash)
        return FOTA_E_NOENT;
    out->port = last_number(slash + 1);
    fota_copy(out->device, sizeof out->device, dir);
    *slash = '\0'; /* dir: the hub */
    const char *hub = strrchr(dir, '/');
    hub = hub ? hub + 1 : dir;
    if (out->port < 1 || !*hub)
        return FOTA_E_NOENT;
    /* uhubctl names a root hub by its bus number ("usb1" -> "1") */
    fota_copy(out->hub, sizeof out->hub, strncmp(hub, "usb", 3) == 0 ? hub + 3 : hub);
    find_port_file(dir, hub, out->port, out->file, sizeof out->file);
    return 0;
}

int fota_port_power_write(const fota_port_power_t *p, bool on)
{
    if (!p->file[0])
        return FOTA_E_NOENT;
    int fd = open(p->file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fota_error_from_errno(errno);
    ssize_t n = write(fd, on ? "0" : "1", 1);
    int err = errno;
    close(fd);
    return n == 1 ? 0 : fota_error_from_errno(n < 0 ? err : EIO);
}

typedef struct {
    uv_process_t proc;
    fota_port_power_done_fn done;
    void *ctx;
    int64_t status;
} uhubctl_t;

static void uhubctl_closed(uv_handle_t *h)
{
    free(h->data);
}

static void uhubctl_exit(uv_process_t *proc, int64_t status, int sig)
{
    uhubctl_t *u = proc->data;
    if (u->done)
        u->done(u->ctx, sig ? -1 : (int)status);
    uv_close((uv_handle_t *)proc, uhubctl_closed);
}

int fota_port_power_uhubctl(uv_loop_t *loop, const fota_port_power_t *p, bool on,
                            fota_port_power_done_fn done, void *ctx)
{
    uhubctl_t *u = calloc(1, sizeof *u);
    if (!u)
        return FOTA_E_NOMEM;
    char port[16];
    snprintf(port, sizeof port, "%d", p->port);
    char *args[] = {"uhubctl", "-l", (char *)p->hub, "-p", port, "-a", on ? "on" : "off", NULL};
    uv_stdio_container_t io[3] = {{.flags = UV_IGNORE}, {.flags = UV_IGNORE},
                                  {.flags = UV_IGNORE}};
    uv_process_options_t o = {.exit_cb = uhubctl_exit, .file = "uhubctl", .args = args,
                              .stdio_count = 3, .stdio = io};
    u->done = done;
    u->ctx = ctx;
    u->proc.data = u;
    int rc = uv_spawn(loop, &u->proc, &o);
    if (rc < 0) {
        /* libuv wants the handle closed even when the spawn failed */
        uv_close((uv_handle_t *)&u->proc, uhubctl_closed);
        return FOTA_E_NOENT;
    }
    return 0;
}
