/* IDENTIFY: which module answers on the chosen AT port: AT+GSN (AT+CGSN when a
 * firmware only knows that one), before an attempt starts. The IMEI decides:
 *   - the module that just finished in this slot, back from its final reboot: shown
 *     with its verdict again, not upgraded twice (not for a blank or invalid IMEI:
 *     such a module was never touched, so it does not re-enumerate, and the next one
 *     the operator plugs in may well answer the same zeros);
 *   - a module that another slot already owns, where the two slots could be one USB
 *     device (slot_rules_imei): this port is another port of that module, and it
 *     gets no attempt. This is what keeps one module from being flashed from two
 *     ports, whatever the ports are called;
 *   - otherwise a module of its own: its attempt starts (and its row is written),
 *     also when its IMEI is blank or shared with another hub port: identification
 *     refuses it then, with a row. */
#include <stdio.h>
#include <string.h>

#include "luhn.h"
#include "slot.h"
#include "slot_rules.h"
#include "util.h"

static const char *const imei_cmds[] = {"AT+GSN", "AT+CGSN"};

static slot_outcome_t identify_send(slot_t *s)
{
    const slot_host_t *h = s->line->host;
    char line[64];
    int n = snprintf(line, sizeof line, "%s\r", fota_query_command(&s->ctx.identify.q));
    h->port_write(h->ctx, s, (size_t)s->at, (const uint8_t *)line, (size_t)n);
    s->deadline = slot_now(s) + 2 * SLOT_ROUND_MS;
    return SLOT_OUT_NONE;
}

static slot_outcome_t identify_done(slot_t *s)
{
    const char *imei = s->ctx.identify.q.imei;
    fota_copy(s->view.imei, sizeof s->view.imei, imei);
    if (imei[0] && strcmp(imei, s->last.imei) == 0 && !fota_imei_problem(imei)) {
        slot_logf(s, "%s: same module %s still in the slot; swap it to go on", s->name, imei);
        return SLOT_OUT_SAME_MODULE;
    }
    const slot_t *owner;
    char why[sizeof s->view.result];
    if (slot_rules_imei(s, imei, &owner, why, sizeof why) == SLOT_IMEI_OTHER_PORT) {
        fota_copy(s->view.result, sizeof s->view.result, why);
        slot_logf(s, "%s: %s is another port of module %s (slot %s); no attempt here", s->name,
                  s->ifs[s->at].tty, imei, owner->name);
        return SLOT_OUT_OTHER_PORT;
    }
    return SLOT_OUT_NEW_MODULE;
}

static slot_outcome_t identify_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    fota_query_init(&s->ctx.identify.q, imei_cmds, 2);
    s->view.show = SLOT_SHOW_PROBING;
    s->view.result[0] = '\0';
    return identify_send(s);
}

static slot_outcome_t identify_data(slot_t *s, size_t i, const uint8_t *d, size_t n)
{
    fota_query_t *q = &s->ctx.identify.q;
    if ((int)i != s->at || !fota_query_feed(q, d, n))
        return SLOT_OUT_NONE;
    if (q->imei[0] || fota_query_done(q))
        return identify_done(s);
    return identify_send(s);
}

/* No answer to this IMEI command: try the next; without any, the machine
 * identifies the module itself. */
static slot_outcome_t identify_timeout(slot_t *s)
{
    s->ctx.identify.q.cur++;
    if (fota_query_done(&s->ctx.identify.q))
        return identify_done(s);
    return identify_send(s);
}

/* Rebooting while we asked: asked again unless the link changes first. */
static slot_outcome_t identify_gone(slot_t *s, size_t i)
{
    return (int)i == s->at ? SLOT_OUT_PORT_LOST : SLOT_OUT_NONE;
}

static slot_outcome_t identify_at_link(slot_t *s, bool present)
{
    if (!present || s->line->stopping || s->line->draining)
        return SLOT_OUT_EMPTIED;
    return SLOT_OUT_APPEARED; /* changed under the probe: the module (re)appears */
}

static slot_outcome_t identify_abort(slot_t *s, const char *reason)
{
    (void)s;
    (void)reason;
    return SLOT_OUT_ABORTED;
}

const slot_stage_ops_t slot_stage_identify = {
    .name = "identify",
    .busy = true,
    .enter = identify_enter,
    .timeout = identify_timeout,
    .data = identify_data,
    .gone = identify_gone,
    .at_link = identify_at_link,
    .abort = identify_abort,
};
