/* Slots out of service in the results file (table port_service, schema 10): written
 * by run (x, port health) and `fota-station port`, read at run's start and by
 * `port list` and the report. */
#ifndef FOTA_STORE_PORTS_H
#define FOTA_STORE_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
    char slot[256];
    bool off;
    char reason[128];      /* "" for the operator */
    char changed_at[40];
} fota_store_port_t;

/* The slot's state from now (at_ms, Unix epoch ms); reason NULL or "" for the
 * operator. Inside the caller's transaction if one is open. */
int fota_store_port_set(fota_store_t *s, const char *slot, bool off, const char *reason,
                        int64_t at_ms);
/* Up to max rows (out_of_service first, then by slot); returns how many there are
 * (may exceed max) or a negative FOTA_E_* code. only_off: those out of service. */
int fota_store_port_list(fota_store_t *s, bool only_off, fota_store_port_t *out, size_t max);

#endif
