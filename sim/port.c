/* One module's serial port: a pseudo-terminal published as DIR/<slot> -> /dev/pts/N.
 *
 * A reboot of a USB module is a real re-enumeration (RG50xQ FOTA note §3.3.1: "the USB port is
 * re-initialized ... MCU should close and reopen it"): the link goes away, the pty
 * is closed (the station sees HUP/EIO), and a NEW pty is published later. The next
 * pty is allocated before the old one is closed so its number always differs.
 * A module with a hub layout (layout.c) has several interfaces: each is its own
 * pty and link, and they all go away and come back together. */
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

static sim_port_t *port_open(sim_if_t *i)
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
    p->i = i;
    uv_poll_init(i->m->sim->loop, &p->poll, master);
    p->poll.data = p;
    return p;
}

static void link_path(const sim_if_t *i, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", i->m->sim->ports_dir, i->link);
}

void sim_if_publish(sim_if_t *i)
{
    if (!i->port || i->linked)
        return;
    char path[1400], tmp[1500];
    link_path(i, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s/.%s.%d.tmp", i->m->sim->ports_dir, i->link, (int)getpid());
    unlink(tmp);
    if (symlink(i->pts, tmp) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "fota-sim: cannot publish %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return;
    }
    i->linked = 1;
    i->port_up_ms = uv_now(i->m->sim->loop); /* the host can open it from now on */
    sim_log(i->m, "port up %s%s%s", i->pts, i->m->n_ifs > 1 ? " " : "",
            i->m->n_ifs > 1 ? i->link : "");
}

void sim_port_publish(sim_module_t *m)
{
    m->hidden = 0;
    if (m->n_ifs == 1)
        sim_if_publish(&m->ifs[0]);
    else
        sim_layout_publish_shuffled(m);
}

static void unpublish(sim_if_t *i)
{
    if (!i->linked)
        return;
    char path[1400], target[256];
    link_path(i, path, sizeof path);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n > 0) {
        target[n] = 0;
        if (strcmp(target, i->pts) == 0)
            unlink(path);
    }
    i->linked = 0;
}

static void if_reading(sim_if_t *i);

static int if_up(sim_if_t *i)
{
    if (!i->port) {
        sim_port_t *p = i->spare;
        i->spare = NULL;
        if (!p)
            p = port_open(i);
        if (!p)
            return -1;
        snprintf(i->pts, sizeof i->pts, "%s", ttyname(p->slave) ? ttyname(p->slave) : "");
        i->port = p;
    }
    i->out.len = 0;
    i->line_len = 0;
    i->echo = 1; /* ATE0 is not persistent across a reboot */
    i->port_up_ms = uv_now(i->m->sim->loop);
    return 0;
}

/* Bring every interface (back) up. publish=0 keeps the links away for a late USB
 * port (on real modules the AT port can come up too late to see "START"). */
int sim_port_up(sim_module_t *m, int publish)
{
    if (m->gone)
        return -1;
    for (int k = 0; k < m->n_ifs; k++)
        if (if_up(&m->ifs[k]) != 0)
            return -1;
    m->up = 1;
    m->mode = SIM_MODE_CMD;
    m->cur = m->at;
    if (publish)
        sim_port_publish(m);
    else
        m->hidden = 1;
    sim_port_reading(m);
    return 0;
}

/* Power off / reboot. A UART (GSM FOTA note) has no USB to re-enumerate: the port
 * stays, the module just goes quiet, unless `really` (the port vanishes). */
void sim_port_down(sim_module_t *m, int really)
{
    m->mode = SIM_MODE_OFF;
    uv_timer_stop(&m->t_data);
    for (int k = 0; k < m->n_ifs; k++) {
        m->ifs[k].out.len = 0;
        uv_timer_stop(&m->ifs[k].t_dribble);
    }
    if (!m->fam->usb && !really) {
        sim_port_reading(m);
        return;
    }
    if (!m->up)
        return;
    sim_layout_stop(m);
    uv_timer_stop(&m->t_rate);
    /* every next pty first, then close the old ones: no interface comes back on
     * a number any interface of this module had before */
    for (int k = 0; k < m->n_ifs; k++)
        if (!really && !m->ifs[k].spare)
            m->ifs[k].spare = port_open(&m->ifs[k]);
    for (int k = 0; k < m->n_ifs; k++) {
        sim_if_t *i = &m->ifs[k];
        unpublish(i);
        port_close(i->port);
        i->port = NULL;
    }
    m->up = 0;
    m->boots++;
    sim_log(m, "port down");
}

static void flush(sim_if_t *i);

static void dribble_cb(uv_timer_t *t) { flush(t->data); }

static void flush(sim_if_t *i)
{
    if (!i->port || i->out.len == 0) {
        if_reading(i);
        return;
    }
    size_t n = i->m->f.split_writes ? 1 : i->out.len;
    ssize_t w = write(i->port->master, i->out.p, n);
    if (w > 0) {
        sim_buf_drop(&i->out, (size_t)w);
        i->last_write_ms = uv_now(i->m->sim->loop);
    }
    if (i->m->f.split_writes && i->out.len > 0 && !uv_is_active((uv_handle_t *)&i->t_dribble)) {
        uv_timer_start(&i->t_dribble, dribble_cb, 1, 0); /* each byte its own write */
        return;
    }
    if_reading(i);
}

void sim_out(sim_module_t *m, const void *p, size_t n)
{
    sim_if_t *i = m->cur;
    if (!i || !i->port || m->hidden || m->mode == SIM_MODE_OFF)
        return; /* nobody can hear a module whose port is not there */
    if (i->out.len + n > OUT_CAP)
        sim_buf_drop(&i->out, i->out.len + n - OUT_CAP);
    sim_buf_add(&i->out, p, n);
    if (!uv_is_active((uv_handle_t *)&i->t_dribble))
        flush(i);
}

/* NMEA: a full pty (nobody reading) drops the sentence, as a USB host would. */
void sim_if_write_now(sim_if_t *i, const void *p, size_t n)
{
    if (i->port && !i->m->hidden && i->m->mode != SIM_MODE_OFF)
        (void)!write(i->port->master, p, n);
}

static void garbage(sim_module_t *m)
{
    static const uint8_t junk[][4] = {{0x00, 0xff, 0x7e}, {0x1b, '[', 0xfe}, {'~', 0x00, 0x80}, {0xe0, 0x11, '#'}};
    static unsigned k;
    k++;
    if (k % 2)
        sim_out(m, junk[k % 4], 3);
}

/* One response or URC line, framed <CR><LF>line<CR><LF> (RG50xQ FOTA note §3.1.2). */
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
    double r = m->sim->data_rate > 0 ? m->sim->data_rate
               : m->t.data_rate > 0  ? m->t.data_rate
                                     : m->fam->data_rate;
    return r * m->sim->speed;
}

static int rate_limited(const sim_module_t *m)
{
    if (m->sim->data_max)
        return 0; /* --data-rate max: the pty is the only limit */
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

static void if_reading(sim_if_t *i)
{
    sim_port_t *p = i->port;
    sim_module_t *m = i->m;
    if (!p)
        return;
    int ev = 0;
    if (m->mode == SIM_MODE_OFF || i != m->cur || !uv_is_active((uv_handle_t *)&m->t_rate))
        ev |= UV_READABLE; /* while off: drain and drop what arrives */
    if (i->out.len > 0 && !uv_is_active((uv_handle_t *)&i->t_dribble))
        ev |= UV_WRITABLE;
    if (ev == p->events)
        return;
    p->events = ev;
    if (ev)
        uv_poll_start(&p->poll, ev, poll_cb);
    else
        uv_poll_stop(&p->poll);
}

void sim_port_reading(sim_module_t *m)
{
    for (int k = 0; k < m->n_ifs; k++)
        if_reading(&m->ifs[k]);
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

/* Input the module does not act on: DM and NMEA ports, a second AT port while the
 * first is in data mode, anything while off or in the updater. */
static int swallowed(sim_if_t *i)
{
    sim_module_t *m = i->m;
    if (i->role == SIM_ROLE_DM || i->role == SIM_ROLE_NMEA || m->mode == SIM_MODE_OFF ||
        m->mode == SIM_MODE_BUSY)
        return 1;
    return m->mode != SIM_MODE_CMD && i != m->cur;
}

static void on_readable(sim_if_t *i)
{
    sim_module_t *m = i->m;
    uint8_t buf[4096];
    if (swallowed(i)) {
        ssize_t n = read(i->port->master, buf, sizeof buf);
        if (n > 0 && m->n_ifs > 1)
            sim_log(m, "%s port %s swallowed %zd bytes", sim_role_name(i->role), i->link, n);
        if (n > 0 && rate_limited(m) && i->role <= SIM_ROLE_MODEM) {
            sim_if_t *keep = m->cur; /* stream data from a second AT port */
            m->cur = i;
            sim_layout_fota_cmd(m, "FILE: data");
            m->cur = keep;
        }
        return;
    }
    m->cur = i; /* answers go back where the command came from */
    size_t want = sizeof buf;
    int limited = rate_limited(m);
    if (limited) {
        refill(m);
        if (m->flow_control) {
            /* RTS/CTS: read no faster than the module stores, so the pty fills
             * and the sender is throttled (GSM FOTA note §2.3.1, EC200T FOTA guide §3.3). */
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
    ssize_t n = read(i->port->master, buf, want);
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
    sim_if_t *i = p->i;
    if (i->port != p)
        return;
    if (status < 0) {
        uv_poll_stop(h);
        p->events = 0;
        return;
    }
    if (events & UV_WRITABLE)
        flush(i);
    if (i->port == p && (events & UV_READABLE))
        on_readable(i);
}

/* A module stuck printing (a crash loop, a URC storm): lines on its AT port at
 * faults.flood bytes per second of real time, whenever it is powered. Written like
 * NMEA, past the output buffer: a full pty drops them, as a USB host would. */
#define FLOOD_TICK_MS 10
static void flood_cb(uv_timer_t *t)
{
    sim_module_t *m = t->data;
    if (!m->at || m->hidden || m->mode == SIM_MODE_OFF)
        return;
    static const char line[] = "\r\n+QIND: \"csq\",99,99\r\n";
    size_t want = (size_t)m->f.flood_bps * FLOOD_TICK_MS / 1000, len = sizeof line - 1;
    for (size_t sent = 0; sent < want; sent += len)
        sim_if_write_now(m->at, line, len);
}

int sim_module_init(sim_module_t *m)
{
    uv_loop_t *loop = m->sim->loop;
    uv_timer_init(loop, &m->t_flood);
    m->t_flood.data = m;
    if (m->f.flood_bps > 0)
        uv_timer_start(&m->t_flood, flood_cb, FLOOD_TICK_MS, FLOOD_TICK_MS);
    uv_timer_t *mt[] = {&m->t_rate, &m->t_data, &m->t_step, &m->t_publish};
    for (size_t k = 0; k < sizeof mt / sizeof mt[0]; k++) {
        uv_timer_init(loop, mt[k]);
        mt[k]->data = m;
    }
    for (int k = 0; k < m->n_ifs; k++) {
        sim_if_t *i = &m->ifs[k];
        i->m = m;
        uv_timer_init(loop, &i->t_dribble);
        uv_timer_init(loop, &i->t_nmea);
        i->t_dribble.data = i->t_nmea.data = i;
    }
    int rc = sim_port_up(m, 1);
    if (rc == 0)
        sim_fota_power_up(m);
    return rc;
}

void sim_module_close(sim_module_t *m)
{
    sim_layout_stop(m);
    for (int k = 0; k < m->n_ifs; k++) {
        sim_if_t *i = &m->ifs[k];
        unpublish(i);
        port_close(i->spare);
        i->spare = NULL;
        port_close(i->port);
        i->port = NULL;
        uv_close((uv_handle_t *)&i->t_dribble, NULL);
        uv_close((uv_handle_t *)&i->t_nmea, NULL);
    }
    m->up = 0;
    uv_close((uv_handle_t *)&m->t_rate, NULL);
    uv_close((uv_handle_t *)&m->t_data, NULL);
    uv_close((uv_handle_t *)&m->t_step, NULL);
    uv_close((uv_handle_t *)&m->t_publish, NULL);
    uv_close((uv_handle_t *)&m->t_flood, NULL);
}
