/* The machine's frame: the public API, the lifecycle and the AT chat glue.
 * Phases report an outcome to fota_machine_next(), whose one switch picks the
 * next phase (docs/machine.md draws it). Inputs reach the phase the current state
 * belongs to through the phase table below; a command's reply goes straight to the
 * callback that sent it (machine_cmd.c). */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines that are unsolicited before the profile is known (boot URCs and +QIND). */
static const char *const generic_urcs[] = {
    "+QIND:", "RDY", "+CPIN:", "+QUSIM:", "+CFUN:", NULL,
};

typedef enum { PH_NONE, PH_IDENTIFY, PH_DECIDE, PH_TRANSFER, PH_UPDATE, PH_PORT_LOST } phase_t;

static const phase_t phase_of[MS__COUNT] = {
    [MS_NEW] = PH_NONE,
    [MS_IDENT] = PH_IDENTIFY,
    [MS_WAIT_PROCEED] = PH_DECIDE,
    [MS_HOP_SETTLE] = PH_TRANSFER,
    [MS_WAIT_TRANSFER] = PH_TRANSFER,
    [MS_LOCAL] = PH_TRANSFER,
    [MS_UPLOAD] = PH_TRANSFER,
    [MS_STREAM] = PH_TRANSFER,
    [MS_QFUA] = PH_TRANSFER,
    [MS_QFAW] = PH_TRANSFER,
    [MS_TRANSFER] = PH_TRANSFER,
    [MS_FOTA_CMD] = PH_UPDATE,
    [MS_DOWNLOAD] = PH_UPDATE,
    [MS_REBOOT_DL] = PH_UPDATE,
    [MS_UPDATE] = PH_UPDATE,
    [MS_RETRY_REBOOT] = PH_UPDATE,
    [MS_DONE_REBOOT] = PH_UPDATE,
    [MS_PORT_LOST] = PH_PORT_LOST,
    [MS_FINISHED] = PH_NONE,
};

/* ---- the port-lost phase: small enough to live in the frame -------------------- */

static void port_lost_wait(machine_t *m, uint64_t now)
{
    machine_action_transfer_end(m); /* outside a FOTA phase the token goes back */
    m->t_aux = UINT64_MAX;
    machine_state_set(m, MS_PORT_LOST, machine_state_after(now, m->to.reboot_ms));
}

static void port_lost_back(machine_t *m, uint64_t now)
{
    fota_machine_next(m, OUTCOME_PORT_BACK, now);
}

static void port_lost_timeout(machine_t *m, uint64_t now)
{
    machine_finish_fail(m, FOTA_ERR_PORT, 0, now,
                        "port vanished and did not come back within %u s",
                        m->to.reboot_ms / 1000);
}

/* What each phase does with an input; NULL: nothing. */
typedef struct {
    bool (*urc)(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now);
    void (*timeout)(machine_t *m, uint64_t now);   /* t_state ran out */
    void (*timer)(machine_t *m, uint64_t now);     /* t_aux ran out */
    void (*port_gone)(machine_t *m, uint64_t now);
    void (*port_back)(machine_t *m, uint64_t now);
    void (*sent)(machine_t *m, uint64_t now);
    void (*ack)(machine_t *m, uint64_t now);
} phase_ops_t;

static const phase_ops_t phases[] = {
    [PH_NONE] = {0},
    [PH_IDENTIFY] = {.urc = phase_identify_urc, .port_gone = phase_identify_port_gone},
    [PH_DECIDE] = {0}, /* a port gone meanwhile: GO waits for it (phase_plan_go) */
    [PH_TRANSFER] = {.urc = phase_transfer_urc, .timeout = phase_transfer_timeout,
                     .timer = phase_transfer_timer, .port_gone = phase_transfer_port_gone,
                     .sent = phase_transfer_sent, .ack = phase_transfer_ack},
    [PH_UPDATE] = {.urc = phase_update_urc, .timeout = phase_update_timeout,
                   .timer = phase_update_timer, .port_gone = phase_update_port_gone,
                   .port_back = phase_update_port_back},
    [PH_PORT_LOST] = {.timeout = port_lost_timeout, .port_back = port_lost_back},
};

static const phase_ops_t *phase_ops(const machine_t *m)
{
    return &phases[phase_of[m->state]];
}

/* ---- the lifecycle ---------------------------------------------------------------- */

void fota_machine_next(machine_t *m, machine_outcome_t o, uint64_t now)
{
    if (m->state == MS_FINISHED)
        return;
    switch (o) {
    case OUTCOME_IDENTIFIED: phase_plan_decide(m, now); return;
    case OUTCOME_GO: phase_plan_go(m, now); return;
    case OUTCOME_RECOVERED: phase_plan_recover(m, now); return;
    case OUTCOME_HOP: phase_transfer_start(m, now); return;
    case OUTCOME_GRANTED: phase_transfer_begin(m, now); return;
    case OUTCOME_TAKE_OVER: phase_update_command(m, now); return;
    case OUTCOME_DELIVERED: phase_update_delivered(m, now); return;
    case OUTCOME_RESTARTED: phase_identify_start(m, PROBE_VERIFY, true, now); return;
    case OUTCOME_GAVE_UP: phase_identify_start(m, PROBE_GIVEUP, true, now); return;
    case OUTCOME_BOOTED: phase_identify_start(m, PROBE_BOOTED, true, now); return;
    case OUTCOME_REBOOTING:
        if (m->ident.purpose == PROBE_BOOTED)
            phase_update_rewait(m, now);
        else
            phase_update_wait_reboot(
                m, m->ident.purpose == PROBE_VERIFY ? MS_DONE_REBOOT : MS_RETRY_REBOOT, now);
        return;
    case OUTCOME_RETRYING:
        if (m->ident.purpose == PROBE_BOOTED)
            phase_update_rewait(m, now);
        else
            phase_update_retrying(m, now);
        return;
    case OUTCOME_READ_BACK:
        if (m->ident.purpose == PROBE_BOOTED)
            phase_update_booted(m, now);
        else
            phase_plan_judge(m, now);
        return;
    case OUTCOME_VERIFIED: phase_plan_next_hop(m, now); return;
    case OUTCOME_PORT_LOST: port_lost_wait(m, now); return;
    case OUTCOME_PORT_BACK:
        phase_identify_start(m, m->decided ? PROBE_RECOVER : PROBE_INITIAL, true, now);
        return;
    }
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- chat callbacks (they fire inside an input: its now_ms is m->now) ---------- */

static void cb_write(void *ctx, const uint8_t *data, size_t len)
{
    machine_action_send_copy(ctx, data, len);
}

static void cb_response(void *ctx, const fota_at_response_t *r)
{
    machine_t *m = ctx;
    machine_cmd_on_response(m, r, m->now);
}

static const fota_profile_t *urc_profile(machine_t *m)
{
    return m->profile ? m->profile : m->cfg.profile_hint;
}

static bool cb_is_urc(void *ctx, const char *line)
{
    machine_t *m = ctx;
    const fota_profile_t *p = urc_profile(m);
    if (p)
        return fota_urc_is_unsolicited(p, line);
    const fota_profile_set_t *s = m->cfg.profiles;
    for (size_t i = 0; s && i < s->n; i++)
        if (fota_urc_is_unsolicited(s->v[i], line))
            return true;
    return false;
}

/* A URC goes to the current phase; one that hands over to the next phase (the
 * package delivered, a retry starting) is offered to that phase as well. */
/* Before ATI named the model (and without a USB hint) a line is a boot line when
 * any profile says so: a module that has just appeared prints them while it is
 * identified, and a FOTA command it refuses then is waited out (phase_transfer). */
static bool any_profile_boot_line(const machine_t *m, const char *line)
{
    const fota_profile_set_t *s = m->cfg.profiles;
    fota_urc_t u;
    for (size_t i = 0; s && i < s->n; i++)
        if (fota_urc_parse(s->v[i], line, &u) == 0 && u.phase == FOTA_PHASE_BOOT)
            return true;
    return false;
}

static void cb_urc(void *ctx, const char *line)
{
    machine_t *m = ctx;
    const fota_profile_t *p = urc_profile(m);
    fota_urc_t u;
    if (!p && any_profile_boot_line(m, line)) {
        m->upd.last_boot_ms = m->now;
        return;
    }
    if (!p || fota_urc_parse(p, line, &u) != 0)
        return; /* unknown URC: traced by the chat, no meaning to us */
    if (u.phase == FOTA_PHASE_BOOT)
        m->upd.last_boot_ms = m->now; /* the next hop waits for these to settle */
    for (int handovers = 0; handovers < 3 && m->state != MS_FINISHED; handovers++) {
        machine_state_t before = m->state;
        const phase_ops_t *ph = phase_ops(m);
        if (!ph->urc || ph->urc(m, &u, line, m->now) || m->state == before)
            return;
    }
}

static void cb_ack(void *ctx)
{
    machine_t *m = ctx;
    if (phase_ops(m)->ack)
        phase_ops(m)->ack(m, m->now);
}

static void cb_trace(void *ctx, fota_trace_dir_t dir, const char *text)
{
    machine_t *m = ctx;
    /* AT+QFAW carries up to 450 hex digits per command (Quectel's FOTA application
     * note for its GSM/GPRS modules, §2.3.2): the events table keeps the command's
     * head and its size, not the whole package again. */
    size_t n = strlen(text);
    if (n > 160 && phase_of[m->state] == PH_TRANSFER &&
        phase_transfer_method(m->method)->long_commands) {
        machine_action_trace(m, dir, "%.40s... (%zu chars)", text, n);
        return;
    }
    machine_action_trace(m, dir, "%s", text);
}

/* ---- public API --------------------------------------------------------------- */

fota_machine_t *fota_machine_new(const fota_machine_config_t *cfg)
{
    if (!cfg || !cfg->profiles || !cfg->job)
        return NULL;
    machine_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = *cfg;
    /* The action queue exists from the start, so its reserve for FINISH does too. */
    m->queue.cap = 16;
    m->queue.v = malloc(m->queue.cap * sizeof *m->queue.v);
    fota_at_chat_cbs_t cbs = {
        .ctx = m, .write = cb_write, .response = cb_response,
        .urc = cb_urc, .ack = cb_ack, .trace = cb_trace,
    };
    m->chat = m->queue.v ? fota_at_chat_new(&cbs, generic_urcs, cb_is_urc) : NULL;
    if (!m->chat) {
        free(m->queue.v);
        free(m);
        return NULL;
    }
    machine_state_timeouts(m, cfg->profile_hint); /* the USB hint's until ATI names the model */
    m->state = MS_NEW;
    m->t_state = m->t_aux = m->t_total = UINT64_MAX;
    m->upd.percent = -1;
    m->att.result = FOTA_RESULT_INTERRUPTED;
    machine_guard_init(m);
    return m;
}

void fota_machine_free(fota_machine_t *m)
{
    if (!m)
        return;
    fota_at_chat_free(m->chat);
    machine_action_free(m);
    machine_cmd_free(m);
    free(m->method_state);
    free(m->upd.arg);
    free(m);
}

/* Every input starts here: popped buffers are freed, the time is kept for the
 * chat callbacks. */
static void enter(machine_t *m, uint64_t now)
{
    machine_action_enter(m);
    m->now = now;
}

void fota_machine_start(fota_machine_t *m, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state != MS_NEW)
        return;
    m->started_ms = now_ms;
    m->port_present = true;
    /* The total timeout runs from GO: time spent waiting for the station's limits
     * (max_parallel, max_transfers) is the station's, not the module's. */
    phase_identify_start(m, PROBE_INITIAL, false, now_ms);
}

void fota_machine_feed(fota_machine_t *m, const uint8_t *data, size_t n, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW || !m->port_present)
        return;
    machine_guard_rx(m, n, now_ms);
    if (m->state == MS_FINISHED)
        return;
    fota_at_chat_feed(m->chat, data, n, now_ms);
}

void fota_machine_tick(fota_machine_t *m, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW)
        return;
    if (m->port_present)
        fota_at_chat_tick(m->chat, now_ms);
    if (m->state == MS_FINISHED)
        return;
    if (now_ms >= m->t_total) {
        machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now_ms, "total timeout (%u s) in %s",
                            m->to.total_ms / 1000, machine_state_label(m->state));
        return;
    }
    if (now_ms >= m->t_aux) {
        m->t_aux = UINT64_MAX;
        if (machine_cmd_waiting(m))
            machine_cmd_quiet_over(m, now_ms);
        else if (m->port_present && phase_ops(m)->timer)
            phase_ops(m)->timer(m, now_ms);
    }
    if (m->state == MS_FINISHED)
        return;
    if (now_ms >= m->t_state) {
        m->t_state = UINT64_MAX;
        if (phase_ops(m)->timeout)
            phase_ops(m)->timeout(m, now_ms);
    }
}

void fota_machine_port_gone(fota_machine_t *m, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW)
        return;
    bool was = m->port_present;
    m->port_present = false;
    m->cmd.resync = RESYNC_NONE;
    m->t_aux = UINT64_MAX;
    fota_at_chat_reset(m->chat);
    fota_at_chat_set_ack_mode(m->chat, false);
    if (was)
        machine_action_trace(m, FOTA_TRACE_INFO, "port gone in %s",
                             machine_state_label(m->state));
    if (phase_ops(m)->port_gone)
        phase_ops(m)->port_gone(m, now_ms);
}

void fota_machine_port_back(fota_machine_t *m, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW || m->port_present)
        return;
    m->port_present = true;
    fota_at_chat_reset(m->chat); /* a rebooted module echoes again */
    machine_action_trace(m, FOTA_TRACE_INFO, "port back in %s", machine_state_label(m->state));
    if (phase_ops(m)->port_back)
        phase_ops(m)->port_back(m, now_ms);
}

void fota_machine_sent(fota_machine_t *m, uint64_t now_ms)
{
    enter(m, now_ms);
    if (phase_ops(m)->sent)
        phase_ops(m)->sent(m, now_ms);
}

void fota_machine_proceed(fota_machine_t *m, fota_decision_t d, const char *reason, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state != MS_WAIT_PROCEED)
        return;
    if (d == FOTA_SKIP) {
        snprintf(m->att.error_text, sizeof m->att.error_text, "%s", reason ? reason : "skipped");
        machine_action_trace(m, FOTA_TRACE_INFO, "station: skip (%s)", m->att.error_text);
        machine_finish_result(m, FOTA_RESULT_SKIP, now_ms);
        return;
    }
    if (d == FOTA_REFUSE_IMEI) {
        machine_finish_fail(m, FOTA_ERR_IMEI, 0, now_ms, "%s", reason ? reason : "IMEI refused");
        return;
    }
    m->decided = true;
    if (fota_machine_plan_final(m))
        m->waiting = false; /* never queued: the station's own moment is no queue */
    fota_machine_next(m, OUTCOME_GO, now_ms);
}

void fota_machine_transfer_granted(fota_machine_t *m, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state != MS_WAIT_TRANSFER) {
        /* Asked before the port vanished (or finished since): give it back at once. */
        fota_action_t a = {.kind = FOTA_ACT_TRANSFER_END};
        machine_action_emit(m, &a, NULL, 0);
        return;
    }
    m->transfer_held = true;
    if (m->total_left)
        m->t_total = now_ms + m->total_left; /* the total resumes */
    m->total_left = 0;
    fota_machine_next(m, OUTCOME_GRANTED, now_ms);
}

void fota_machine_abort(fota_machine_t *m, const char *reason, uint64_t now_ms)
{
    enter(m, now_ms);
    if (m->state == MS_FINISHED)
        return;
    if (m->state == MS_NEW)
        m->started_ms = now_ms;
    snprintf(m->att.error_text, sizeof m->att.error_text, "%s", reason ? reason : "aborted");
    machine_action_trace(m, FOTA_TRACE_INFO, "station: abort (%s)", m->att.error_text);
    machine_finish_result(m, FOTA_RESULT_INTERRUPTED, now_ms);
}

uint64_t fota_machine_deadline(const fota_machine_t *m)
{
    if (m->state == MS_FINISHED || m->state == MS_NEW)
        return UINT64_MAX;
    uint64_t d = min64(m->t_state, min64(m->t_aux, m->t_total));
    if (m->port_present)
        d = min64(d, fota_at_chat_deadline(m->chat));
    return d;
}

bool fota_machine_finished(const fota_machine_t *m)
{
    return m->state == MS_FINISHED;
}

bool fota_machine_plan_final(const fota_machine_t *m)
{
    return m->state == MS_WAIT_PROCEED && (m->plan.cls != FOTA_ERR_NONE || m->plan.noop);
}

const fota_attempt_t *fota_machine_attempt(const fota_machine_t *m)
{
    return &m->att;
}

const char *fota_machine_state_name(const fota_machine_t *m)
{
    return machine_state_label(m->state);
}

/* An action was lost for want of memory: the visit cannot go on as the module
 * expects (a command or a data block may be missing), so it ends now as a FAIL of
 * the station's own, never left hanging (FINISH has a reserved queue slot). */
bool fota_machine_next_action(fota_machine_t *m, fota_action_t *out)
{
    if (machine_action_lost(m) && m->state != MS_FINISHED)
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, m->now, "out of memory");
    return machine_action_pop(m, out);
}
