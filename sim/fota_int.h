/* Internal to fota.c / fota_cmd.c: the module's FOTA states and helpers. */
#ifndef FOTA_SIM_FOTA_INT_H
#define FOTA_SIM_FOTA_INT_H
#include "sim.h"

enum {
    FS_QFAI = -1, /* legacy: collecting AT+QFAW chunks */
    FS_IDLE = 0,
    FS_DL_BEGIN, FS_DL_WAIT, FS_DL_PROGRESS, FS_DL_END,
    FS_TO_UPDATER, FS_BOOT, FS_BOOT_URC,
    FS_UPD_START, FS_UPD_STEP, FS_UPD_END, FS_RESTORE, FS_REBOOT,
    FS_STALLED, FS_GONE, FS_VANISH, FS_POWER_OFF,
};

enum { SIM_M_NONE, SIM_M_FTP, SIM_M_HTTP, SIM_M_HTTPS, SIM_M_LOCAL, SIM_M_FILE, SIM_M_LEGACY };

#define MAX_RETRIES 5 /* RG50xQ FOTA note §4, EG06xK DFOTA note §3: the module itself retries five times */

void sim_fota_go(sim_module_t *m, int state, uint64_t ms);
/* A +QIND line in this family's spelling plus the scenario's variants; the
 * template holds at most one literal "%d" where the value goes. */
void sim_fota_urc(sim_module_t *m, const char *fmt, int value, int progress);
const sim_urc_pair_t *sim_fota_dl_pair(const sim_module_t *m);
void sim_fota_free_pkg(sim_module_t *m);
void sim_fota_idle(sim_module_t *m);
#endif
