/* The four module families of the Quectel notes, as data: URC spellings, limits,
 * error tables and where each one reboots. */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const sim_family_t families[] = {
    {
        .id = SIM_FAM_RG50XQ, .name = "RG50xQ",
        .def_model = "RG500Q-EA", .def_revision = "RG500QEAAAR11A06M4G", .tac = "86403205",
        .usb = 1,
        .url_max = 512,                  /* RG50xQ FOTA note §3.3.1: "Maximum length is 512 bytes" */
        .local_prefix = "/cache/ufs/",   /* RG50xQ FOTA note §3.3.3 */
        .reboot_before_update = 1,       /* RG50xQ FOTA note §3.3.1: reboots after FTPEND */
        .default_flow = 1,               /* USB bulk endpoints throttle the host */
        .ftp = {"+QIND: \"FOTA\",\"FTPSTART\"", "+QIND: \"FOTA\",\"FTPEND\",%d"},
        /* RG50xQ FOTA note §3.3.2 really prints "HTTPPEND" (table and example agree) */
        .http = {"+QIND: \"FOTA\",\"HTTPSTART\"", "+QIND: \"FOTA\",\"HTTPPEND\",%d"},
        .https = {"+QIND: \"FOTA\",\"HTTPSSTART\"", "+QIND: \"FOTA\",\"HTTPSEND\",%d"},
        .start = "+QIND: \"FOTA\",\"START\"",
        .updating = "+QIND: \"FOTA\",\"UPDATING\",%d",
        .end = "+QIND: \"FOTA\",\"END\",%d",
        .downloading = "+QIND: \"FOTA\",\"DOWNLOADING\",%d",
        .restore = "+QIND: \"FOTA\",\"RESTORE\",%d",
        .data_rate = 2e6,
    },
    {
        .id = SIM_FAM_EG06XK, .name = "EG06xK",
        .def_model = "EG065K-NA", .def_revision = "EG065KNAAAR01A01M4G", .tac = "86769005",
        .usb = 1,
        .url_max = 100,                      /* EG06xK DFOTA note §3.3.1.1: max 100 bytes */
        .local_prefix = "/usrdata/cache/ufs/", /* EG06xK DFOTA note §3.3.1.3 */
        .reboot_before_update = 1,
        .check_before_reboot = 1,            /* EG06xK DFOTA note §3: 505 before recovery, package deleted */
        .default_flow = 1,
        .ftp = {"+QIND: \"FOTA\",\"FTPSTART\"", "+QIND: \"FOTA\",\"FTPEND\",%d"},
        /* EG06xK DFOTA note §3.3.1.2 example: `+QIND: "FOTA", "HTTPEnd", 0` (table says HTTPEPEND) */
        .http = {"+QIND: \"FOTA\",\"HTTPSTART\"", "+QIND: \"FOTA\",\"HTTPEnd\",%d"},
        .https = {"+QIND: \"FOTA\",\"HTTPSSTART\"", "+QIND: \"FOTA\",\"HTTPSEND\",%d"},
        .start = "+QIND: \"FOTA\",\"START\"",
        .updating = "+QIND: \"FOTA\",\"UPDATING\",%d",
        .end = "+QIND: \"FOTA\",\"END\",%d",
        .downloading = "+QIND: \"FOTA\",\"DOWNLOADING\",%d",
        .restore = "+QIND: \"FOTA\",\"RESTORE\",%d",
        .comma_space_http = 1,
        .data_rate = 2e6,
    },
    {
        .id = SIM_FAM_EC200T, .name = "EC200T",
        .def_model = "EC200T-CN", .def_revision = "EC200TCNTCNMAR02A01M16", .tac = "86685905",
        .usb = 1,
        .url_max = 255,       /* EC200T FOTA guide §3.1 */
        .file_stream = 1,     /* EC200T FOTA guide §3.3 */
        .ftp_root_only = 1,   /* "Currently only root path is supported" (EC200T FOTA guide §3.1) */
        .default_flow = 0,    /* EC200T FOTA guide §3.3: host must send AT+QCFG="usbifc",2,2 / AT+IFC=2,2 */
        /* spacing as printed in 003's examples */
        .ftp = {"+QIND: \"FOTA\", \"FTPSTART\"", "+QIND: \"FOTA\",\"FTPEND\",%d"},
        .http = {"+QIND: \"FOTA\",\"HTTPSTART\"", "+QIND: \"FOTA\",\"HTTPEND\",%d"},
        .https = {"+QIND: \"FOTA\",\"HTTPSSTART\"", "+QIND: \"FOTA\",\"HTTPSEND\",%d"},
        .file = {"+QIND: \"FOTA\",\"FILESTART\"", "+QIND: \"FOTA\", \"FILEEND\", %d"},
        .start = "+QIND: \"FOTA\", \"START\"",
        .updating = "+QIND: \"FOTA\",\"UPDATING\", %d",
        .end = "+QIND: \"FOTA\",\"END\",%d",
        .downloading = "+QIND: \"FOTA\",\"DOWNLOADING\",%d",
        .restore = "+QIND: \"FOTA\",\"RESTORE\",%d",
        .data_rate = 15e3,    /* EC200T FOTA guide §3.3: "limited to 15kB/s" for NOR flash */
    },
    {
        .id = SIM_FAM_LEGACY, .name = "legacy-GSM", /* profiles/legacy-gsm.yaml */
        .def_model = "M95", .def_revision = "M95FAR02A08", .tac = "86221603",
        .usb = 0,             /* GSM FOTA note: a UART, no re-enumeration */
        .legacy_text = 1,
        .default_flow = 0,    /* GSM FOTA note §2.3.1: AT+QFUA needs hardware flow control set */
        .data_rate = 11520,   /* 115200 baud 8N1 */
    },
};

const sim_family_t *sim_family_find(const char *name)
{
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (strcasecmp(families[i].name, name) == 0)
            return &families[i];
    /* accept the Quectel notes' other spellings */
    if (!strcasecmp(name, "RM5xxQ") || !strcasecmp(name, "RG50xQ/RM5xxQ"))
        return &families[0];
    if (!strcasecmp(name, "Ex120K") || !strcasecmp(name, "EM060K"))
        return &families[1];
    if (!strcasecmp(name, "UC200T"))
        return &families[2];
    if (!strcasecmp(name, "LEGACY") || !strcasecmp(name, "legacy_gsm") || !strcasecmp(name, "GSM"))
        return &families[3];
    return NULL;
}

const sim_family_t *sim_family_get(sim_fam_id_t id) { return &families[id]; }

/* Each family reports a package problem with a code from its OWN table:
 * RG50xQ FOTA note §5 Table 5, EG06xK DFOTA note §4 Table 5, EC200T FOTA guide §4.4
 * (only 504/506),
 * legacy GSM prints "failed. status=<n>" (docs/package-format.md). */
int sim_family_code(const sim_family_t *f, sim_pkg_result_t r)
{
    static const int rg[] = {0, 504, 505, 504, 510, 511, 550};
    static const int eg[] = {0, 504, 505, 504, 510, 511, 511}; /* EG06xK has no 550 */
    static const int ec[] = {0, 504, 504, 506, 504, 504, 504};
    static const int lg[] = {0, 1, 2, 3, 4, 5, 6};
    switch (f->id) {
    case SIM_FAM_RG50XQ: return rg[r];
    case SIM_FAM_EG06XK: return eg[r];
    case SIM_FAM_EC200T: return ec[r];
    default: return lg[r];
    }
}

/* RG50xQ FOTA note §4 / §5: 502, 520-530 and 540-546 make the module reboot and retry. */
int sim_family_retryable(const sim_family_t *f, int err)
{
    if (!f->usb)
        return 0;
    return err == 502 || (err >= 520 && err <= 530) || (err >= 540 && err <= 546);
}

void sim_module_defaults(sim_module_t *m, const sim_family_t *f, int index)
{
    m->index = index;
    m->fam = f;
    snprintf(m->maker, sizeof m->maker, "Quectel");
    snprintf(m->model, sizeof m->model, "%s", f->def_model);
    snprintf(m->revision, sizeof m->revision, "%s", f->def_revision);
    sim_imei_make(m->imei, f->tac, sim_imei_serial(m->sim, index));
    sim_make_slot(m->slot, sizeof m->slot, f, index);
    m->total_space = 256u << 20;
    m->free_space = 200u << 20;
    m->max_package = 128u << 20;
    m->flow_control = f->default_flow;
    m->sim_card = 1;
    m->cmee = 1;
    m->t.reboot_s = 30;        /* a real reboot takes about 30 s */
    m->t.boot_urc_s = 0.3;
    m->t.download_rate = 200e3;/* ~1 min for a 12 MB delta, as reported for real modules */
    m->t.download_min_s = 2;
    m->t.update_s = 480;       /* flashing about 8 min on real modules */
    m->t.update_step = 1;
    m->t.data_rate = 0;
    m->t.data_timeout_s = 10;
    m->t.guard_s = 1;
    m->f.power_loss_at = -1;
    m->f.power_off_s = 5;
    m->f.transient_ok_retry = 1;
    m->f.error_at = 0;
    m->v.late_port = -1;
}
