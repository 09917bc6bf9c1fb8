/* A slot's own AT probe before an attempt: `AT` (does a module answer on this
 * port?) then `AT+GSN` (is it the module that just finished here?). On real hardware
 * only AT ports of known profiles (USB IDs) are probed at all. */
#include <stdio.h>
#include <string.h>

#include "station_int.h"
#include "util.h"

/* ---- probe: AT (a module?), AT+GSN (the same module as before?) ------------- */

static const char *const probe_cmds[] = {"AT", "AT+GSN"};

static void probe_send(slot_t *s)
{
    const char *cmd = fota_query_command(&s->query);
    char line[64];
    int n = snprintf(line, sizeof line, "%s\r", cmd);
    fota_port_write(s->port, (const uint8_t *)line, (size_t)n);
    uv_timer_start(&s->timer, slot_timer_cb, PROBE_TIMEOUT_MS, 0);
}

void slot_set_state(slot_t *s, slot_state_t st, fota_dash_state_t dash)
{
    s->state = st;
    s->dash = dash;
}

static void probe_done(slot_t *s)
{
    uv_timer_stop(&s->timer);
    if (s->query.imei[0] && strcmp(s->query.imei, s->last_imei) == 0) {
        /* The module that just finished, back after a re-enumeration: not twice. */
        slot_port_drop(s);
        /* Keep showing its verdict: a FAIL that reboots back into the slot must not
         * turn into "idle" on the operator's screen. */
        slot_set_state(s, SLOT_DONE, s->last_dash);
        fota_copy(s->result, sizeof s->result, s->last_result);
        station_log(s->st, "%s: same module %s still in the slot; swap it to go on", s->name,
                    s->query.imei);
        station_check_exit(s->st);
        return;
    }
    slot_begin(s);
}

void slot_probe_timeout(slot_t *s)
{
    if (fota_query_command(&s->query) && strcmp(fota_query_command(&s->query), "AT") == 0) {
        if (++s->probe_tries < PROBE_TRIES) {
            probe_send(s); /* a module may still be booting: try again */
            return;
        }
        slot_port_drop(s);
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        fota_copy(s->result, sizeof s->result, "no answer to AT: not a module port");
        station_log(s->st, "%s: no answer to AT, ignored until the link changes", s->name);
        station_check_exit(s->st);
        return;
    }
    /* AT answered but AT+GSN did not: a module; the machine identifies it. */
    s->query.cur = s->query.n;
    probe_done(s);
}

void slot_probe_start(slot_t *s)
{
    if (s->st->stopping || s->st->draining)
        return;
    fota_port_info_t info;
    s->hint = NULL;
    s->usb = false;
    if (fota_port_describe(s->link.target, &info) == 0 && info.usb) {
        s->usb = true;
        /* Real hardware: only AT ports of known profiles (SPEC §4: DIAG on 0, GPS on
         * 1, AT on 2 for RM500/RG500 and EG06). */
        s->hint = fota_profile_set_match_usb(&s->st->profiles, info.vid, info.pid, info.interface);
        if (!s->hint) {
            slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
            snprintf(s->result, sizeof s->result, "USB %04x:%04x interface %d: not a known AT port",
                     info.vid, info.pid, info.interface);
            station_check_exit(s->st);
            return;
        }
    }
    int rc = slot_port_open(s);
    if (rc < 0) {
        /* The tty may not be ready the instant its link appears: retry shortly. */
        if (++s->reopen_tries < REOPEN_TRIES) {
            uv_timer_start(&s->reopen, slot_reopen_cb, REOPEN_DELAY_MS, 0);
            return;
        }
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        snprintf(s->result, sizeof s->result, "cannot open %s", s->link.target);
        station_check_exit(s->st);
        return;
    }
    s->reopen_tries = 0;
    fota_query_init(&s->query, probe_cmds, 2);
    s->probe_tries = 0;
    slot_set_state(s, SLOT_PROBING, FOTA_DASH_PROBING);
    s->result[0] = '\0';
    probe_send(s);
}

void slot_probe_data(slot_t *s, const uint8_t *d, size_t n)
{
    if (fota_query_feed(&s->query, d, n)) {
        if (fota_query_done(&s->query))
            probe_done(s);
        else
            probe_send(s);
    }
}
