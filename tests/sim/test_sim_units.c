/* The simulator's SHA-256 against FIPS 180-4 test vectors: the package check
 * is only as good as the hash under it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    sim_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sim_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sim_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in uneven pieces */
    sim_sha256_t c;
    uint8_t d[32], a[997];
    memset(a, 'a', sizeof a);
    sim_sha256_init(&c);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof a ? left : sizeof a;
        sim_sha256_update(&c, a, n);
        left -= n;
    }
    sim_sha256_final(&c, d);
    assert_int_equal(d[0], 0xcd);
    assert_int_equal(d[1], 0xc7);
    assert_int_equal(d[31], 0xd0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(sha256_vectors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
