/* One module's serial port: a pseudo-terminal published as DIR/<slot> -> /dev/pts/N.
 *
 * A reboot of a USB module is a real re-enumeration (000 §3.3.1: "the USB port is
 * re-initialized ... MCU should close and reopen it"): the link goes away, the pty
 * is closed (the station sees HUP/EIO), and a NEW pty is published later. The next
 * pty is allocated before the old one is closed so its number always differs. */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define OUT_CAP (1u << 20)

static void poll_cb(uv_poll_t *h, int status, int events);

static void port_free_cb(uv_handle_t *h) { free(h->data); }

static void port_close(sim_port_t *p)
{
    if (!p)
        return;
    uv_close((uv_handle_t *)&p->poll, port_free_cb);
    close(p->master);
    close(p->slave);
}

static sim_port_t *port_open(sim_module_t *m)
{
    int master, slave;
    char name[64];
    if (openpty(&master, &slave, name, NULL, NULL) != 0)
        return NULL;
    struct termios tio;
    if (tcgetattr(slave, &tio) == 0) {
        cfmakeraw(&tio); /* no echo, no CR/LF mangling: the module does its own */
        tcsetattr(slave, TCSANOW, &tio);
    }
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    sim_port_t *p = calloc(1, sizeof *p);
    if (!p) {
        close(master);
        close(slave);
        return NULL;
    }
    p->master = master;
    p->slave = slave; /* kept open: the master never sees EIO when the station reopens */
    p->m = m;
    uv_poll_init(m->sim->loop, &p->poll, master);
    p->poll.data = p;
    snprintf(m->pts, sizeof m->pts, "%s", name);
    return p;
}

static void link_path(const sim_module_t *m, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", m->sim->ports_dir, m->slot);
}

void sim_port_publish(sim_module_t *m)
{
    if (!m->port || m->linked)
        return;
    char path[1400], tmp[1500];
    link_path(m, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s/.%s.%d.tmp", m->sim->ports_dir, m->slot, (int)getpid());
    unlink(tmp);
    if (symlink(m->pts, tmp) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "fota-sim: cannot publish %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return;
    }
    m->linked = 1;
    m->hidden = 0;
    sim_log(m, "port up %s", m->pts);
}

static void unpublish(sim_module_t *m)
{
    if (!m->linked)
        return;
    char path[1400], target[256];
    link_path(m, path, sizeof path);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n > 0) {
        target[n] = 0;
        if (strcmp(target, m->pts) == 0)
            unlink(path);
    }
    m->linked = 0;
}

static sim_port_t *spare_of(sim_module_t *m) { return m->spare; }

/* Bring the port (back) up. publish=0 keeps the link away for a late USB port
 * (SPEC §4: the AT port can come up too late to see "START"). */
int sim_port_up(sim_module_t *m, int publish)
{
    if (m->gone)
        return -1;
    if (!m->port) {
        sim_port_t *p = spare_of(m);
        m->spare = NULL;
        if (!p)
            p = port_open(m);
        if (!p)
            return -1;
        snprintf(m->pts, sizeof m->pts, "%s", ttyname(p->slave) ? ttyname(p->slave) : m->pts);
        m->port = p;
    }
    m->out.len = 0;
    m->line_len = 0;
    m->mode = SIM_MODE_CMD;
    m->port_up_ms = uv_now(m->sim->loop);
    if (publish)
        sim_port_publish(m);
    else
        m->hidden = 1;
    sim_port_reading(m);
    return 0;
}

/* Power off / reboot. A UART (seed 004) has no USB to re-enumerate: the port
 * stays, the module just goes quiet, unless `really` (the port vanishes). */
void sim_port_down(sim_module_t *m, int really)
{
    m->mode = SIM_MODE_OFF;
    m->out.len = 0;
    uv_timer_stop(&m->t_dribble);
    uv_timer_stop(&m->t_data);
    if (!m->fam->usb && !really) {
        sim_port_reading(m);
        return;
    }
    if (!m->port)
        return;
    unpublish(m);
    if (!really && !spare_of(m))
        m->spare = port_open(m); /* next pty first: its number differs */
    uv_timer_stop(&m->t_rate);
    port_close(m->port);
    m->port = NULL;
    sim_log(m, "port down");
}

static void flush(sim_module_t *m);

static void dribble_cb(uv_timer_t *t) { flush(t->data); }

static void flush(sim_module_t *m)
{
    if (!m->port || m->out.len == 0) {
        sim_port_reading(m);
        return;
    }
    size_t n = m->f.split_writes ? 1 : m->out.len;
    ssize_t w = write(m->port->master, m->out.p, n);
    if (w > 0) {
        sim_buf_drop(&m->out, (size_t)w);
        m->last_write_ms = uv_now(m->sim->loop);
    }
    if (m->f.split_writes && m->out.len > 0 && !uv_is_active((uv_handle_t *)&m->t_dribble)) {
        uv_timer_start(&m->t_dribble, dribble_cb, 1, 0); /* each byte its own write */
        return;
    }
    sim_port_reading(m);
}

void sim_out(sim_module_t *m, const void *p, size_t n)
{
    if (!m->port || m->hidden || m->mode == SIM_MODE_OFF)
        return; /* nobody can hear a module whose port is not there */
    if (m->out.len + n > OUT_CAP)
        sim_buf_drop(&m->out, m->out.len + n - OUT_CAP);
    sim_buf_add(&m->out, p, n);
    if (!uv_is_active((uv_handle_t *)&m->t_dribble))
        flush(m);
}

static void garbage(sim_module_t *m)
{
    static const uint8_t junk[][4] = {{0x00, 0xff, 0x7e}, {0x1b, '[', 0xfe}, {'~', 0x00, 0x80}, {0xe0, 0x11, '#'}};
    static unsigned k;
    k++;
    if (k % 2)
        sim_out(m, junk[k % 4], 3);
}

/* One response or URC line, framed <CR><LF>line<CR><LF> (000 §3.1.2). */
void sim_line(sim_module_t *m, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    if (m->f.garbage)
        garbage(m);
    sim_out(m, "\r\n", 2);
    sim_out(m, buf, (size_t)n);
    sim_out(m, "\r\n", 2);
}

double sim_data_rate(const sim_module_t *m)
{
    double r = m->t.data_rate > 0 ? m->t.data_rate : m->fam->data_rate;
    return r * m->sim->speed;
}

static int rate_limited(const sim_module_t *m)
{
    return m->mode == SIM_MODE_QFUPL || m->mode == SIM_MODE_FILE || m->mode == SIM_MODE_QFUA;
}

static void refill(sim_module_t *m)
{
    uint64_t now = uv_hrtime();
    double rate = sim_data_rate(m);
    double cap = rate * 0.05;
    if (cap < 1024)
        cap = 1024;
    if (m->tokens_ns == 0)
        m->tokens = cap;
    else
        m->tokens += rate * (double)(now - m->tokens_ns) / 1e9;
    if (m->tokens > cap)
        m->tokens = cap;
    m->tokens_ns = now;
}

static void rate_cb(uv_timer_t *t)
{
    sim_module_t *m = t->data;
    sim_port_reading(m);
}

void sim_port_reading(sim_module_t *m)
{
    sim_port_t *p = m->port;
    if (!p)
        return;
    int ev = 0;
    if (m->mode != SIM_MODE_OFF && !uv_is_active((uv_handle_t *)&m->t_rate))
        ev |= UV_READABLE;
    if (m->out.len > 0 && !uv_is_active((uv_handle_t *)&m->t_dribble))
        ev |= UV_WRITABLE;
    if (m->mode == SIM_MODE_OFF)
        ev |= UV_READABLE; /* drain and drop what arrives while off */
    if (ev == p->events)
        return;
    p->events = ev;
    if (ev)
        uv_poll_start(&p->poll, ev, poll_cb);
    else
        uv_poll_stop(&p->poll);
}

static void dispatch(sim_module_t *m, const uint8_t *b, size_t n)
{
    switch (m->mode) {
    case SIM_MODE_CMD: sim_at_input(m, b, n); break;
    case SIM_MODE_QFUPL:
    case SIM_MODE_FILE:
    case SIM_MODE_QFUA: sim_data_input(m, b, n); break;
    default: break; /* updater / off: no AT interpreter */
    }
}

static void on_readable(sim_module_t *m)
{
    uint8_t buf[4096];
    size_t want = sizeof buf;
    int limited = rate_limited(m);
    if (limited) {
        refill(m);
        if (m->flow_control) {
            /* RTS/CTS: read no faster than the module stores, so the pty fills
             * and the sender is throttled (004 §2.3.1, 003 §3.3). */
            if (m->tokens < 1) {
                double wait_s = (1 - m->tokens) / sim_data_rate(m);
                uint64_t ms = (uint64_t)(wait_s * 1000) + 1;
                uv_timer_start(&m->t_rate, rate_cb, ms, 0);
                sim_port_reading(m);
                return;
            }
            if (want > (size_t)m->tokens)
                want = (size_t)m->tokens;
        }
    }
    ssize_t n = read(m->port->master, buf, want);
    if (n <= 0)
        return;
    size_t take = (size_t)n;
    if (limited) {
        if (!m->flow_control && (double)take > m->tokens) {
            /* no flow control and a sender faster than the UART: overrun, bytes lost */
            size_t keep = m->tokens > 0 ? (size_t)m->tokens : 0;
            m->data_lost += take - keep;
            take = keep;
        }
        m->tokens -= (double)take;
    }
    dispatch(m, buf, take);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    sim_port_t *p = h->data;
    sim_module_t *m = p->m;
    if (m->port != p)
        return;
    if (status < 0) {
        uv_poll_stop(h);
        p->events = 0;
        return;
    }
    if (events & UV_WRITABLE)
        flush(m);
    if (m->port == p && (events & UV_READABLE)) {
        if (m->mode == SIM_MODE_OFF) {
            uint8_t junk[4096];
            (void)!read(p->master, junk, sizeof junk);
            return;
        }
        on_readable(m);
    }
}

int sim_module_init(sim_module_t *m)
{
    uv_loop_t *loop = m->sim->loop;
    uv_timer_init(loop, &m->t_dribble);
    uv_timer_init(loop, &m->t_rate);
    uv_timer_init(loop, &m->t_data);
    uv_timer_init(loop, &m->t_step);
    m->t_dribble.data = m;
    m->t_rate.data = m;
    m->t_data.data = m;
    m->t_step.data = m;
    return sim_port_up(m, 1);
}

void sim_module_close(sim_module_t *m)
{
    unpublish(m);
    sim_port_t *spare = spare_of(m);
    if (spare)
        port_close(spare);
    m->spare = NULL;
    if (m->port)
        port_close(m->port);
    m->port = NULL;
    uv_close((uv_handle_t *)&m->t_dribble, NULL);
    uv_close((uv_handle_t *)&m->t_rate, NULL);
    uv_close((uv_handle_t *)&m->t_data, NULL);
    uv_close((uv_handle_t *)&m->t_step, NULL);
}
