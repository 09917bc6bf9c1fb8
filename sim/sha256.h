/* SHA-256 (FIPS 180-4) for the test package format; the simulator keeps its own
 * copy so it depends on nothing the station uses to check packages. */
#ifndef FOTA_SIM_SHA256_H
#define FOTA_SIM_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t used;
} sim_sha256_t;

void sim_sha256_init(sim_sha256_t *c);
void sim_sha256_update(sim_sha256_t *c, const void *p, size_t n);
void sim_sha256_final(sim_sha256_t *c, uint8_t out[32]);
void sim_sha256_hex(const void *p, size_t n, char out[65]);
#endif
