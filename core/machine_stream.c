/* method stream: EC200T's AT+QFOTADL="FILE:<length>" (003 §3.3).
 *   flow control first (AT+QCFG="usbifc",2,2 on the USB AT port) and RTS/CTS on
 *   the host; AT+QFOTADL="FILE:<n>"; OK; +QIND: "FOTA","FILESTART"; the package
 *   bytes; +QIND: "FOTA","FILEEND",<file_err>; then START/UPDATING/END.
 * Without flow control the host must pace itself: 15 kB/s for NOR flash and at
 * least 32 bytes per write (003 §3.3); the machine's deadline does the pacing. */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>

enum { SS_FLOW, SS_CMD, SS_WAIT_START, SS_DATA, SS_WAIT_END };

static void step_cmd(machine_t *m, uint64_t now)
{
    char len[32];
    snprintf(len, sizeof len, "%zu", m->pkg->size);
    char *cmd = mp_command(m->mp->command ? m->mp->command : "AT+QFOTADL=\"FILE:{arg}\"", len);
    if (!cmd) {
        mf_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    m->step = SS_CMD;
    m_cmd(m, cmd, NULL, now);
    free(cmd);
}

void mst_begin(machine_t *m, uint64_t now)
{
    m_set_state(m, MS_STREAM, m_after(now, m->to.download_ms));
    m->off = 0;
    m->xfer_percent = -1;
    if (mp_flow_command(m->mp)) {
        m->step = SS_FLOW;
        m_cmd(m, mp_flow_command(m->mp), NULL, now);
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
    size_t left = m->pkg->size - m->off;
    size_t b = paced_block(m);
    /* Never leave a tail shorter than the module's minimum write: send it now. */
    if (b > left || left - b < m->mp->min_write)
        b = left;
    m->block = b;
    m->awaiting_sent = true;
    m_send_data(m, m->pkg->data + m->off, b);
    m->off += b;
    int pct = (int)(m->off * 100 / m->pkg->size);
    if (pct / 5 != m->xfer_percent / 5 || m->off == m->pkg->size) {
        m->xfer_percent = pct;
        m_progress(m, FOTA_PHASE_DL_PROGRESS, pct, "streaming %zu/%zu KiB", m->off / 1024,
                   m->pkg->size / 1024);
    }
}

void mst_sent(machine_t *m, uint64_t now)
{
    if (m->step != SS_DATA)
        return;
    if (m->off >= m->pkg->size) {
        /* All bytes are out: the token is free; FILEEND tells how the module took it. */
        m->step = SS_WAIT_END;
        m_trace(m, FOTA_TRACE_INFO, "all %zu bytes written", m->pkg->size);
        m_transfer_end(m);
        return;
    }
    if (!m->flow_on && m->mp->rate_limit_bps) {
        uint64_t due = m->xfer_start_ms + (uint64_t)m->off * 1000u / m->mp->rate_limit_bps;
        if (due > now) {
            m->t_aux = due;
            return;
        }
    }
    send_next(m);
}

void mst_aux(machine_t *m, uint64_t now)
{
    (void)now; /* the pacing deadline that brought us here was computed in mst_sent */
    if (m->step == SS_DATA && !m->awaiting_sent && m->off < m->pkg->size)
        send_next(m);
}

void mst_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    bool ok = r->final == FOTA_AT_FINAL_OK;
    switch (m->step) {
    case SS_FLOW:
        if (ok) {
            m_set_flow(m, true);
        } else if (m->mp->require_flow) {
            mf_fail(m, FOTA_ERR_REJECTED, r->code > 0 ? r->code : 0, now,
                    "flow control refused: %s", r->final_text);
            return;
        } else {
            m_trace(m, FOTA_TRACE_INFO, "flow control refused (%s): streaming at %u B/s",
                    r->final_text, m->mp->rate_limit_bps);
        }
        step_cmd(m, now);
        return;
    case SS_CMD:
        if (ok) {
            m->step = SS_WAIT_START;
            return;
        }
        mf_fail(m, FOTA_ERR_REJECTED, r->code > 0 ? r->code : 0, now, "AT+QFOTADL rejected: %s",
                r->final_text);
        return;
    default:
        return;
    }
}

void mst_urc(machine_t *m, const fota_urc_t *u, uint64_t now)
{
    switch (u->phase) {
    case FOTA_PHASE_DL_START:
        if (m->step == SS_WAIT_START || m->step == SS_CMD) {
            /* "Wait for PC to send firmware package" (003 §3.3 example) */
            m->step = SS_DATA;
            m->xfer_start_ms = now;
            m->dl_start_ms = now;
            m_progress(m, FOTA_PHASE_DL_START, 0, "streaming");
            if (m->flow_on)
                m_trace(m, FOTA_TRACE_INFO, "streaming %zu bytes with hardware flow control",
                        m->pkg->size);
            else
                m_trace(m, FOTA_TRACE_INFO, "streaming %zu bytes at %u B/s", m->pkg->size,
                        m->mp->rate_limit_bps);
            send_next(m);
        }
        return;
    case FOTA_PHASE_DL_END: {
        m_transfer_end(m);
        m->t_aux = UINT64_MAX;
        int code = u->has_value ? (int)u->value : 0;
        if (code != 0) {
            fota_table_id_t t = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_FILE;
            mf_fail_code(m, t, code, FOTA_ERR_DOWNLOAD, now);
            return;
        }
        mu_download_done(m, now);
        return;
    }
    case FOTA_PHASE_START:
    case FOTA_PHASE_UPDATING:
    case FOTA_PHASE_END:
        if (m->step == SS_WAIT_END || (m->step == SS_DATA && m->off >= m->pkg->size)) {
            /* FILEEND missed: the updater already runs */
            m_transfer_end(m);
            mu_download_done(m, now);
            mu_urc(m, u, u->name, now);
        }
        return;
    default:
        return;
    }
}
