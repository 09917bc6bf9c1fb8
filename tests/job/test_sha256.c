/* SHA-256 against the FIPS 180-2 appendix vectors and against sha256sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"

static void fips_180_2_vectors(void **state)
{
    (void)state;
    char hex[65];
    fota_sha256_hex("abc", 3, hex); /* FIPS 180-2 B.1 */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *b2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* B.2 */
    fota_sha256_hex(b2, strlen(b2), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* B.3: one million 'a', fed in uneven pieces to exercise the buffering. */
    fota_sha256_t s;
    fota_sha256_init(&s);
    char a[1000];
    memset(a, 'a', sizeof a);
    size_t left = 1000000, step = 1;
    while (left) {
        size_t n = step < left ? step : left;
        fota_sha256_update(&s, a, n);
        left -= n;
        step = step % 991 + 7; /* 1..997, within a[] */
    }
    uint8_t d[32];
    fota_sha256_final(&s, d);
    static const uint8_t want[32] = {0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92,
                                     0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
                                     0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e,
                                     0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    assert_memory_equal(d, want, 32);
    fota_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void padding_boundaries_match_sha256sum(void **state)
{
    (void)state;
    FILE *probe = popen("command -v sha256sum", "r");
    char line[256] = "";
    bool have = probe && fgets(line, sizeof line, probe) && line[0];
    if (probe)
        pclose(probe);
    if (!have)
        skip();
    /* Lengths around the 55/56/64-byte padding edges, and a larger buffer. */
    static const size_t lens[] = {55, 56, 57, 63, 64, 65, 119, 120, 128, 100003};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t *buf = malloc(lens[i]);
        uint32_t x = 2463534242u;
        for (size_t k = 0; k < lens[i]; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[k] = (uint8_t)x;
        }
        FILE *f = fopen("sha_probe.bin", "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, lens[i], f), lens[i]);
        fclose(f);
        FILE *p = popen("sha256sum sha_probe.bin", "r");
        assert_non_null(p);
        assert_non_null(fgets(line, sizeof line, p));
        pclose(p);
        line[64] = '\0';
        char hex[65];
        fota_sha256_hex(buf, lens[i], hex);
        assert_string_equal(hex, line);
        free(buf);
    }
    remove("sha_probe.bin");
}

static void hex_validity(void **state)
{
    (void)state;
    assert_true(fota_sha256_hex_valid("BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    assert_false(fota_sha256_hex_valid("3f1c…"));
    assert_false(fota_sha256_hex_valid("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"));
    assert_false(fota_sha256_hex_valid("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    assert_false(fota_sha256_hex_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fips_180_2_vectors),
        cmocka_unit_test(padding_boundaries_match_sha256sum),
        cmocka_unit_test(hex_validity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
