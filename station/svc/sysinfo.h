/* Facts about the host the station should tell the operator at start. */
#ifndef FOTA_STATION_SYSINFO_H
#define FOTA_STATION_SYSINFO_H

#include <stdbool.h>

/* True when a ModemManager process runs (scans /proc/<pid>/comm). ModemManager probes
 * every new AT port; a probe landing mid-upgrade breaks the FOTA (fwupd inhibits it
 * for the same reason), so the station warns unless the udev rule shipped in
 * packaging/ marks Quectel ports ID_MM_DEVICE_IGNORE. proc_dir is "/proc" normally. */
bool fota_modemmanager_running(const char *proc_dir);

#endif
