/* String -> index map for the report's grouping (modules by IMEI, rows by model,
 * revision, error code). Open addressing; keys are copied into an arena, so a
 * million IMEIs cost a million small copies, not a million mallocs. */
#ifndef FOTA_REPORTS_STRMAP_H
#define FOTA_REPORTS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct fota_strmap fota_strmap_t;

fota_strmap_t *fota_strmap_new(void);
void fota_strmap_free(fota_strmap_t *m);
/* Index of key; a new key gets the next index (0, 1, 2, …) and *added = 1.
 * Returns -1 when out of memory. */
int64_t fota_strmap_get(fota_strmap_t *m, const char *key, int *added);
/* The stored copy of the key with index i (valid until free). */
const char *fota_strmap_key(const fota_strmap_t *m, int64_t i);
int64_t fota_strmap_count(const fota_strmap_t *m);

#endif
