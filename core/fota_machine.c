/* The machine's frame: public API, timers and the AT chat glue. The action queue
 * is machine_actions.c, the command runner machine_cmd.c, and what each state
 * does lives in the other machine_*.c files. */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines that are unsolicited before the profile is known (boot URCs and +QIND). */
static const char *const generic_urcs[] = {
    "+QIND:", "RDY", "+CPIN:", "+QUSIM:", "+CFUN:", NULL,
};

static const char *const state_names[] = {
    [MS_NEW] = "new",
    [MS_IDENT] = "identify",
    [MS_WAIT_PROCEED] = "wait-proceed",
    [MS_WAIT_TRANSFER] = "wait-transfer",
    [MS_LOCAL] = "local-prepare",
    [MS_UPLOAD] = "upload",
    [MS_STREAM] = "stream",
    [MS_QFUA] = "qfua",
    [MS_QFAW] = "qfaw",
    [MS_FOTA_CMD] = "fota-command",
    [MS_DOWNLOAD] = "download",
    [MS_REBOOT_DL] = "reboot-after-download",
    [MS_UPDATE] = "update",
    [MS_RETRY_REBOOT] = "module-retry",
    [MS_DONE_REBOOT] = "reboot-after-update",
    [MS_PORT_LOST] = "port-lost",
    [MS_FINISHED] = "finished",
};

const char *m_state_name(machine_state_t s)
{
    return (unsigned)s < sizeof state_names / sizeof *state_names ? state_names[s] : "?";
}

uint64_t m_after(uint64_t now, unsigned ms)
{
    return now + (uint64_t)ms;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- chat callbacks --------------------------------------------------------- */

/* The chat callbacks carry no time: the current input's now_ms is kept here. */
static uint64_t cur_now(machine_t *m);
static void set_now(machine_t *m, uint64_t now);

static void cb_write(void *ctx, const uint8_t *data, size_t len)
{
    machine_t *m = ctx;
    m_send_copy(m, data, len);
}

static void cb_response(void *ctx, const fota_at_response_t *r)
{
    machine_t *m = ctx;
    m_on_response(m, r, cur_now(m));
}

static const fota_profile_t *urc_profile(machine_t *m)
{
    if (m->profile)
        return m->profile;
    return m->cfg.profile_hint;
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

static void cb_urc(void *ctx, const char *line)
{
    machine_t *m = ctx;
    uint64_t now = cur_now(m);
    if (m->state == MS_FINISHED)
        return;
    const fota_profile_t *p = urc_profile(m);
    fota_urc_t u;
    if (!p || fota_urc_parse(p, line, &u) != 0)
        return; /* unknown URC: traced by the chat, no meaning to us */
    if (m->state == MS_STREAM)
        mst_urc(m, &u, now);
    else
        mu_urc(m, &u, line, now);
}

static void cb_ack(void *ctx)
{
    machine_t *m = ctx;
    if (m->state == MS_UPLOAD)
        ml_ack(m, cur_now(m));
}

static void cb_trace(void *ctx, fota_trace_dir_t dir, const char *text)
{
    machine_t *m = ctx;
    /* AT+QFAW carries up to 450 hex digits per command (004 §2.3.2): the events
     * table keeps the command's head and its size, not the whole package again. */
    size_t n = strlen(text);
    if (n > 160 && m->state == MS_QFAW) {
        m_trace(m, dir, "%.40s... (%zu chars)", text, n);
        return;
    }
    m_trace(m, dir, "%s", text);
}

/* now_ms of the input being processed (the callbacks fire inside it). */
static uint64_t cur_now(machine_t *m)
{
    return m->now;
}

static void set_now(machine_t *m, uint64_t now)
{
    m->now = now;
}

/* ---- public API --------------------------------------------------------------- */

static void effective_timeouts(machine_t *m, const fota_profile_t *p)
{
    const fota_timeouts_t *o = m->cfg.timeouts_override;
    if (!o && m->cfg.job)
        o = &m->cfg.job->timeouts;
    m->to = fota_timeouts_effective(p, o);
}


/* The profile's quiet windows; the built-in ones before ATI chose a profile. */
const fota_quiet_t *m_quiet(const machine_t *m)
{
    static const fota_quiet_t dflt = {FOTA_QUIET_BOOT_DEFAULT_MS, FOTA_QUIET_RESYNC_DEFAULT_MS,
                                      FOTA_QUIET_GIVE_UP_DEFAULT_MS};
    const fota_profile_t *p = m->profile ? m->profile : m->cfg.profile_hint;
    return p ? &p->quiet : &dflt;
}

void m_use_profile(machine_t *m, const fota_profile_t *p)
{
    m->profile = p;
    effective_timeouts(m, p);
}

fota_machine_t *fota_machine_new(const fota_machine_config_t *cfg)
{
    if (!cfg || !cfg->profiles || !cfg->job)
        return NULL;
    machine_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = *cfg;
    /* The action queue exists from the start, so its reserve for FINISH does too. */
    m->qcap = 16;
    m->q = malloc(m->qcap * sizeof *m->q);
    if (!m->q) {
        free(m);
        return NULL;
    }
    fota_at_chat_cbs_t cbs = {
        .ctx = m,
        .write = cb_write,
        .response = cb_response,
        .urc = cb_urc,
        .ack = cb_ack,
        .trace = cb_trace,
    };
    m->chat = fota_at_chat_new(&cbs, generic_urcs, cb_is_urc);
    if (!m->chat) {
        free(m->q);
        free(m);
        return NULL;
    }
    effective_timeouts(m, cfg->profile_hint);
    m->state = MS_NEW;
    m->t_state = m->t_aux = m->t_total = UINT64_MAX;
    m->percent = -1;
    m->att.result = FOTA_RESULT_INTERRUPTED;
    return m;
}

void fota_machine_free(fota_machine_t *m)
{
    if (!m)
        return;
    fota_at_chat_free(m->chat);
    for (size_t i = m->qhead; i < m->qlen; i++)
        free(m->q[i].owned);
    m_hold_release(m);
    free(m->hold);
    free(m->q);
    free(m->cmd);
    free(m->cmd_prefix);
    free(m);
}

void fota_machine_start(fota_machine_t *m, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state != MS_NEW)
        return;
    m->started_ms = now_ms;
    m->port_present = true;
    /* The total timeout runs from GO: time spent waiting for the station's limits
     * (max_parallel, max_transfers) is the station's, not the module's. */
    mi_start(m, PROBE_INITIAL, false, now_ms);
}

void fota_machine_feed(fota_machine_t *m, const uint8_t *data, size_t n, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW || !m->port_present)
        return;
    fota_at_chat_feed(m->chat, data, n, now_ms);
}

void fota_machine_tick(fota_machine_t *m, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW)
        return;
    if (m->port_present)
        fota_at_chat_tick(m->chat, now_ms);
    if (m->state == MS_FINISHED)
        return;
    if (now_ms >= m->t_total) {
        mf_fail(m, FOTA_ERR_TIMEOUT, 0, now_ms, "total timeout (%u s) in %s",
                m->to.total_ms / 1000, m_state_name(m->state));
        return;
    }
    if (now_ms >= m->t_aux) {
        m->t_aux = UINT64_MAX;
        if (m->resync == RESYNC_QUIET)
            m_resync_done(m, now_ms);
        else if (m->state == MS_STREAM)
            mst_aux(m, now_ms);
        else if (m->state == MS_QFUA)
            mlg_aux(m, now_ms);
        else
            mu_aux(m, now_ms);
    }
    if (m->state == MS_FINISHED)
        return;
    if (now_ms >= m->t_state) {
        m->t_state = UINT64_MAX;
        mu_state_timeout(m, now_ms);
    }
}

void fota_machine_port_gone(fota_machine_t *m, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW)
        return;
    bool was = m->port_present;
    m->port_present = false;
    m->awaiting_sent = false;
    m->awaiting_ack = false;
    m->resync = RESYNC_NONE;
    m->t_aux = UINT64_MAX;
    fota_at_chat_reset(m->chat);
    fota_at_chat_set_ack_mode(m->chat, false);
    if (was)
        m_trace(m, FOTA_TRACE_INFO, "port gone in %s", m_state_name(m->state));
    mu_port_gone(m, now_ms);
}

void fota_machine_port_back(fota_machine_t *m, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state == MS_FINISHED || m->state == MS_NEW || m->port_present)
        return;
    m->port_present = true;
    fota_at_chat_reset(m->chat); /* a rebooted module echoes again */
    m_trace(m, FOTA_TRACE_INFO, "port back in %s", m_state_name(m->state));
    mu_port_back(m, now_ms);
}

void fota_machine_sent(fota_machine_t *m, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state == MS_FINISHED || !m->awaiting_sent)
        return;
    m->awaiting_sent = false;
    switch (m->state) {
    case MS_UPLOAD: ml_sent(m, now_ms); break;
    case MS_STREAM: mst_sent(m, now_ms); break;
    case MS_QFUA: mlg_sent(m, now_ms); break;
    default: break;
    }
}

void fota_machine_proceed(fota_machine_t *m, fota_decision_t d, const char *reason, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state != MS_WAIT_PROCEED)
        return;
    if (d == FOTA_SKIP) {
        snprintf(m->att.error_text, sizeof m->att.error_text, "%s", reason ? reason : "skipped");
        m_trace(m, FOTA_TRACE_INFO, "station: skip (%s)", m->att.error_text);
        mf_finish(m, FOTA_RESULT_SKIP, now_ms);
        return;
    }
    m->decided = true;
    mp_go(m, now_ms);
}

void fota_machine_transfer_granted(fota_machine_t *m, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state != MS_WAIT_TRANSFER) {
        /* Asked before the port vanished (or finished since): give it back at once. */
        fota_action_t a = {.kind = FOTA_ACT_TRANSFER_END};
        m_emit(m, &a, NULL, 0);
        return;
    }
    m->transfer_held = true;
    if (m->total_left)
        m->t_total = m_after(now_ms, 0) + m->total_left; /* the total resumes */
    m->total_left = 0;
    mp_method_begin(m, now_ms);
}

void fota_machine_abort(fota_machine_t *m, const char *reason, uint64_t now_ms)
{
    m_enter(m);
    set_now(m, now_ms);
    if (m->state == MS_FINISHED)
        return;
    if (m->state == MS_NEW)
        m->started_ms = now_ms;
    snprintf(m->att.error_text, sizeof m->att.error_text, "%s", reason ? reason : "aborted");
    m_trace(m, FOTA_TRACE_INFO, "station: abort (%s)", m->att.error_text);
    mf_finish(m, FOTA_RESULT_INTERRUPTED, now_ms);
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

const fota_attempt_t *fota_machine_attempt(const fota_machine_t *m)
{
    return &m->att;
}

const char *fota_machine_state_name(const fota_machine_t *m)
{
    return m_state_name(m->state);
}
