/* method_stream: EC200T's AT+QFOTADL="FILE:<length>" (Quectel EC200T&UC200T FOTA
 * User Guide, §3.3).
 *   flow control first (AT+QCFG="usbifc",2,2 on the USB AT port) and RTS/CTS on
 *   the host; AT+QFOTADL="FILE:<n>"; OK; +QIND: "FOTA","FILESTART"; the package
 *   bytes; +QIND: "FOTA","FILEEND",<file_err>; then START/UPDATING/END.
 * Without flow control the host must pace itself: 15 kB/s for NOR flash and at
 * least 32 bytes per write (same guide, §3.3); the machine's deadline does the
 * pacing. */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef enum { SS_FLOW, SS_CMD, SS_WAIT_START, SS_DATA, SS_WAIT_END } stream_step_t;

typedef struct {
    stream_step_t step;
    size_t off;                     /* bytes handed to SEND so far */
    bool awaiting_sent;             /* the station has not written the last block */
    uint64_t start_ms;              /* FILESTART: the pacing clock */
    int percent;                    /* last progress reported */
} stream_t;

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now);

static stream_t *st(machine_t *m)
{
    return m->method_state;
}

static void step_cmd(machine_t *m, uint64_t now)
{
    char len[32];
    snprintf(len, sizeof len, "%zu", m->pkg->size);
    char *cmd = method_common_command(m->mp->command, len); /* the loader requires it */
    if (!cmd) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    st(m)->step = SS_CMD;
    machine_cmd_send(m, cmd, NULL, on_reply, NULL, now);
    free(cmd);
}

static void method_stream_begin(machine_t *m, uint64_t now)
{
    machine_state_set(m, MS_STREAM, machine_state_after(now, m->to.download_ms));
    st(m)->off = 0;
    st(m)->percent = -1;
    const char *flow = method_common_flow_command(m->mp);
    if (flow) {
        st(m)->step = SS_FLOW;
        machine_cmd_send(m, flow, NULL, on_reply, NULL, now);
        return;
    }
    step_cmd(m, now);
}

static size_t paced_block(machine_t *m)
{
    if (m->flow_on)
        return FOTA_MACHINE_FLOW_BLOCK;
    /* A tenth of a second's worth, never under the module's minimum write. */
    size_t b = m->mp->rate_limit_bps ? m->mp->rate_limit_bps / 10 : 1024;
    if (b < m->mp->min_write)
        b = m->mp->min_write;
    return b ? b : 1;
}

static void send_next(machine_t *m)
{
    stream_t *s = st(m);
    size_t left = m->pkg->size - s->off;
    size_t b = paced_block(m);
    /* Never leave a tail shorter than the module's minimum write: send it now. */
    if (b > left || left - b < m->mp->min_write)
        b = left;
    s->awaiting_sent = true;
    machine_action_send_data(m, m->pkg->data + s->off, b);
    s->off += b;
    method_common_progress(m, "streaming", s->off, &s->percent);
}

static void method_stream_sent(machine_t *m, uint64_t now)
{
    stream_t *s = st(m);
    if (!s->awaiting_sent)
        return;
    s->awaiting_sent = false;
    if (s->step != SS_DATA)
        return;
    if (s->off >= m->pkg->size) {
        /* All bytes are out: the token is free; FILEEND tells how the module took it. */
        s->step = SS_WAIT_END;
        machine_action_trace(m, FOTA_TRACE_INFO, "all %zu bytes written", m->pkg->size);
        machine_action_transfer_end(m);
        return;
    }
    if (!m->flow_on && m->mp->rate_limit_bps) {
        uint64_t due = s->start_ms + (uint64_t)s->off * 1000u / m->mp->rate_limit_bps;
        if (due > now) {
            m->t_aux = due;
            return;
        }
    }
    send_next(m);
}

/* The pacing deadline computed in method_stream_sent is due. */
static void method_stream_timer(machine_t *m, uint64_t now)
{
    (void)now;
    stream_t *s = st(m);
    if (s->step == SS_DATA && !s->awaiting_sent && s->off < m->pkg->size)
        send_next(m);
}

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now)
{
    (void)ctx;
    bool ok = r->final == FOTA_AT_FINAL_OK;
    switch (st(m)->step) {
    case SS_FLOW:
        if (ok) {
            machine_action_set_flow(m, true);
        } else if (phase_transfer_boot_refused(m, "flow control", "refused",
                                              m->mp->require_flow ? FOTA_ERR_REJECTED
                                                                  : FOTA_ERR_NONE,
                                              r, now)) {
            return; /* still booting: not a reason to stream slowly */
        } else if (m->mp->require_flow) {
            machine_finish_fail(m, FOTA_ERR_REJECTED, r->code > 0 ? r->code : 0, now,
                                "flow control refused: %s", r->final_text);
            return;
        } else {
            machine_action_trace(m, FOTA_TRACE_INFO,
                                 "flow control refused (%s): streaming at %u B/s",
                                 r->final_text, m->mp->rate_limit_bps);
        }
        step_cmd(m, now);
        return;
    case SS_CMD:
        if (ok) {
            st(m)->step = SS_WAIT_START;
            return;
        }
        if (phase_transfer_boot_refused(m, "AT+QFOTADL", "rejected", FOTA_ERR_REJECTED, r, now))
            return;
        machine_finish_fail(m, FOTA_ERR_REJECTED, r->code > 0 ? r->code : 0, now,
                            "AT+QFOTADL rejected: %s", r->final_text);
        return;
    default:
        return;
    }
}

/* "Wait for PC to send firmware package" (EC200T&UC200T FOTA User Guide, §3.3). */
static void file_start(machine_t *m, uint64_t now)
{
    stream_t *s = st(m);
    s->step = SS_DATA;
    s->start_ms = now;
    m->dl_start_ms = now;
    machine_action_progress(m, FOTA_PHASE_DL_START, 0, "streaming");
    if (m->flow_on)
        machine_action_trace(m, FOTA_TRACE_INFO, "streaming %zu bytes with hardware flow control",
                             m->pkg->size);
    else
        machine_action_trace(m, FOTA_TRACE_INFO, "streaming %zu bytes at %u B/s", m->pkg->size,
                             m->mp->rate_limit_bps);
    send_next(m);
}

static bool method_stream_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    (void)line;
    stream_t *s = st(m);
    switch (u->phase) {
    case FOTA_PHASE_DL_START:
        if (s->step == SS_WAIT_START || s->step == SS_CMD)
            file_start(m, now);
        return true;
    case FOTA_PHASE_DL_END: {
        m->t_aux = UINT64_MAX;
        int code = u->has_value ? (int)u->value : 0;
        if (code != 0) {
            machine_action_transfer_end(m);
            fota_table_id_t t = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_FILE;
            machine_finish_fail_code(m, t, code, FOTA_ERR_DOWNLOAD, now);
            return true;
        }
        method_common_delivered(m, now);
        return true;
    }
    case FOTA_PHASE_START:
    case FOTA_PHASE_UPDATING:
    case FOTA_PHASE_END:
        if (s->step == SS_WAIT_END || (s->step == SS_DATA && s->off >= m->pkg->size)) {
            /* FILEEND missed: the updater already runs; the update takes this URC */
            method_common_delivered(m, now);
            return false;
        }
        return true;
    default:
        return true;
    }
}

const machine_method_t method_stream = {
    .state_size = sizeof(stream_t),
    .streams = true,
    .begin = method_stream_begin,
    .response = on_reply,
    .urc = method_stream_urc,
    .sent = method_stream_sent,
    .timer = method_stream_timer,
};
