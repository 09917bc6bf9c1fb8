/* Port layouts: which USB interfaces one simulated module publishes and what each
 * does. A real Quectel module on a hub shows several ttys under
 * /dev/serial/by-path/ (`<hub port>:1.<interface>-port0`); only some of them
 * speak AT, and a station must pick one and leave the others alone. This file
 * makes that testable: the family layouts, the publishing of the links (in a
 * shuffled, seeded order after a re-enumeration), the NMEA talker, and the
 * evidence when FOTA commands arrive on two ports of one module. */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const role_names[] = {"at", "modem", "dm", "nmea"};

int sim_role_find(const char *name, sim_role_t *out)
{
    for (size_t k = 0; k < sizeof role_names / sizeof role_names[0]; k++)
        if (!strcasecmp(name, role_names[k])) {
            *out = (sim_role_t)k;
            return 0;
        }
    return -1;
}

const char *sim_role_name(sim_role_t r) { return role_names[r]; }

int sim_layout_parse_name(const char *v, sim_layout_kind_t *out)
{
    if (!strcasecmp(v, "hub"))
        *out = SIM_LAYOUT_HUB;
    else if (!strcasecmp(v, "single"))
        *out = SIM_LAYOUT_SINGLE;
    else
        return -1;
    return 0;
}

/* Each family's interfaces as ModemManager's Quectel port-type udev rules know
 * them: RG50xQ (2c7c:0800) and EG06xK (2c7c:0306) put QCDM on 0, GPS on 1, the
 * primary AT port on 2 and the modem on 3. EC200T (2c7c:6026) has no rule the
 * station could rely on; the simulator gives it DM, AT and modem, no NMEA. */
static const struct {
    sim_fam_id_t fam;
    int n;
    sim_if_spec_t ifs[4];
} hubs[] = {
    {SIM_FAM_RG50XQ, 4, {{0, SIM_ROLE_DM}, {1, SIM_ROLE_NMEA}, {2, SIM_ROLE_AT}, {3, SIM_ROLE_MODEM}}},
    {SIM_FAM_EG06XK, 4, {{0, SIM_ROLE_DM}, {1, SIM_ROLE_NMEA}, {2, SIM_ROLE_AT}, {3, SIM_ROLE_MODEM}}},
    {SIM_FAM_EC200T, 3, {{0, SIM_ROLE_DM}, {2, SIM_ROLE_AT}, {3, SIM_ROLE_MODEM}}},
};

const char *sim_layout_check(const sim_module_t *m)
{
    if (m->layout == SIM_LAYOUT_SINGLE)
        return NULL;
    if (!m->fam->usb)
        return "a port layout needs a USB module: legacy-GSM is a UART with one port";
    if (m->layout == SIM_LAYOUT_HUB)
        return NULL;
    int at = 0;
    for (int k = 0; k < m->n_spec; k++) {
        at += m->spec[k].role == SIM_ROLE_AT;
        for (int j = 0; j < k; j++)
            if (m->spec[j].num == m->spec[k].num)
                return "two ports with the same interface number";
    }
    return at == 1 ? NULL : "a port layout has exactly one 'at' port (boot URCs go there)";
}

/* "…-usb-0:1.1.1:1.2" or "…:1.2-port0" -> "…-usb-0:1.1.1": the hub port. */
static void strip_interface(char *slot)
{
    char *c = strrchr(slot, ':');
    if (!c)
        return;
    const char *p = c + 1;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (!digits || *p++ != '.')
        return;
    for (digits = 0; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (!strncmp(p, "-port", 5))
        for (p += 5; *p >= '0' && *p <= '9'; p++)
            ;
    if (digits && !*p)
        *c = 0;
}

static void add_if(sim_module_t *m, int num, sim_role_t role, const char *link)
{
    sim_if_t *i = &m->ifs[m->n_ifs++];
    i->m = m;
    i->num = num;
    i->role = role;
    i->echo = 1;
    snprintf(i->link, sizeof i->link, "%s", link);
    if (role == SIM_ROLE_AT)
        m->at = i;
}

const char *sim_layout_build(sim_module_t *m)
{
    const char *why = sim_layout_check(m);
    if (why)
        return why;
    m->n_ifs = 0;
    if (m->layout == SIM_LAYOUT_SINGLE) {
        add_if(m, m->fam->usb ? 2 : 0, SIM_ROLE_AT, m->slot); /* today's one link */
    } else {
        const sim_if_spec_t *spec = m->spec;
        int n = m->n_spec;
        for (size_t k = 0; m->layout == SIM_LAYOUT_HUB && k < sizeof hubs / sizeof hubs[0]; k++)
            if (hubs[k].fam == m->fam->id) {
                spec = hubs[k].ifs;
                n = hubs[k].n;
            }
        strip_interface(m->slot);
        for (int k = 0; k < n; k++) {
            char link[sizeof m->ifs[0].link];
            if ((size_t)snprintf(link, sizeof link, "%s:1.%d-port0", m->slot, spec[k].num) >=
                sizeof link)
                return "the slot is too long for its interfaces' links (255 bytes at most)";
            add_if(m, spec[k].num, spec[k].role, link);
        }
    }
    m->cur = m->at;
    return NULL;
}

/* ---- publishing and NMEA -------------------------------------------------- */

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13; /* xorshift32: deterministic per module and boot */
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void nmea_sentence(sim_if_t *i, const char *body)
{
    unsigned cs = 0;
    for (const char *p = body; *p; p++)
        cs ^= (unsigned char)*p; /* NMEA 0183: XOR of everything between $ and * */
    char line[160];
    int n = snprintf(line, sizeof line, "$%s*%02X\r\n", body, cs);
    if (n > 0 && (size_t)n < sizeof line)
        sim_if_write_now(i, line, (size_t)n);
}

static void nmea_cb(uv_timer_t *t)
{
    sim_if_t *i = t->data;
    if (i->m->mode == SIM_MODE_BUSY)
        return; /* the updater runs no GNSS */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char rmc[128];
    snprintf(rmc, sizeof rmc, "GPRMC,%02d%02d%02d.00,A,3150.7815,N,11711.9258,E,0.0,0.0,%02d%02d%02d,,,A",
             tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100);
    nmea_sentence(i, "GPGSV,1,1,04,05,45,120,38,13,30,240,35,15,62,060,41,21,12,300,29");
    nmea_sentence(i, rmc);
}

static void publish_one(sim_if_t *i)
{
    sim_if_publish(i);
    if (i->role == SIM_ROLE_NMEA && i->linked)
        uv_timer_start(&i->t_nmea, nmea_cb, 100, 1000); /* real time, not --speed */
}

static void publish_cb(uv_timer_t *t)
{
    sim_module_t *m = t->data;
    if (m->pub_next >= m->n_ifs || !m->up)
        return;
    publish_one(&m->ifs[m->pub_order[m->pub_next++]]);
    if (m->pub_next < m->n_ifs) {
        uint32_t s = ((uint32_t)(m->index + 1) * 2654435761u ^ (m->boots * 40503u + (uint32_t)m->pub_next)) | 1u;
        uv_timer_start(&m->t_publish, publish_cb, 20 + rnd(&s) % 100, 0);
    }
}

/* After a re-enumeration the kernel and udev create the interfaces' ttys one by
 * one, in no fixed order: a station must not assume the AT port comes first. */
void sim_layout_publish_shuffled(sim_module_t *m)
{
    uint32_t s = ((uint32_t)(m->index + 1) * 2246822519u ^ (m->boots + 1u) * 3266489917u) | 1u;
    for (int k = 0; k < m->n_ifs; k++)
        m->pub_order[k] = k;
    for (int k = m->n_ifs - 1; k > 0; k--) {
        int j = (int)(rnd(&s) % (uint32_t)(k + 1));
        int t = m->pub_order[k];
        m->pub_order[k] = m->pub_order[j];
        m->pub_order[j] = t;
    }
    m->pub_next = 0;
    if (m->boots == 0) { /* a line already powered when the station starts */
        while (m->pub_next < m->n_ifs)
            publish_one(&m->ifs[m->pub_order[m->pub_next++]]);
        return;
    }
    uv_timer_start(&m->t_publish, publish_cb, 20 + rnd(&s) % 100, 0);
}

void sim_layout_stop(sim_module_t *m)
{
    if (m->n_ifs > 1)
        uv_timer_stop(&m->t_publish);
    for (int k = 0; k < m->n_ifs; k++)
        if (m->ifs[k].role == SIM_ROLE_NMEA)
            uv_timer_stop(&m->ifs[k].t_nmea);
}

/* ---- evidence ------------------------------------------------------------- */

/* Everything that changes the module's firmware or its package store. */
static const char *const fota_cmds[] = {"+QFOTADL", "+QFUPL", "+QFUA", "+QFAI",
                                        "+QFAW",    "+QFAU",  "+QFDEL", "FILE: data"};

/* The first port to carry a FOTA command owns the module's FOTA for the run (its
 * URCs go there); the same kind of command on another port is a conflict, printed
 * on stderr and counted for the exit status (main.c). */
void sim_layout_fota_cmd(sim_module_t *m, const char *cmd)
{
    int fota = 0;
    for (size_t k = 0; k < sizeof fota_cmds / sizeof fota_cmds[0]; k++)
        fota |= !strcmp(cmd, fota_cmds[k]);
    if (!fota || !m->cur)
        return;
    if (!m->fota_if) {
        m->fota_if = m->cur;
        return;
    }
    if (m->fota_if == m->cur)
        return;
    m->conflicts++;
    m->sim->conflicts++;
    fprintf(stderr, "fota-sim: %s: FOTA commands on two ports (%s and %s): %s%s on the second\n",
            m->slot, m->fota_if->link, m->cur->link, cmd[0] == '+' ? "AT" : "", cmd);
    sim_log(m, "port conflict: %s on %s", cmd, m->cur->link);
}
