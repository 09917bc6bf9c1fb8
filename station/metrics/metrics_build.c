/* The build's version for fota_station_build_info. Alone in its file: a new git
 * description (packaging/version.cmake) rebuilds only this and main.c. */
#include "metrics_render.h"

#ifndef FOTA_VERSION
#define FOTA_VERSION "unknown"
#endif

const char *fota_metrics_build_version(void)
{
    return FOTA_VERSION;
}
