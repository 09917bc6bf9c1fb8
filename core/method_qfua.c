/* method_qfua: legacy GSM delta FOTA over the AT port in data mode, with hardware
 * flow control (Quectel's FOTA application note for its GSM/GPRS modules,
 * §2.3.1): flow command, AT+QFUA, OK, then a separate CONNECT line, the raw
 * package, guard time, "+++", guard time; the module then prints text lines
 * ("Update  percent = 7%", "... success. status=0"). */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { QU_FLOW, QU_INIT, QU_CONNECT, QU_DATA, QU_GUARD1, QU_GUARD2 } qfua_step_t;

typedef struct {
    qfua_step_t step;
    size_t off;                     /* bytes handed to SEND so far */
    bool awaiting_sent;             /* the station has not written the last block */
    bool delivered;                 /* "+++" sent: the module's text lines may follow */
    int percent;                    /* last progress reported */
} qfua_t;

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now);

static qfua_t *st(machine_t *m)
{
    return m->method_state;
}

static bool method_qfua_precheck(machine_t *m, const fota_package_t *pkg, char *why, size_t n)
{
    (void)pkg;
    if (m->mp->require_flow && !method_common_flow_command(m->mp)) {
        snprintf(why, n, "%s needs flow control for qfua but names no command",
                 m->profile->family);
        return false;
    }
    return true;
}

static void qfua_cmd(machine_t *m, uint64_t now)
{
    st(m)->step = QU_INIT;
    machine_cmd_send(m, m->mp->command, NULL, on_reply, NULL, now); /* loader requires it */
}

static void method_qfua_begin(machine_t *m, uint64_t now)
{
    machine_state_set(m, MS_QFUA, machine_state_after(now, m->to.download_ms));
    st(m)->percent = -1;
    m->dl_start_ms = now;
    const char *flow = method_common_flow_command(m->mp);
    if (flow) {
        st(m)->step = QU_FLOW;
        machine_cmd_send(m, flow, NULL, on_reply, NULL, now);
        return;
    }
    qfua_cmd(m, now);
}

static void send_block(machine_t *m)
{
    qfua_t *s = st(m);
    size_t left = m->pkg->size - s->off;
    size_t b = left < FOTA_MACHINE_FLOW_BLOCK ? left : FOTA_MACHINE_FLOW_BLOCK;
    s->awaiting_sent = true;
    machine_action_send_data(m, m->pkg->data + s->off, b);
    s->off += b;
    method_common_progress(m, "sending", s->off, &s->percent);
}

static void method_qfua_sent(machine_t *m, uint64_t now)
{
    qfua_t *s = st(m);
    if (!s->awaiting_sent)
        return;
    s->awaiting_sent = false;
    if (s->step != QU_DATA)
        return;
    if (s->off < m->pkg->size) {
        send_block(m);
        return;
    }
    /* Silence before "+++" so the module does not take it for data (the
     * profile's guard_ms; 0 is a configured value: no guard). */
    machine_action_trace(m, FOTA_TRACE_INFO, "all %zu bytes written", m->pkg->size);
    s->step = QU_GUARD1;
    m->t_aux = machine_state_after(now, m->mp->guard_ms);
}

static void method_qfua_timer(machine_t *m, uint64_t now)
{
    qfua_t *s = st(m);
    if (s->step == QU_GUARD1) {
        static const char esc[] = "+++";
        machine_action_send_copy(m, esc, 3);
        machine_action_trace(m, FOTA_TRACE_TX, "+++");
        s->delivered = true; /* text lines may start during the guard time */
        s->step = QU_GUARD2;
        m->t_aux = machine_state_after(now, m->mp->guard_ms);
        return;
    }
    if (s->step == QU_GUARD2)
        method_common_delivered(m, now);
}

static void connected(machine_t *m)
{
    st(m)->step = QU_DATA;
    machine_action_trace(m, FOTA_TRACE_INFO, "sending %zu bytes in data mode", m->pkg->size);
    send_block(m);
}

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now)
{
    (void)ctx;
    bool ok = r->final == FOTA_AT_FINAL_OK;
    int code = r->code > 0 ? r->code : 0;
    switch (st(m)->step) {
    case QU_FLOW:
        if (!ok) {
            if (phase_transfer_boot_refused(m, "flow control", "refused", FOTA_ERR_REJECTED, r, now))
                return;
            machine_finish_fail(m, FOTA_ERR_REJECTED, code, now, "flow control refused: %s",
                                r->final_text);
            return;
        }
        machine_action_set_flow(m, true);
        qfua_cmd(m, now);
        return;
    case QU_INIT:
        if (r->final == FOTA_AT_FINAL_CONNECT) {
            connected(m); /* CONNECT without the OK first: the same thing */
            return;
        }
        if (!ok) {
            if (phase_transfer_boot_refused(m, "AT+QFUA", "rejected", FOTA_ERR_REJECTED, r, now))
                return;
            machine_finish_fail(m, FOTA_ERR_REJECTED, code, now, "AT+QFUA rejected: %s",
                                r->final_text);
            return;
        }
        /* OK, then a separate CONNECT line (GSM/GPRS FOTA note, §2.3.1) */
        st(m)->step = QU_CONNECT;
        machine_cmd_wait(m, NULL, m->to.command_ms, on_reply, NULL, now);
        return;
    case QU_CONNECT:
        if (r->final != FOTA_AT_FINAL_CONNECT) {
            machine_finish_fail(m, FOTA_ERR_REJECTED, code, now, "no CONNECT after AT+QFUA: %s",
                                r->final_text[0] ? r->final_text : "timeout");
            return;
        }
        connected(m);
        return;
    default:
        return;
    }
}

/* Text lines start once "+++" went out: the package is on the module and the
 * update takes the line. Before that they are noise. */
static bool method_qfua_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    (void)u;
    (void)line;
    if (!st(m)->delivered)
        return true;
    method_common_delivered(m, now);
    return false;
}

const machine_method_t method_qfua = {
    .state_size = sizeof(qfua_t),
    .precheck = method_qfua_precheck,
    .streams = true,
    .begin = method_qfua_begin,
    .response = on_reply,
    .urc = method_qfua_urc,
    .sent = method_qfua_sent,
    .timer = method_qfua_timer,
};
