/* The entry points into a module's FOTA: AT+QFOTADL (URL, local file, EC200T
 * FILE:<len>), the end of a download or a stream, the legacy QFUA/QFAU data, and
 * AT+CFUN=1,1. The steps that follow live in fota.c. */
#include "fota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int ftp_path_is_root(const char *url)
{
    const char *host = strstr(url, "://");
    if (!host)
        return 0;
    const char *path = strchr(host + 3, '/');
    return path && !strchr(path + 1, '/');
}

int sim_fota_command(sim_module_t *m, const char *arg)
{
    char u[590];
    const char *s = arg;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    if (m->fs != FS_IDLE || n < 2 || s[0] != '"' || s[n - 1] != '"' || n - 2 >= sizeof u)
        return -1;
    memcpy(u, s + 1, n - 2);
    u[n - 2] = 0;
    if (m->f.error_phase == SIM_PHASE_COMMAND)
        return -1;
    const sim_family_t *f = m->fam;
    if (strncasecmp(u, "FILE:", 5) == 0) {
        char *e;
        unsigned long long len = strtoull(u + 5, &e, 10);
        uint64_t used = sim_file_used(m);
        if (!f->file_stream || e == u + 5 || *e || len == 0 ||
            len > (m->free_space > used ? m->free_space - used : 0))
            return -1; /* no room for the image: refused before FILESTART */
        m->method = SIM_M_FILE;
        m->spaced = 0;
        sim_at_final(m, "OK");
        sim_fota_urc(m, f->file.start, 0, 0);
        m->fs = FS_DL_WAIT;
        sim_data_begin(m, SIM_MODE_FILE, (size_t)len);
        return 0;
    }
    if (strlen(u) > f->url_max)
        return -1; /* 512 / 100 / 255 bytes by family */
    if (strncasecmp(u, "ftp://", 6) == 0) {
        if (f->ftp_root_only && !ftp_path_is_root(u))
            return -1; /* EC200T FOTA guide §3.1: only the root path */
        m->method = SIM_M_FTP;
    } else if (strncasecmp(u, "http://", 7) == 0) {
        m->method = SIM_M_HTTP;
    } else if (strncasecmp(u, "https://", 8) == 0) {
        m->method = SIM_M_HTTPS;
    } else if (f->local_prefix && strncmp(u, f->local_prefix, strlen(f->local_prefix)) == 0) {
        sim_file_t *file = sim_file_find(m, u + strlen(f->local_prefix));
        if (!file)
            return -1;
        m->method = SIM_M_LOCAL;
        snprintf(m->pkg_file, sizeof m->pkg_file, "%s", file->name);
        m->pkg = malloc(file->len ? file->len : 1);
        memcpy(m->pkg, file->data, file->len);
        m->pkg_len = file->len;
    } else {
        return -1;
    }
    snprintf(m->url, sizeof m->url, "%s", u);
    m->spaced = f->comma_space_http && (m->method == SIM_M_HTTP || m->method == SIM_M_HTTPS);
    if (f->comma_space_http && m->method == SIM_M_LOCAL)
        m->spaced = 2; /* EG06xK DFOTA note §3.3.1.3 example: `+QIND: "FOTA", "UPDATING",1` */
    m->attempt = 0;
    m->resume_pct = 0;
    m->resumed = 0;
    m->power_loss_done = 0;
    sim_log(m, "QFOTADL %s", u);
    sim_at_final(m, "OK");
    if (m->method == SIM_M_LOCAL) {
        if (f->check_before_reboot &&
            sim_pkg_check(m, m->pkg, m->pkg_len, NULL, 0) == SIM_PKG_PROJECT) {
            sim_fota_go(m, FS_DL_END, sim_ms(m, 0.5));
            return 0;
        }
        /* as on real modules: with a local package the port drops right after the OK */
        sim_fota_go(m, FS_TO_UPDATER, 5);
        return 0;
    }
    sim_fota_go(m, FS_DL_BEGIN, sim_ms(m, 0.3));
    return 0;
}

void sim_fetch_done(sim_module_t *m, int err, uint8_t *data, size_t len)
{
    m->fetch_busy = 0;
    if (m->fs != FS_DL_WAIT || m->sim->stopping) {
        free(data);
        return;
    }
    m->dl_err = err;
    sim_fota_free_pkg(m);
    m->pkg = data;
    m->pkg_len = len;
    double secs = (double)len / m->t.download_rate;
    if (secs < m->t.download_min_s)
        secs = m->t.download_min_s;
    uint64_t total = err ? sim_ms(m, 1) : sim_ms(m, secs);
    uint64_t el = sim_now_ms(m->sim) - m->dl_started_ms;
    m->dl_remaining_ms = total > el ? (double)(total - el) : 0;
    m->dl_pct = 0;
    sim_log(m, "downloaded %zu bytes, err %d", len, err);
    sim_fota_go(m, FS_DL_PROGRESS, 0);
}

/* EC200T FILE:<len> stream finished (EC200T FOTA guide §3.3): FILEEND then straight to START. */
void sim_fota_stream_done(sim_module_t *m, uint8_t *data, size_t len, int complete)
{
    int code = complete ? 0 : 500; /* EC200T FOTA guide §4.3: 500 file download error */
    if (m->f.error_phase == SIM_PHASE_FILE)
        code = m->f.error_code;
    sim_fota_urc(m, m->fam->file.end, code, 0);
    if (code) {
        free(data);
        sim_fota_idle(m);
        return;
    }
    sim_fota_free_pkg(m);
    m->pkg = data;
    m->pkg_len = len;
    m->attempt = 0;
    m->resume_pct = 0;
    m->power_loss_done = 0;
    m->mode = SIM_MODE_BUSY;
    sim_fota_go(m, FS_UPD_START, sim_ms(m, 0.3));
}

/* Legacy AT+QFUA / AT+QFAU (GSM FOTA note §2.3): the data is in; "rebooting" on the UART. */
void sim_fota_legacy_start(sim_module_t *m, uint8_t *data, size_t len)
{
    sim_fota_free_pkg(m);
    m->pkg = data;
    m->pkg_len = len;
    m->method = SIM_M_LEGACY;
    m->attempt = 0;
    m->resume_pct = 0;
    m->power_loss_done = 0;
    m->spaced = 0;
    sim_line(m, "Finish data downloading, rebooting....");
    m->boot_normal = 0;
    sim_fota_go(m, FS_REBOOT, sim_ms(m, 0.2));
}

void sim_fota_reboot(sim_module_t *m)
{
    m->boot_normal = 1;
    sim_fota_go(m, FS_REBOOT, sim_ms(m, 0.2));
}

