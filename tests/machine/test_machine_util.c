/* The three small helpers the machine leans on: IMEI Luhn check, the AT+QFUPL
 * checksum, and password masking in transcripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "luhn.h"
#include "qfupl_checksum.h"
#include "secret_mask.h"

static void luhn_accepts_real_imeis_and_rejects_one_digit_off(void **state)
{
    (void)state;
    static const char *const good[] = {"490154203237518", "352099001761481", "866123456789018"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        assert_true(fota_luhn_valid(good[i]));
        /* Every single-digit change breaks the check digit. */
        for (size_t pos = 0; pos < 15; pos++) {
            char bad[16];
            memcpy(bad, good[i], 16);
            bad[pos] = (char)('0' + (bad[pos] - '0' + 1) % 10);
            assert_false(fota_luhn_valid(bad));
        }
    }
    assert_false(fota_luhn_valid("49015420323751x"));
    assert_false(fota_luhn_valid(""));
}

static void imei_parse_tolerates_gsn_and_cgsn_spellings(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "490154203237518", "+CGSN: 490154203237518", "+CGSN: \"490154203237518\"",
        "+GSN:490154203237518", "490154203237518 ",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        char imei[16] = "";
        assert_int_equal(fota_imei_parse(lines[i], imei, sizeof imei), 0);
        assert_string_equal(imei, "490154203237518");
    }
    char imei[16];
    assert_int_equal(fota_imei_parse("490154203237519", imei, sizeof imei), -1); /* check digit */
    assert_int_equal(fota_imei_parse("49015420323751", imei, sizeof imei), -1);  /* 14 digits */
    assert_int_equal(fota_imei_parse("4901542032375180", imei, sizeof imei), -1);
    assert_int_equal(fota_imei_parse("ERROR", imei, sizeof imei), -1);
    assert_int_equal(fota_imei_parse("Quectel", imei, sizeof imei), -1);
}

/* What a module reports is read as it is; whether a module can be told by it is a
 * separate question (blank and check-digit-invalid IMEIs exist on real modules). */
static void imei_read_takes_any_15_digits_and_problem_says_why(void **state)
{
    (void)state;
    char imei[16];
    assert_int_equal(fota_imei_read("+CGSN: 490154203237519", imei, sizeof imei), 0);
    assert_string_equal(imei, "490154203237519");
    assert_int_equal(fota_imei_read("000000000000000", imei, sizeof imei), 0);
    assert_int_equal(fota_imei_read("49015420323751", imei, sizeof imei), -1);
    assert_int_equal(fota_imei_read("ERROR", imei, sizeof imei), -1);
    assert_null(fota_imei_problem("490154203237518"));
    assert_non_null(strstr(fota_imei_problem("000000000000000"), "blank"));
    assert_non_null(strstr(fota_imei_problem("490154203237519"), "check digit"));
    assert_non_null(fota_imei_problem("4901542032375"));
    assert_non_null(fota_imei_problem("49015420323751x"));
}

static void qfupl_checksum_xors_big_endian_pairs(void **state)
{
    (void)state;
    static const uint8_t even[] = {0x12, 0x34, 0x56, 0x78};
    static const uint8_t odd[] = {0x12, 0x34, 0x56};
    assert_int_equal(fota_qfupl_checksum(even, 4), 0x1234 ^ 0x5678);
    assert_int_equal(fota_qfupl_checksum(odd, 3), 0x1234 ^ 0x5600); /* odd byte = high */
    assert_int_equal(fota_qfupl_checksum(NULL, 0), 0);
    /* Byte order matters: a little-endian implementation would give 0x3412. */
    static const uint8_t one_pair[] = {0x12, 0x34};
    assert_int_equal(fota_qfupl_checksum(one_pair, 2), 0x1234);
}

static void qfupl_reply_parses_unpadded_lowercase_hex(void **state)
{
    (void)state;
    uint64_t size;
    uint16_t cs;
    assert_int_equal(fota_qfupl_reply_parse("+QFUPL: 1939,4f64", &size, &cs), 0);
    assert_int_equal(size, 1939);
    assert_int_equal(cs, 0x4f64);
    assert_int_equal(fota_qfupl_reply_parse("+QFUPL: 10240,a05", &size, &cs), 0);
    assert_int_equal(cs, 0x0a05);
    assert_int_equal(fota_qfupl_reply_parse("+QFUPL:12, 4F64", &size, &cs), 0);
    assert_int_equal(size, 12);
    assert_int_equal(fota_qfupl_reply_parse("+QFUPL: 12", &size, &cs), -1);
    assert_int_equal(fota_qfupl_reply_parse("+QFUPL: 12,12345", &size, &cs), -1);
    assert_int_equal(fota_qfupl_reply_parse("+QFLDS: 12,34", &size, &cs), -1);
}

static void mask_hides_every_url_password(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\"",
         "AT+QFOTADL=\"ftp://test:***@124.74.41.170:21/Jun/update-v12-to-v13.zip\""},
        {"FTP://user:p@ss/w0rd@host/x.bin", "FTP://user:***@host/x.bin"},
        {"http://www.quectel.com:100/update.zip", "http://www.quectel.com:100/update.zip"},
        {"ftp://anonymous@host/x", "ftp://anonymous@host/x"},
        {"a ftp://a:b@h/1 and https://c:d@h/2", "a ftp://a:***@h/1 and https://c:***@h/2"},
        {"no url here", "no url here"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[256];
        fota_secret_mask(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
    }
    char small[12];
    size_t n = fota_secret_mask("ftp://user:secret@host", small, sizeof small);
    assert_int_equal(n, strlen(small));
    assert_null(strstr(small, "secret"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(luhn_accepts_real_imeis_and_rejects_one_digit_off),
        cmocka_unit_test(imei_parse_tolerates_gsn_and_cgsn_spellings),
        cmocka_unit_test(imei_read_takes_any_15_digits_and_problem_says_why),
        cmocka_unit_test(qfupl_checksum_xors_big_endian_pairs),
        cmocka_unit_test(qfupl_reply_parses_unpadded_lowercase_hex),
        cmocka_unit_test(mask_hides_every_url_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
