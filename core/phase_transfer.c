/* phase_transfer_*: getting the hop's package to the module. The upgrade methods
 * are a table indexed by fota_method_t (fwupd's modem plugin picks an updater
 * class the same way); each entry lives in its own method_<name>.c, and what the
 * methods share is method_common.c. This file holds the transfer token
 * (max_transfers) and hands the phase's inputs to the method. */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per upgrade method; a new method is one more file and one more row. */
extern const machine_method_t method_url, method_local, method_stream, method_qfua, method_qfaw;

static const machine_method_t *const methods[FOTA_METHOD__COUNT] = {
    [FOTA_METHOD_URL] = &method_url,
    [FOTA_METHOD_LOCAL] = &method_local,
    [FOTA_METHOD_STREAM] = &method_stream,
    [FOTA_METHOD_QFUA] = &method_qfua,
    [FOTA_METHOD_QFAW] = &method_qfaw,
};

const machine_method_t *phase_transfer_method(fota_method_t method)
{
    return (unsigned)method < FOTA_METHOD__COUNT ? methods[method] : NULL;
}

static const machine_method_t *current(const machine_t *m)
{
    return methods[m->method];
}

bool phase_transfer_precheck(machine_t *m, const fota_package_t *pkg, char *why, size_t n)
{
    const machine_method_t *ops = current(m);
    if (ops->streams && (!pkg->data || pkg->size == 0)) {
        snprintf(why, n, "package %s is not loaded (method %s needs its bytes)",
                 method_common_package_name(pkg), fota_method_name(m->method));
        return false;
    }
    return !ops->precheck || ops->precheck(m, pkg, why, n);
}

/* A hop starts: fresh method state; the transfer token first when it streams. */
/* A chain's next hop follows the verification of the last one, which runs while
 * the module is still printing its boot lines; a module that is still booting
 * refuses a FOTA command (ERROR). The hop waits until those lines have been
 * quiet for quiet.hop; the first hop and the verification never wait. */
static bool hop_settle(machine_t *m, uint64_t now)
{
    if (m->plan.hop == 0 || !m->upd.last_boot_ms)
        return false;
    uint64_t ready = m->upd.last_boot_ms + machine_state_quiet(m)->hop_ms;
    if (now >= ready)
        return false;
    if (m->state != MS_HOP_SETTLE)
        machine_action_trace(m, FOTA_TRACE_INFO, "waiting for the module's boot lines to settle");
    machine_state_set(m, MS_HOP_SETTLE, machine_state_after(now, m->to.reboot_ms));
    m->t_aux = ready;
    return true;
}

void phase_transfer_start(machine_t *m, uint64_t now)
{
    m->upd.refusal_held = false;
    if (hop_settle(m, now))
        return;
    const fota_package_t *pkg = m->plan.chain[m->plan.hop];
    const machine_method_t *ops = current(m);
    m->pkg = pkg;
    /* From here on the module may change: a revision read before this hop (an
     * earlier hop's verify) no longer says what it runs. final_version is set again
     * only by a read after this hop (docs/database.md). */
    m->att.final_version[0] = '\0';
    /* What a reboot without the update would show again (phase_update_booted). */
    snprintf(m->upd.hop_from, sizeof m->upd.hop_from, "%s", m->ident.revision);
    m->upd.percent = -1;
    m->upd.end_seen = false;
    m->upd.retry_pending = false;
    free(m->method_state);
    m->method_state = calloc(1, ops->state_size ? ops->state_size : 1);
    if (!m->method_state) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    machine_action_trace(m, FOTA_TRACE_INFO, "hop %d/%d: %s -> %s with %s (%s)",
                         m->plan.hop + 1, m->plan.n_hops, pkg->from ? pkg->from : m->ident.revision,
                         pkg->to ? pkg->to : m->target->to, method_common_package_name(pkg),
                         fota_method_name(m->method));
    if (ops->streams && !m->transfer_held) {
        /* max_transfers: the station lets only so many modules stream at once. */
        machine_state_set(m, MS_WAIT_TRANSFER, UINT64_MAX);
        /* Queueing for a token is the station's time: the total pauses. */
        if (m->t_total != UINT64_MAX) {
            m->total_left = m->t_total > now ? m->t_total - now : 1;
            m->t_total = UINT64_MAX;
        }
        machine_action_transfer_begin(m);
        return;
    }
    fota_machine_next(m, OUTCOME_GRANTED, now);
}

static bool is_error(const fota_at_response_t *r)
{
    return r->final == FOTA_AT_FINAL_ERROR || r->final == FOTA_AT_FINAL_CME_ERROR ||
           r->final == FOTA_AT_FINAL_CMS_ERROR;
}

/* A module that has just appeared (hot-plugged, powered up with the line) answers
 * AT and ATI at once but refuses FOTA commands with ERROR until its boot is over;
 * its boot lines (RDY, +CPIN, +QUSIM, +CFUN, +QIND: SMS DONE / PB DONE) show it.
 * Such a refusal is waited out like a chain's next hop (quiet.hop after the last
 * boot line, and never sooner than quiet.hop after the refusal, so a module that
 * prints nothing more is not asked in a tight loop), at most boot_refusals times
 * per hop. A refusal counts as "while booting" when a boot line arrived within
 * quiet.give_up before it or arrives within quiet.give_up after it (the station's
 * probe may have read the first ones before this visit began). A refusal without
 * one is the module's answer and stays the FAIL it was, quiet.give_up later. */
static void boot_wait(machine_t *m, uint64_t now)
{
    const fota_quiet_t *q = machine_state_quiet(m);
    m->upd.boot_refusals++;
    machine_action_trace(m, FOTA_TRACE_INFO,
                         "%s while the module boots: again once its boot lines are quiet "
                         "(%d of %d)",
                         m->upd.held_text, m->upd.boot_refusals, m->profile->boot_refusals);
    uint64_t from = m->upd.last_boot_ms > now ? m->upd.last_boot_ms : now;
    m->t_aux = machine_state_after(from, q->hop_ms);
}

bool phase_transfer_boot_refused(machine_t *m, const char *what, const char *verb,
                                 fota_error_class_t cls, const fota_at_response_t *r,
                                 uint64_t now)
{
    const fota_quiet_t *q = machine_state_quiet(m);
    if (!is_error(r) || !m->profile)
        return false;
    if (m->upd.refusals_hop != m->plan.hop) {
        m->upd.refusals_hop = m->plan.hop;
        m->upd.boot_refusals = 0;
    }
    if (m->upd.boot_refusals >= m->profile->boot_refusals)
        return false;
    bool booting = m->upd.last_boot_ms && now <= m->upd.last_boot_ms + q->give_up_ms;
    if (!booting && cls == FOTA_ERR_NONE)
        return false;
    snprintf(m->upd.held_text, sizeof m->upd.held_text, "%s %s: %s", what, verb, r->final_text);
    m->upd.held_cls = cls;
    m->upd.held_code = r->code > 0 ? r->code : 0;
    machine_cmd_cancel(m);
    machine_action_transfer_end(m); /* nothing flows while it boots: the token goes back */
    machine_state_set(m, MS_HOP_SETTLE, machine_state_after(now, m->to.reboot_ms));
    m->upd.refusal_held = !booting;
    if (booting)
        boot_wait(m, now);
    else
        m->t_aux = machine_state_after(now, q->give_up_ms); /* a boot line may follow */
    return true;
}

void phase_transfer_begin(machine_t *m, uint64_t now)
{
    current(m)->begin(m, now);
}

bool phase_transfer_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    if (m->state == MS_HOP_SETTLE) {
        if (u->phase != FOTA_PHASE_BOOT)
            return true;
        if (m->upd.refusal_held) { /* the refusal came while it booted after all */
            m->upd.refusal_held = false;
            boot_wait(m, now);
            return true;
        }
        /* still booting: wait on from this line */
        m->t_aux = machine_state_after(now, machine_state_quiet(m)->hop_ms);
        return true;
    }
    if (m->state == MS_WAIT_TRANSFER || !current(m)->urc)
        return true; /* boot noise while preparing */
    return current(m)->urc(m, u, line, now);
}

void phase_transfer_sent(machine_t *m, uint64_t now)
{
    if (m->state != MS_WAIT_TRANSFER && m->state != MS_HOP_SETTLE && current(m)->sent)
        current(m)->sent(m, now);
}

void phase_transfer_ack(machine_t *m, uint64_t now)
{
    if (m->state != MS_WAIT_TRANSFER && m->state != MS_HOP_SETTLE && current(m)->ack)
        current(m)->ack(m, now);
}

void phase_transfer_timer(machine_t *m, uint64_t now)
{
    if (m->state == MS_HOP_SETTLE) {
        m->t_aux = UINT64_MAX;
        if (m->upd.refusal_held) { /* no boot line came: the module meant it */
            m->upd.refusal_held = false;
            machine_finish_fail(m, m->upd.held_cls, m->upd.held_code, now, "%s",
                                m->upd.held_text);
            return;
        }
        phase_transfer_start(m, now);
        return;
    }
    if (m->state != MS_WAIT_TRANSFER && current(m)->timer)
        current(m)->timer(m, now);
}

void phase_transfer_timeout(machine_t *m, uint64_t now)
{
    machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "transfer not finished within %u s",
                        m->to.download_ms / 1000);
}

/* A transfer cannot ride out a lost port: the token goes back; once the port is
 * back the module is read again and the plan goes on from its revision. */
void phase_transfer_port_gone(machine_t *m, uint64_t now)
{
    m->upd.refusal_held = false; /* the hop starts over once the port is back */
    fota_machine_next(m, OUTCOME_PORT_LOST, now);
}
