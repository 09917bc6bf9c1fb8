/* Data mode: AT+QFUPL uploads, EC200T's FILE:<len> stream (EC200T FOTA guide §3.3) and the
 * legacy AT+QFUA raw stream ended by "+++" after a guard time (GSM FOTA note §2.3.1). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void data_timeout_cb(uv_timer_t *t);

static void arm_timeout(sim_module_t *m)
{
    double s;
    if (m->mode == SIM_MODE_QFUPL)
        s = m->upl_timeout_s * 1000; /* the station's own <timeout>: real seconds */
    else if (m->mode == SIM_MODE_FILE)
        /* Real seconds, not scaled by --speed: the silence it measures is the
         * host's (a loaded station PC pausing its writes), not the module's. */
        s = m->t.data_timeout_s * 1000;
    else
        return;
    uv_timer_start(&m->t_data, data_timeout_cb, (uint64_t)s, 0);
}

void sim_data_begin(sim_module_t *m, sim_mode_t mode, size_t want)
{
    m->mode = mode;
    m->data.len = 0;
    m->data_want = want;
    m->data_got = 0;
    m->data_lost = 0;
    m->plus_count = 0;
    m->idle_since_ns = uv_hrtime();
    m->tokens_ns = 0; /* a full bucket: the module's receive buffer is empty */
    arm_timeout(m);
    sim_port_reading(m);
}

static void qfupl_finish(sim_module_t *m)
{
    uv_timer_stop(&m->t_data);
    m->mode = SIM_MODE_CMD;
    uint16_t ck = sim_qfupl_checksum(m->data.p, m->data.len);
    size_t len = m->data.len;
    uint8_t *p = m->data.p;
    m->data.p = NULL;
    m->data.len = m->data.cap = 0;
    sim_log(m, "QFUPL %s %zu bytes (lost %zu) checksum %x", m->upl_name, len, m->data_lost, ck);
    if (sim_file_store(m, m->upl_name, p, len) != 0) {
        sim_at_cme(m, 413);
        return;
    }
    sim_line(m, "+QFUPL: %zu,%x", len, ck); /* lowercase hex, no padding, as real modules print it */
    sim_at_final(m, "OK");
    sim_port_reading(m);
}

static void file_finish(sim_module_t *m, int complete)
{
    uv_timer_stop(&m->t_data);
    m->mode = SIM_MODE_BUSY;
    uint8_t *p = m->data.p;
    size_t len = m->data.len;
    m->data.p = NULL;
    m->data.len = m->data.cap = 0;
    sim_log(m, "FILE stream %zu/%zu bytes (lost %zu)", len, m->data_want, m->data_lost);
    sim_fota_stream_done(m, p, len, complete);
    sim_port_reading(m);
}

static void data_timeout_cb(uv_timer_t *t)
{
    sim_module_t *m = t->data;
    if (m->mode == SIM_MODE_QFUPL)
        qfupl_finish(m); /* reports the bytes that did arrive: the station sees the mismatch */
    else if (m->mode == SIM_MODE_FILE)
        file_finish(m, 0);
    else if (m->mode == SIM_MODE_QFUA && m->plus_count == 3) {
        /* "+++" followed by a guard time of silence: leave data mode */
        m->mode = SIM_MODE_BUSY;
        uint8_t *p = m->data.p;
        size_t len = m->data.len;
        m->data.p = NULL;
        m->data.len = m->data.cap = 0;
        sim_log(m, "QFUA %zu bytes (lost %zu)", len, m->data_lost);
        sim_fota_legacy_start(m, p, len);
        sim_port_reading(m);
    }
}

static uint64_t guard_ns(const sim_module_t *m)
{
    uint64_t ms = sim_ms(m, m->t.guard_s);
    if (ms < 20)
        ms = 20;
    return ms * 1000000u;
}

static void qfua_input(sim_module_t *m, const uint8_t *p, size_t n)
{
    uint64_t now = uv_hrtime();
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        int silent_before = i == 0 && now - m->idle_since_ns >= guard_ns(m);
        if (b == '+' && m->plus_count < 3 && (m->plus_count > 0 || silent_before)) {
            m->plus_count++;
            continue;
        }
        if (m->plus_count > 0) { /* it was data after all */
            sim_buf_add(&m->data, "+++", (size_t)m->plus_count);
            m->plus_count = 0;
        }
        sim_buf_add(&m->data, &b, 1);
    }
    m->idle_since_ns = now;
    if (m->plus_count == 3)
        uv_timer_start(&m->t_data, data_timeout_cb, guard_ns(m) / 1000000u, 0);
    else
        uv_timer_stop(&m->t_data);
}

void sim_data_input(sim_module_t *m, const uint8_t *p, size_t n)
{
    if (m->mode == SIM_MODE_QFUA) {
        qfua_input(m, p, n);
        return;
    }
    size_t take = m->data_want - m->data_got;
    if (take > n)
        take = n;
    size_t before = m->data_got;
    sim_buf_add(&m->data, p, take);
    m->data_got += take;
    if (m->mode == SIM_MODE_QFUPL && m->ack_mode) {
        /* ack mode: one 'A' per 1024 bytes received (fwupd's DFOTA upload) */
        for (size_t k = before / 1024 + 1; k <= m->data_got / 1024; k++)
            sim_out(m, "A", 1);
    }
    if (m->data_got < m->data_want) {
        arm_timeout(m);
        return;
    }
    if (m->mode == SIM_MODE_QFUPL)
        qfupl_finish(m);
    else
        file_finish(m, 1);
    if (take < n && m->mode == SIM_MODE_CMD)
        sim_at_input(m, p + take, n - take);
}
