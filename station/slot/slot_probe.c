/* Which module answers on the chosen AT port: AT+GSN (AT+CGSN when a firmware only
 * knows that one), before an attempt starts. The IMEI decides:
 *   - the module that just finished in this slot, back from its final reboot: shown
 *     with its verdict again, not upgraded twice (not for a blank or invalid IMEI:
 *     such a module was never touched, so it does not re-enumerate, and the next one
 *     the operator plugs in may well answer the same zeros);
 *   - a module that another slot already owns, where the two slots could be one USB
 *     device (slot_imei.c): this port is another port of that module (a hub layout
 *     the names do not show, or two links to one module), and it gets no attempt.
 *     This is what keeps one module from being flashed from two ports, whatever the
 *     ports are called;
 *   - otherwise a module of its own: its attempt starts (and its row is written),
 *     also when its IMEI is blank or shared with another hub port: identification
 *     refuses it then, with a row. */
#include <stdio.h>
#include <string.h>

#include "luhn.h"
#include "station_int.h"
#include "util.h"

static const char *const imei_cmds[] = {"AT+GSN", "AT+CGSN"};

static void probe_send(slot_t *s)
{
    const char *cmd = fota_query_command(&s->query);
    char line[64];
    int n = snprintf(line, sizeof line, "%s\r", cmd);
    fota_port_write(s->port, (const uint8_t *)line, (size_t)n);
    uv_timer_start(&s->timer, slot_timer_cb, 2 * PROBE_TIMEOUT_MS, 0);
}

static void probe_done(slot_t *s)
{
    uv_timer_stop(&s->timer);
    const char *imei = s->query.imei;
    if (imei[0] && strcmp(imei, s->last_imei) == 0 && !fota_imei_problem(imei)) {
        /* The module that just finished, back after a re-enumeration: not twice. */
        slot_port_drop(s);
        /* Keep showing its verdict: a FAIL that reboots back into the slot must not
         * turn into "idle" on the operator's screen. */
        slot_set_state(s, SLOT_DONE, s->last_dash);
        fota_copy(s->result, sizeof s->result, s->last_result);
        station_log(s->st, "%s: same module %s still in the slot; swap it to go on", s->name, imei);
        station_check_exit(s->st);
        return;
    }
    slot_t *owner;
    char why[sizeof s->result];
    if (slot_imei_judge(s, imei, &owner, why, sizeof why) == SLOT_IMEI_OTHER_PORT) {
        slot_port_drop(s);
        slot_set_state(s, SLOT_ALIAS, FOTA_DASH_IDLE);
        fota_copy(s->result, sizeof s->result, why);
        fota_copy(s->imei, sizeof s->imei, imei);
        station_log(s->st, "%s: %s is another port of module %s (slot %s); no attempt here",
                    s->name, s->link.target, imei, owner->name);
        station_check_exit(s->st);
        return;
    }
    slot_begin(s);
}

void slot_probe_timeout(slot_t *s)
{
    /* No answer to this IMEI command: try the next; without any, the machine
     * identifies the module itself. */
    s->query.cur++;
    if (fota_query_done(&s->query))
        probe_done(s);
    else
        probe_send(s);
}

void slot_probe_begin(slot_t *s)
{
    fota_query_init(&s->query, imei_cmds, 2);
    slot_set_state(s, SLOT_PROBING, FOTA_DASH_PROBING);
    s->result[0] = '\0';
    probe_send(s);
}

void slot_probe_data(slot_t *s, const uint8_t *d, size_t n)
{
    if (!fota_query_feed(&s->query, d, n))
        return;
    if (s->query.imei[0] || fota_query_done(&s->query))
        probe_done(s);
    else
        probe_send(s);
}
