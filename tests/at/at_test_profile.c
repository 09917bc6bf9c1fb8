#include "at_test_profile.h"

#define S(x) ((char *)(x))

static fota_phase_name_t phase_names[] = {
    { S("FTPSTART"), FOTA_PHASE_DL_START, FOTA_TABLE__COUNT },
    { S("HTTPSTART"), FOTA_PHASE_DL_START, FOTA_TABLE__COUNT },
    { S("HTTPSSTART"), FOTA_PHASE_DL_START, FOTA_TABLE__COUNT },
    { S("FILESTART"), FOTA_PHASE_DL_START, FOTA_TABLE__COUNT },
    { S("DOWNLOADING"), FOTA_PHASE_DL_PROGRESS, FOTA_TABLE__COUNT },
    { S("FTPEND"), FOTA_PHASE_DL_END, FOTA_TABLE_FTP },
    { S("HTTPEND"), FOTA_PHASE_DL_END, FOTA_TABLE_HTTP },   /* EC200T FOTA guide §3.2; EG06xK "HTTPEnd" */
    { S("HTTPPEND"), FOTA_PHASE_DL_END, FOTA_TABLE_HTTP },  /* RG50xQ FOTA note §3.3.2 */
    { S("HTTPEPEND"), FOTA_PHASE_DL_END, FOTA_TABLE_HTTP }, /* EG06xK DFOTA note §3.3.1.2 table */
    { S("HTTPSEND"), FOTA_PHASE_DL_END, FOTA_TABLE_HTTP },
    { S("FILEEND"), FOTA_PHASE_DL_END, FOTA_TABLE_FILE },
    { S("START"), FOTA_PHASE_START, FOTA_TABLE__COUNT },
    { S("UPDATING"), FOTA_PHASE_UPDATING, FOTA_TABLE__COUNT },
    { S("RESTORE"), FOTA_PHASE_RESTORE, FOTA_TABLE__COUNT },
    { S("END"), FOTA_PHASE_END, FOTA_TABLE_ERR },
    { S("Last upgrade was not finished,continue upgrade"), FOTA_PHASE_RESUME, FOTA_TABLE__COUNT },
};

static fota_text_pattern_t text_patterns[] = {
    { S("RDY"), FOTA_PHASE_BOOT, FOTA_TABLE__COUNT },
    { S("+CPIN: READY"), FOTA_PHASE_BOOT, FOTA_TABLE__COUNT },
    { S("+QUSIM: 1"), FOTA_PHASE_BOOT, FOTA_TABLE__COUNT },
    { S("+CFUN: 1"), FOTA_PHASE_BOOT, FOTA_TABLE__COUNT },
    { S("+QIND: SMS DONE"), FOTA_PHASE_BOOT, FOTA_TABLE__COUNT },
    { S("+QIND: PB DONE"), FOTA_PHASE_BOOT, FOTA_TABLE__COUNT },
    /* GSM FOTA note §2.3.1 */
    { S("Finish data downloading, rebooting*"), FOTA_PHASE_REBOOTING, FOTA_TABLE__COUNT },
    { S("Quectel firmware update is processing*"), FOTA_PHASE_START, FOTA_TABLE__COUNT },
    { S("*RunFirmwareUpdate*"), FOTA_PHASE_START, FOTA_TABLE__COUNT },
    { S("Update percent = %d%"), FOTA_PHASE_UPDATING, FOTA_TABLE__COUNT },
    { S("Quectel firmware update success. status=%d"), FOTA_PHASE_END, FOTA_TABLE_ERR },
    /* the team's convention for 004's unnamed error message */
    { S("Quectel firmware update failed. status=%d"), FOTA_PHASE_FAILED, FOTA_TABLE_ERR },
    { S("Rebooting*"), FOTA_PHASE_REBOOTING, FOTA_TABLE__COUNT },
};

static fota_profile_t profile = {
    .family = S("TEST"),
    .urc_prefix = S("+QIND:"),
    .urc_tag = S("FOTA"),
    .phase_names = phase_names,
    .n_phase_names = sizeof(phase_names) / sizeof(phase_names[0]),
    .text_patterns = text_patterns,
    .n_text_patterns = sizeof(text_patterns) / sizeof(text_patterns[0]),
};

const fota_profile_t *at_test_profile(void)
{
    return &profile;
}
