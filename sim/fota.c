/* The module's side of FOTA: download, reboot into the updater, update with
 * progress, retry, restore, reboot back. One state per module, driven by its
 * t_step timer; all delays scale with --speed. */
#include "fota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>

static void step_cb(uv_timer_t *t);

void sim_fota_go(sim_module_t *m, int state, uint64_t ms)
{
    m->fs = state;
    uv_timer_start(&m->t_step, step_cb, ms, 0);
}

/* Before the port goes away, let the host read what was printed: a USB module's
 * last URC is in the host's buffer when the device disconnects, and a pty would
 * throw it away. Waits (real time, not scaled) until the sim's output is written
 * and the reader has taken it, at most 3 s; and keeps each port up at least
 * 100 ms so a host at --speed 1000 can still open it. */
static int if_must_wait(sim_if_t *i, uint64_t now, uint64_t drain_start)
{
    if (!i->port || i->role > SIM_ROLE_MODEM)
        return 0; /* DM and NMEA: nothing the host waits for */
    int queued = 0;
    ioctl(i->port->slave, FIONREAD, &queued);
    /* bytes written to the master reach the slave's queue asynchronously (the
     * tty flip buffer, a kernel worker), so FIONREAD is trusted only 100 ms after
     * the last write: 20 ms lost an FTPEND once on a machine loaded by four
     * parallel demo runs */
    return i->out.len > 0 || (!i->linked && !i->m->hidden) || now - i->port_up_ms < 100 || now - i->last_write_ms < 100 ||
           (queued > 0 && now - drain_start < 3000);
}

static int must_wait_drain(sim_module_t *m, int state)
{
    uv_update_time(m->sim->loop); /* the cached loop time may be stale under load */
    uint64_t now = uv_now(m->sim->loop);
    if (!m->drain_start_ms)
        m->drain_start_ms = now;
    int wait = 0;
    for (int k = 0; k < m->n_ifs && m->up; k++)
        wait |= if_must_wait(&m->ifs[k], now, m->drain_start_ms);
    if (wait) {
        sim_fota_go(m, state, 2);
        return 1;
    }
    m->drain_start_ms = 0;
    return 0;
}

/* A +QIND line in this family's spelling plus the scenario's variants. */
void sim_fota_urc(sim_module_t *m, const char *fmt, int value, int progress)
{
    if (!fmt)
        return;
    char a[256], b[320];
    /* templates hold one literal "%d" where the value goes */
    const char *d = strstr(fmt, "%d");
    if (d)
        snprintf(a, sizeof a, "%.*s%d%s", (int)(d - fmt), fmt, value, d + 2);
    else
        snprintf(a, sizeof a, "%s", fmt);
    if (progress && m->v.percent_sign)
        strncat(a, "%", sizeof a - strlen(a) - 1); /* some firmwares: "DOWNLOADING",57% */
    const char *src = a;
    if (m->spaced || m->v.comma_space) {
        size_t j = 0;
        int commas = 0;
        int all = m->spaced == 1 || m->v.comma_space;
        for (const char *c = a; *c && j < sizeof b - 2; c++) {
            b[j++] = *c;
            if (*c == ',' && c[1] != ' ' && (all || commas++ == 0))
                b[j++] = ' ';
        }
        b[j] = 0;
        src = b;
    }
    sim_log(m, "-> %s", src);
    sim_line(m, "%s", src);
}

const sim_urc_pair_t *sim_fota_dl_pair(const sim_module_t *m)
{
    switch (m->method) {
    case SIM_M_FTP: return &m->fam->ftp;
    case SIM_M_HTTPS: return m->v.https_urcs ? &m->fam->https : &m->fam->http;
    case SIM_M_HTTP: return &m->fam->http;
    default: return &m->fam->file;
    }
}

void sim_fota_free_pkg(sim_module_t *m)
{
    free(m->pkg);
    m->pkg = NULL;
    m->pkg_len = 0;
}

void sim_fota_idle(sim_module_t *m)
{
    sim_fota_free_pkg(m);
    m->fs = FS_IDLE;
    m->method = SIM_M_NONE;
    if (m->mode == SIM_MODE_BUSY)
        m->mode = SIM_MODE_CMD;
    sim_port_reading(m);
}

static int phase_at(sim_phase_t want, sim_phase_t phase, int at, int pct)
{
    return want == phase && pct >= at;
}
/* ---- the steps ----------------------------------------------------------- */

static void boot_urc(sim_module_t *m)
{
    static const char *const usb[] = {"RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1",
                                      "+QIND: SMS DONE", "+QIND: PB DONE", NULL};
    static const char *const uart[] = {"RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready", NULL};
    static const char *const no_sim[] = {"RDY", "+CPIN: NOT INSERTED", NULL};
    const char *const *list = !m->sim_card ? no_sim : m->fam->usb ? usb : uart;
    m->cur = m->at; /* boot URCs go to the AT port only */
    const char *l = list[m->boot_urc_i++];
    if (l)
        sim_line(m, "%s", l);
    if (!l || !list[m->boot_urc_i]) { /* the last one: booted, FOTA commands taken */
        sim_log(m, "booted %s", m->revision);
        m->busy_boot = 0;
        sim_fota_idle(m);
        return;
    }
    /* boot_busy_s: the lines spread over the whole busy time, the last one at its end */
    double gap = m->busy_boot ? m->f.boot_busy_s / 5 : m->t.boot_urc_s;
    sim_fota_go(m, FS_BOOT_URC, sim_ms(m, gap));
}

/* A module that has just been plugged in boots: with boot_busy_s its boot URCs
 * come late, spread over that time, and it refuses FOTA commands until the last
 * (sim_fota_booting); AT, ATI and AT+GSN are answered meanwhile. */
void sim_fota_power_up(sim_module_t *m)
{
    if (m->f.boot_busy_s <= 0)
        return;
    m->busy_boot = 1;
    m->boot_urc_i = 0;
    sim_log(m, "booting for %.1f s", m->f.boot_busy_s);
    sim_fota_go(m, FS_BOOT_URC, sim_ms(m, 0.2));
}

int sim_fota_booting(const sim_module_t *m)
{
    return m->fs == FS_BOOT_URC;
}

static void do_boot(sim_module_t *m)
{
    if (m->f.vanish_phase == SIM_PHASE_REBOOT && !m->boot_normal) {
        m->gone = 1; /* the port never comes back */
        m->fs = FS_GONE;
        sim_log(m, "vanished during reboot");
        return;
    }
    if (m->f.swap_imei[0] && !m->swapped) {
        memcpy(m->imei, m->f.swap_imei, sizeof m->imei); /* another module in the socket */
        m->swapped = 1;
    }
    int late = !m->boot_normal && !m->restoring && m->v.late_port >= 0 && m->fam->usb;
    if (sim_port_up(m, !late) != 0) {
        m->fs = FS_GONE;
        return;
    }
    if (m->boot_normal) {
        m->restoring = 0;
        m->boot_urc_i = 0;
        sim_fota_go(m, FS_BOOT_URC, sim_ms(m, 0.2));
        return;
    }
    m->mode = SIM_MODE_BUSY; /* the updater has no AT interpreter */
    if (m->restoring) {
        m->pct = 0;
        sim_fota_go(m, FS_RESTORE, sim_ms(m, 0.3));
        return;
    }
    if (m->resumed && m->v.continue_msg)
        sim_fota_urc(m, "+QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"", 0, 0);
    sim_fota_go(m, FS_UPD_START, sim_ms(m, 0.5));
}

static void upd_start(sim_module_t *m)
{
    if (m->fam->legacy_text) {
        sim_line(m, "Quectel firmware update is processing....");
        sim_line(m, ".......RunFirmwareUpdate......");
    } else {
        sim_fota_urc(m, m->fam->start, 0, 0);
    }
    m->mode = SIM_MODE_BUSY;
    char to[96] = "";
    sim_pkg_result_t r = sim_pkg_check(m, m->pkg, m->pkg_len, to, sizeof to);
    m->pkg_code = sim_family_code(m->fam, r);
    snprintf(m->to_rev, sizeof m->to_rev, "%s", to);
    m->pct = m->resumed ? m->resume_pct : 0;
    m->resumed = 0;
    sim_log(m, "update attempt %d: package check %d", m->attempt, m->pkg_code);
    if (m->pkg_code) {
        m->end_code = m->pkg_code;
        sim_fota_go(m, FS_UPD_END, sim_ms(m, 1));
        return;
    }
    sim_fota_go(m, FS_UPD_STEP, sim_ms(m, m->t.update_s * m->t.update_step / 100.0));
}

static void upd_step(sim_module_t *m)
{
    int step = m->t.update_step > 0 ? m->t.update_step : 1;
    int pct = m->pct + step;
    if (pct > 100)
        pct = 100;
    const sim_faults_t *f = &m->f;
    if (phase_at(f->vanish_phase, SIM_PHASE_UPDATE, f->vanish_at, pct)) {
        sim_log(m, "port vanishes at %d%%", pct);
        sim_fota_go(m, FS_VANISH, 0);
        return;
    }
    if (phase_at(f->stall_phase, SIM_PHASE_UPDATE, f->stall_at, pct)) {
        sim_log(m, "stalled at %d%%", pct);
        m->fs = FS_STALLED;
        return;
    }
    if (f->power_loss_at >= 0 && pct >= f->power_loss_at && !m->power_loss_done &&
        !m->power_loss_spent) {
        /* RG50xQ FOTA note §4 note: after a power failure the update continues, no retry counted */
        sim_log(m, "power lost at %d%%", pct);
        m->power_loss_done = 1;
        m->resumed = 1;
        m->resume_pct = m->pct;
        m->boot_normal = 0;
        if (f->power_loss_old) {
            /* old_firmware: the cut came before the update took; the module boots
             * its old firmware normally (boot URCs, no FOTA URC), the update lost */
            m->power_loss_spent = 1;
            m->resumed = 0;
            m->boot_normal = 1;
            sim_fota_free_pkg(m);
        }
        sim_fota_go(m, FS_POWER_OFF, 0);
        return;
    }
    if (phase_at(f->error_phase, SIM_PHASE_UPDATE, f->error_at, pct)) {
        m->end_code = f->error_code;
        sim_fota_go(m, FS_UPD_END, 0);
        return;
    }
    if (f->transient_code && pct >= f->transient_at && m->attempt < f->transient_ok_retry) {
        m->end_code = f->transient_code;
        sim_fota_go(m, FS_UPD_END, 0);
        return;
    }
    m->pct = pct;
    if (m->hidden && m->v.late_port >= 0 && pct >= m->v.late_port)
        sim_port_publish(m);
    if (m->fam->legacy_text)
        sim_line(m, " Update  percent = %d%%", pct);
    else
        sim_fota_urc(m, m->fam->updating, pct, 1);
    if (pct >= 100) {
        m->end_code = 0;
        sim_fota_go(m, FS_UPD_END, sim_ms(m, 1));
        return;
    }
    sim_fota_go(m, FS_UPD_STEP, sim_ms(m, m->t.update_s * step / 100.0));
}

/* Benchmarks only (bench/loop_latency.py): FOTA_SIM_TRACE names a file that gets
 * "<CLOCK_REALTIME ns> <IMEI> end <code>" when the update's end is written. */
static void trace_end(const sim_module_t *m, int code)
{
    const char *path = getenv("FOTA_SIM_TRACE");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(f, "%lld %s end %d\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, m->imei,
            code);
    fclose(f);
}

static void upd_end(sim_module_t *m)
{
    int code = m->end_code;
    if (m->hidden)
        sim_port_publish(m); /* a very late port sees only the bare END (real modules do) */
    if (m->fam->legacy_text) {
        if (code == 0)
            sim_line(m, " Quectel firmware update success. status=0");
        else
            sim_line(m, "Quectel firmware update failed. status=%d", code);
        sim_line(m, "Rebooting....");
    } else {
        sim_fota_urc(m, m->fam->end, code, 0);
    }
    trace_end(m, code);
    sim_log(m, "update end %d (attempt %d)", code, m->attempt);
    m->boot_normal = 1;
    if (code == 0) {
        snprintf(m->revision, sizeof m->revision, "%s", m->to_rev);
        sim_fota_free_pkg(m);
    } else if (sim_family_retryable(m->fam, code) && m->attempt < MAX_RETRIES) {
        m->attempt++; /* RG50xQ FOTA note §4: reboot, find the upgrade flag, try again */
        m->boot_normal = 0;
    } else {
        if (m->fam->check_before_reboot && m->pkg_file[0])
            sim_file_delete(m, m->pkg_file); /* EG06xK DFOTA note §3: the incorrect package is deleted */
        if (m->v.restore && sim_family_retryable(m->fam, code)) {
            m->restoring = 1; /* EG06xK DFOTA note §3: restore to the original version */
            m->boot_normal = 0;
        }
        sim_fota_free_pkg(m);
    }
    sim_fota_go(m, FS_REBOOT, sim_ms(m, 0.5));
}

static void restore_step(sim_module_t *m)
{
    m->pct += 25;
    sim_fota_urc(m, m->fam->restore, m->pct, 1);
    if (m->pct >= 100) {
        m->restoring = 0;
        m->boot_normal = 1;
        sim_fota_go(m, FS_REBOOT, sim_ms(m, 1));
        return;
    }
    sim_fota_go(m, FS_RESTORE, sim_ms(m, 5));
}

static void dl_end(sim_module_t *m)
{
    int code = m->dl_err;
    if (m->f.error_phase == SIM_PHASE_DOWNLOAD)
        code = m->f.error_code;
    if (m->method == SIM_M_LOCAL) {
        /* EG06xK checked the version before recovery (EG06xK DFOTA note §3) */
        sim_fota_urc(m, m->fam->end, sim_family_code(m->fam, SIM_PKG_PROJECT), 0);
        sim_file_delete(m, m->pkg_file);
        sim_fota_idle(m);
        return;
    }
    sim_fota_urc(m, sim_fota_dl_pair(m)->end, code, 0);
    if (code) {
        sim_fota_idle(m);
        return;
    }
    if (m->fam->check_before_reboot &&
        sim_pkg_check(m, m->pkg, m->pkg_len, NULL, 0) == SIM_PKG_PROJECT) {
        sim_fota_urc(m, m->fam->end, sim_family_code(m->fam, SIM_PKG_PROJECT), 0);
        sim_fota_idle(m);
        return;
    }
    if (m->fam->reboot_before_update) {
        sim_fota_go(m, FS_TO_UPDATER, sim_ms(m, 0.5)); /* RG50xQ FOTA note §3.3.1: reboot after FTPEND */
        return;
    }
    m->mode = SIM_MODE_BUSY; /* EC200T: FTPEND then START, no reboot (EC200T FOTA guide §3.1) */
    sim_fota_go(m, FS_UPD_START, sim_ms(m, 0.5));
}

static void step_cb(uv_timer_t *t)
{
    sim_module_t *m = t->data;
    const sim_faults_t *f = &m->f;
    m->cur = m->fota_if ? m->fota_if : m->at; /* the session's URCs: its own port */
    switch (m->fs) {
    case FS_DL_BEGIN:
        sim_fota_urc(m, sim_fota_dl_pair(m)->start, 0, 0);
        m->dl_started_ms = sim_now_ms(m->sim);
        if (f->vanish_phase == SIM_PHASE_DOWNLOAD) {
            sim_fota_go(m, FS_VANISH, 0);
            return;
        }
        if (f->stall_phase == SIM_PHASE_DOWNLOAD) {
            m->fs = FS_STALLED;
            return;
        }
        m->fs = FS_DL_WAIT;
        if (sim_fetch_start(m) != 0)
            sim_fetch_done(m, m->method == SIM_M_FTP ? 601 : 701, NULL, 0);
        return;
    case FS_DL_PROGRESS:
        if (m->v.downloading && !m->dl_err && m->dl_pct < 100) {
            m->dl_pct += 20;
            sim_fota_urc(m, m->fam->downloading, m->dl_pct, 1);
            sim_fota_go(m, FS_DL_PROGRESS, (uint64_t)(m->dl_remaining_ms / 5));
            return;
        }
        sim_fota_go(m, FS_DL_END, m->v.downloading ? 0 : (uint64_t)m->dl_remaining_ms);
        return;
    case FS_DL_END: dl_end(m); return;
    case FS_TO_UPDATER:
        if (must_wait_drain(m, FS_TO_UPDATER)) /* let the OK / END reach the host first */
            return;
        m->boot_normal = 0;
        sim_port_down(m, 0);
        sim_fota_go(m, FS_BOOT, sim_ms(m, m->t.reboot_s));
        return;
    case FS_REBOOT:
        if (must_wait_drain(m, FS_REBOOT))
            return;
        sim_port_down(m, 0);
        sim_fota_go(m, FS_BOOT, sim_ms(m, m->t.reboot_s));
        return;
    case FS_VANISH:
        if (must_wait_drain(m, FS_VANISH))
            return;
        sim_port_down(m, 1);
        m->gone = 1;
        m->fs = FS_GONE;
        return;
    case FS_POWER_OFF:
        if (must_wait_drain(m, FS_POWER_OFF))
            return;
        sim_port_down(m, 0);
        sim_fota_go(m, FS_BOOT, sim_ms(m, f->power_off_s));
        return;
    case FS_BOOT: do_boot(m); return;
    case FS_BOOT_URC: boot_urc(m); return;
    case FS_UPD_START: upd_start(m); return;
    case FS_UPD_STEP: upd_step(m); return;
    case FS_UPD_END: upd_end(m); return;
    case FS_RESTORE: restore_step(m); return;
    default: return;
    }
}
