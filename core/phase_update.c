/* phase_update_*: from AT+QFOTADL to the restarted module. "Accepted" and "done"
 * are different states: OK only means accepted; the download, the reboot, the
 * update and the reboot after it each have their own timeout.
 *
 *   FOTA_CMD --OK--> DOWNLOAD --FTPEND,0--> REBOOT_DL --first URC--> UPDATE
 *   UPDATE --END,0--> DONE_REBOOT --boot, quiet--> RESTARTED (identify: verify)
 *   UPDATE --END,52x--> RETRY_REBOOT --START--> UPDATE  (the module retries itself,
 *            Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4)
 *                                    --boot, no START--> GAVE_UP (identify: old revision = FAIL)
 * The USB AT port can come up too late to see START: a first UPDATING or even a
 * bare END after a reboot is accepted (docs/machine.md). */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_update_phase(fota_phase_t p)
{
    return p == FOTA_PHASE_START || p == FOTA_PHASE_UPDATING || p == FOTA_PHASE_RESTORE ||
           p == FOTA_PHASE_END || p == FOTA_PHASE_RESUME;
}

static void on_fota_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now);

/* The module takes over: AT+QFOTADL="<upd.arg>" (url, local). */
void phase_update_command(machine_t *m, uint64_t now)
{
    char *cmd = method_common_command(m->mp->command, m->upd.arg); /* loader requires it */
    if (!cmd) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    machine_state_set(m, MS_FOTA_CMD, UINT64_MAX);
    machine_cmd_send(m, cmd, NULL, on_fota_reply, NULL, now);
    free(cmd);
}

/* Download (or upload) over: wait for the updater, through a reboot if the family
 * reboots between download and update (Quectel RG50xQ&RM5xxQ Series FOTA
 * Application Note, §3.3.1; Quectel EG06xK&Ex120K&EM060K Series DFOTA Application
 * Note, §3.3.1.1). */
void phase_update_delivered(machine_t *m, uint64_t now)
{
    if (m->dl_start_ms) {
        m->att.download_ms += (int64_t)(now - m->dl_start_ms);
        m->dl_start_ms = 0;
    }
    m->upd.percent = -1;
    m->upd.first_urc_wait = true;
    m->upd.rebooted = false;
    machine_action_progress(m, FOTA_PHASE_DL_END, 100, "package on the module");
    if (m->mp->reboot_after_download) {
        /* The port is left open: EG06xK checks the package before it reboots and
         * may still print END,505 here (EG06xK DFOTA Application Note, §3). The
         * drop comes as port_gone(). */
        machine_state_set(m, MS_REBOOT_DL, machine_state_after(now, m->to.reboot_ms));
        return;
    }
    machine_state_set(m, MS_UPDATE, machine_state_after(now, m->to.reboot_ms));
}

static void on_fota_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now)
{
    (void)ctx;
    switch (r->final) {
    case FOTA_AT_FINAL_OK:
        machine_action_trace(m, FOTA_TRACE_INFO, "AT+QFOTADL accepted");
        if (phase_transfer_method(m->method)->module_downloads) {
            m->dl_start_ms = now;
            machine_state_set(m, MS_DOWNLOAD, machine_state_after(now, m->to.download_ms));
            machine_action_progress(m, FOTA_PHASE_DL_START, 0, "module downloading");
            return;
        }
        /* The package is already on the module (local); the port drops right after
         * OK (RG50xQ FOTA Application Note, §3.3.3; EG06xK DFOTA Application Note,
         * §3.3.1.3) */
        phase_update_delivered(m, now);
        return;
    case FOTA_AT_FINAL_ERROR:
    case FOTA_AT_FINAL_CME_ERROR:
    case FOTA_AT_FINAL_CMS_ERROR:
        if (phase_transfer_boot_refused(m, "AT+QFOTADL", "rejected", FOTA_ERR_REJECTED, r, now))
            return;
        machine_finish_fail(m, FOTA_ERR_REJECTED, r->code > 0 ? r->code : 0, now,
                            "AT+QFOTADL rejected: %s", r->final_text);
        return;
    default:
        machine_finish_fail(m, FOTA_ERR_PROTOCOL, 0, now, "unexpected answer to AT+QFOTADL: %s",
                            r->final_text);
        return;
    }
}

static void restarted(machine_t *m, machine_outcome_t o, uint64_t now)
{
    m->t_aux = UINT64_MAX;
    fota_machine_next(m, o, now);
}

/* A USB module's tty re-enumerates when it reboots; a UART module (no USB
 * identity in its profile: the GSM/GPRS modules of Quectel's FOTA application
 * note for them) reboots behind a port that stays open. */
static bool port_drops(machine_t *m, bool reboots)
{
    return reboots && m->profile->usb_vendor != 0;
}

static bool count_retry(machine_t *m, uint64_t now)
{
    if (!m->upd.retry_pending)
        return true;
    m->upd.retry_pending = false;
    m->att.module_retries++;
    int limit = m->profile->module_retries;
    machine_action_trace(m, FOTA_TRACE_INFO, "module retry %d of %d after END,%d",
                         m->att.module_retries, limit, m->upd.last_code);
    if (limit >= 0 && m->att.module_retries > limit) {
        /* The notes promise five; a module looping beyond is not going to finish. */
        machine_finish_fail(m, m->upd.last_cls, m->upd.last_code, now,
                            "%s (module retried more than %d times)", m->upd.last_text, limit);
        return false;
    }
    return true;
}

static void on_end(machine_t *m, const fota_urc_t *u, uint64_t now)
{
    if (m->upd.upd_start_ms) {
        m->att.update_ms += (int64_t)(now - m->upd.upd_start_ms);
        m->upd.upd_start_ms = 0;
    }
    int code = u->has_value ? (int)u->value : 0;
    m->upd.end_seen = true;
    if (code == 0) {
        machine_action_progress(m, FOTA_PHASE_END, 100, "update done, module restarting");
        /* Ask nothing before a USB module's port went away and came back: the
         * old firmware may still answer. A UART module reboots behind its port:
         * it is asked once its boot lines appear (reboot_urc); this later probe
         * only covers a module that prints none. */
        m->t_aux = port_drops(m, m->mp->reboot_after_end)
                       ? UINT64_MAX
                       : machine_state_after(now, machine_state_quiet(m)->give_up_ms);
        machine_state_set(m, MS_DONE_REBOOT, machine_state_after(now, m->to.reboot_ms));
        return;
    }
    fota_table_id_t table = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_ERR;
    const fota_error_entry_t *e = fota_profile_lookup_error(m->profile, table, code);
    if (e && e->cls == FOTA_ERR_TRANSIENT) {
        /* 520–530, 540–546, 502: the module reboots and retries by itself, up to
         * five times (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4, Quectel
         * EG06xK&Ex120K&EM060K Series DFOTA Application Note, §3). */
        m->upd.last_code = code;
        m->upd.last_cls = e->cls;
        snprintf(m->upd.last_text, sizeof m->upd.last_text, "%s", e->meaning ? e->meaning : "");
        m->upd.retry_pending = true;
        machine_action_progress(m, FOTA_PHASE_END, m->upd.percent,
                                "module error %d, module retries", code);
        m->t_aux = UINT64_MAX;
        machine_state_set(m, MS_RETRY_REBOOT, machine_state_after(now, m->to.reboot_ms));
        return;
    }
    machine_finish_fail_code(m, table, code, FOTA_ERR_FATAL, now);
}

/* START / UPDATING / RESTORE / RESUME / END while updating. */
static void update_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    if (m->state != MS_UPDATE)
        machine_state_set(m, MS_UPDATE, machine_state_after(now, m->to.stall_ms));
    m->upd.first_urc_wait = false;
    m->t_aux = UINT64_MAX;
    if (u->phase != FOTA_PHASE_RESUME && !count_retry(m, now))
        return;
    if (!m->upd.upd_start_ms && u->phase != FOTA_PHASE_END)
        m->upd.upd_start_ms = now;
    int v = u->has_value ? (int)u->value : -1;
    switch (u->phase) {
    case FOTA_PHASE_START:
        m->upd.percent = 0;
        m->t_state = machine_state_after(now, m->to.stall_ms);
        machine_action_progress(m, FOTA_PHASE_START, 0, "updating%s",
                                m->att.module_retries ? " (module retry)" : "");
        return;
    case FOTA_PHASE_UPDATING:
    case FOTA_PHASE_RESTORE:
        /* Only a change of percent is progress: the stall timer keeps running
         * through repeats of the same value. */
        if (v != m->upd.percent || m->upd.last_phase != u->phase) {
            m->upd.percent = v;
            m->upd.last_phase = u->phase;
            m->t_state = machine_state_after(now, m->to.stall_ms);
            machine_action_progress(
                m, u->phase, v, u->phase == FOTA_PHASE_RESTORE ? "restoring %d%%" : "updating %d%%",
                v);
        }
        return;
    case FOTA_PHASE_RESUME:
        /* "Last upgrade was not finished,continue upgrade": after a power loss,
         * not a module retry (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4 note). */
        machine_action_trace(m, FOTA_TRACE_INFO, "module resumes an interrupted update");
        m->t_state = machine_state_after(now, m->to.stall_ms);
        return;
    case FOTA_PHASE_END:
        on_end(m, u, now);
        return;
    default:
        (void)line;
        return;
    }
}

/* The module fetches the package itself (url) or took AT+QFOTADL (local). */
static void download_urc(machine_t *m, const fota_urc_t *u, uint64_t now)
{
    switch (u->phase) {
    case FOTA_PHASE_DL_START:
        machine_action_progress(m, FOTA_PHASE_DL_START, 0, "downloading (%s)", u->name);
        return;
    case FOTA_PHASE_DL_PROGRESS:
        machine_action_progress(m, FOTA_PHASE_DL_PROGRESS, u->has_value ? (int)u->value : -1,
                                "downloading %ld%%", u->has_value ? u->value : 0L);
        return;
    case FOTA_PHASE_DL_END:
        if (u->has_value && u->value != 0) {
            fota_table_id_t t = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_FTP;
            machine_finish_fail_code(m, t, (int)u->value, FOTA_ERR_DOWNLOAD, now);
            return;
        }
        phase_update_delivered(m, now);
        return;
    default:
        return;
    }
}

/* The legacy GSM modules say it in words ("the error message will be reported
 * ... firmware will keep unchanged", Quectel's FOTA application note for its
 * GSM/GPRS modules, §2.3). */
static void failed_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    if (u->has_value) {
        fota_table_id_t t = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_ERR;
        const fota_error_entry_t *e = fota_profile_lookup_error(m->profile, t, (int)u->value);
        if (e && e->meaning && e->cls != FOTA_ERR_NONE) {
            machine_finish_fail(m, e->cls, (int)u->value, now, "%s", e->meaning);
            return;
        }
    }
    machine_finish_fail(m, FOTA_ERR_PACKAGE, u->has_value ? (int)u->value : 0, now,
                        "module rejected the package: %s", line);
}

/* Waiting for the updater's first URC after a reboot (into the updater, or a power
 * cut mid-update) on a module that has rebooted since the package was delivered: a
 * USB module's port came back; a UART module reboots behind its open port. Before
 * that the old firmware is still up, and a late boot line of its own boot means
 * nothing. */
static bool awaiting_updater(const machine_t *m)
{
    if (!m->port_present || !m->upd.first_urc_wait)
        return false;
    if (m->state != MS_REBOOT_DL && m->state != MS_UPDATE)
        return false;
    return m->upd.rebooted || m->profile->usb_vendor == 0;
}

/* Boot lines and "Rebooting....": the quiet windows before the module is read. */
static void reboot_urc(machine_t *m, const fota_urc_t *u, uint64_t now)
{
    const fota_quiet_t *q = machine_state_quiet(m);
    if (u->phase == FOTA_PHASE_BOOT) {
        if (m->state == MS_RETRY_REBOOT && m->port_present)
            m->t_aux = machine_state_after(now, q->give_up_ms);
        else if (m->state == MS_DONE_REBOOT && m->port_present)
            m->t_aux = machine_state_after(now, q->boot_ms);
        else if (awaiting_updater(m))
            /* A module that boots its firmware instead of the updater (the power was
             * cut before the update took): once its boot lines are quiet it is read
             * at once, not after the whole reboot timeout. The updater's URCs may
             * still follow its boot lines: one cancels the read (phase_identify). */
            m->t_aux = machine_state_after(now, q->hop_ms);
        return;
    }
    /* GSM/GPRS note: "Finish data downloading, rebooting...." before the update,
     * and "Rebooting...." after "update success": the old firmware is still
     * running then, so "Rebooting...." arms nothing; the boot lines after it do. */
    if (m->state == MS_UPDATE && !m->upd.end_seen)
        m->t_state = machine_state_after(now, m->to.reboot_ms);
}

bool phase_update_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    if (m->state == MS_FOTA_CMD) {
        /* A download URC before OK was read: it was accepted. */
        if (u->phase != FOTA_PHASE_DL_START && u->phase != FOTA_PHASE_DL_PROGRESS &&
            u->phase != FOTA_PHASE_DL_END)
            return true;
        machine_cmd_cancel(m);
        m->dl_start_ms = now;
        machine_state_set(m, MS_DOWNLOAD, machine_state_after(now, m->to.download_ms));
    }
    if (u->phase == FOTA_PHASE_RESTORE && m->state == MS_RETRY_REBOOT) {
        /* After its last failed try the module restores the original firmware
         * (EG06xK DFOTA Application Note, §3) and then boots it: no retry; the
         * give-up check follows. */
        int v = u->has_value ? (int)u->value : -1;
        machine_action_progress(m, FOTA_PHASE_RESTORE, v, "restoring the original firmware %d%%",
                                v);
        m->t_aux = UINT64_MAX;
        m->t_state = machine_state_after(now, m->to.stall_ms);
        return true;
    }
    switch (u->phase) {
    case FOTA_PHASE_DL_START:
    case FOTA_PHASE_DL_PROGRESS:
    case FOTA_PHASE_DL_END:
        if (m->state == MS_DOWNLOAD)
            download_urc(m, u, now);
        return true;
    case FOTA_PHASE_BOOT:
    case FOTA_PHASE_REBOOTING:
        reboot_urc(m, u, now);
        return true;
    case FOTA_PHASE_FAILED:
        failed_urc(m, u, line, now);
        return true;
    default:
        break;
    }
    if (!is_update_phase(u->phase) || m->state == MS_DONE_REBOOT)
        return true; /* update done; stray lines before the restart */
    if (m->state == MS_DOWNLOAD)
        phase_update_delivered(m, now); /* missed FTPEND: the updater already runs */
    update_urc(m, u, line, now);
    return true;
}

void phase_update_wait_reboot(machine_t *m, machine_state_t s, uint64_t now)
{
    m->t_aux = UINT64_MAX;
    machine_state_set(m, s, machine_state_after(now, m->to.reboot_ms));
}

/* Read after a transient END, the module starts its retry after all (the URC
 * that said so follows): restoring is not a retry, the rest is the update's. */
void phase_update_retrying(machine_t *m, uint64_t now)
{
    machine_state_set(m, MS_RETRY_REBOOT, machine_state_after(now, m->to.stall_ms));
}

void phase_update_port_gone(machine_t *m, uint64_t now)
{
    switch (m->state) {
    case MS_FOTA_CMD:
        if (!phase_transfer_method(m->method)->module_downloads &&
            m->mp->reboot_after_download) {
            /* The OK and the drop race: a module holding the package (local)
             * drops the port right after OK. Treat it as accepted. */
            machine_action_trace(m, FOTA_TRACE_INFO,
                                 "port dropped after AT+QFOTADL: taken as accepted");
            phase_update_delivered(m, now);
            machine_state_set(m, MS_REBOOT_DL, machine_state_after(now, m->to.reboot_ms));
            return;
        }
        break;
    case MS_DOWNLOAD:
        if (m->mp->reboot_after_download) {
            phase_update_delivered(m, now); /* FTPEND,0 was lost with the port */
            return;
        }
        break;
    case MS_UPDATE:
        /* Power loss or a reboot mid-update: the module resumes (RG50xQ FOTA
         * Application Note, §4, note). */
        m->upd.first_urc_wait = true;
        m->upd.rebooted = false;
        phase_update_wait_reboot(m, MS_UPDATE, now);
        return;
    default:
        phase_update_wait_reboot(m, m->state, now);
        return;
    }
    fota_machine_next(m, OUTCOME_PORT_LOST, now);
}

void phase_update_port_back(machine_t *m, uint64_t now)
{
    switch (m->state) {
    case MS_REBOOT_DL:
    case MS_UPDATE:
        /* The first URC is due within the reboot timeout (RG50xQ FOTA Application
         * Note, §3.3.1). */
        m->t_state = machine_state_after(now, m->to.reboot_ms);
        m->upd.rebooted = true;
        return;
    case MS_RETRY_REBOOT:
        m->t_state = machine_state_after(now, m->to.reboot_ms);
        m->t_aux = UINT64_MAX;
        return;
    case MS_DONE_REBOOT:
        m->t_state = machine_state_after(now, m->to.reboot_ms);
        m->t_aux = machine_state_after(now, machine_state_quiet(m)->boot_ms);
        return;
    default:
        return;
    }
}

static void update_timeout(machine_t *m, uint64_t now)
{
    unsigned rs = m->to.reboot_ms / 1000;
    if (!m->port_present)
        machine_finish_fail(m, FOTA_ERR_PORT, 0, now,
                            "port vanished during the update and did not come back within %u s",
                            rs);
    else if (m->upd.first_urc_wait)
        machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no FOTA URC within %u s", rs);
    else
        machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "stalled at %d%%",
                            m->upd.percent < 0 ? 0 : m->upd.percent);
}

void phase_update_timeout(machine_t *m, uint64_t now)
{
    unsigned rs = m->to.reboot_ms / 1000;
    switch (m->state) {
    case MS_DOWNLOAD:
        machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "download not finished within %u s",
                            m->to.download_ms / 1000);
        return;
    case MS_REBOOT_DL:
        if (!m->port_present)
            machine_finish_fail(m, FOTA_ERR_PORT, 0, now,
                                "port did not come back within %u s of the reboot", rs);
        else
            machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now,
                                "no FOTA URC within %u s after the reboot", rs);
        return;
    case MS_UPDATE:
        update_timeout(m, now);
        return;
    case MS_RETRY_REBOOT:
        if (!m->port_present) {
            machine_finish_fail(m, FOTA_ERR_PORT, m->upd.last_code, now,
                                "port did not come back within %u s after END,%d", rs,
                                m->upd.last_code);
            return;
        }
        restarted(m, OUTCOME_GAVE_UP, now); /* silent module: ask it what it runs */
        return;
    case MS_DONE_REBOOT:
        if (!m->port_present) {
            machine_finish_fail(m, FOTA_ERR_PORT, 0, now,
                                "port did not come back within %u s after the update", rs);
            return;
        }
        restarted(m, OUTCOME_RESTARTED, now);
        return;
    default:
        return;
    }
}

void phase_update_timer(machine_t *m, uint64_t now)
{
    if (m->state == MS_DONE_REBOOT) {
        restarted(m, OUTCOME_RESTARTED, now);
    } else if (m->state == MS_RETRY_REBOOT) {
        /* Boot URCs and no START: the module gave up and booted normally (RG50xQ
         * FOTA Application Note, §4). */
        restarted(m, OUTCOME_GAVE_UP, now);
    } else if (awaiting_updater(m)) {
        machine_action_trace(m, FOTA_TRACE_INFO,
                             "the module booted (boot lines, no FOTA URC): reading what it runs");
        m->upd.boot_wait = m->state;
        restarted(m, OUTCOME_BOOTED, now);
    }
}

/* Read after a normal boot where the updater was awaited. The hop's target: the
 * update took after all (URCs missed), the plan verifies it. The revision the hop
 * started from: the update never took (the power was cut before the module took
 * it; no profile knows a rule to resume from there), a FAIL that says so. Anything
 * else is the plan's verify FAIL. Another IMEI was a FAIL swapped already. */
void phase_update_booted(machine_t *m, uint64_t now)
{
    if (!fota_revision_equal(m->ident.revision, m->upd.hop_from)) {
        phase_plan_judge(m, now);
        return;
    }
    snprintf(m->att.final_version, sizeof m->att.final_version, "%s", m->ident.revision);
    machine_finish_fail(m, FOTA_ERR_PORT, 0, now,
                        "module rebooted on its old firmware %s without updating",
                        m->ident.revision);
}

/* The read after a boot was cut: the port dropped again (the module reboots into
 * its updater after all) or an updater URC came (it takes the URC next). */
void phase_update_rewait(machine_t *m, uint64_t now)
{
    m->t_aux = UINT64_MAX;
    m->upd.first_urc_wait = true;
    m->upd.rebooted = m->port_present;
    machine_state_set(m, m->upd.boot_wait, machine_state_after(now, m->to.reboot_ms));
}
