/* SHA-256 (FIPS 180-2) for package checksums in job files (`sha256:`).
 * None of the project's libraries (libyaml, libuv, SQLite, libserialport, libcurl)
 * exposes a hash, so this small implementation is checked against the FIPS 180-2
 * vectors and sha256sum in tests/job/. */
#ifndef FOTA_SHA256_H
#define FOTA_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes;    /* total length so far */
    uint8_t buf[64];
    size_t n;          /* bytes waiting in buf */
} fota_sha256_t;

void fota_sha256_init(fota_sha256_t *s);
void fota_sha256_update(fota_sha256_t *s, const void *data, size_t len);
void fota_sha256_final(fota_sha256_t *s, uint8_t out[32]);
/* One call: lowercase hex digest, NUL-terminated. */
void fota_sha256_hex(const void *data, size_t len, char out[65]);
/* 64 hex digits, either case. */
bool fota_sha256_hex_valid(const char *s);

#endif
