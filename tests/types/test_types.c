/* The words stored in the database and printed in reports round-trip. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fota_types.h"

static void method_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < FOTA_METHOD__COUNT; i++) {
        fota_method_t m;
        assert_int_equal(fota_method_from_name(fota_method_name((fota_method_t)i), &m), 0);
        assert_int_equal(m, i);
    }
    fota_method_t m;
    assert_int_equal(fota_method_from_name("carrier-pigeon", &m), -1);
}

static void error_classes_round_trip(void **state)
{
    (void)state;
    for (int i = 1; i < FOTA_ERR__COUNT; i++) {
        fota_error_class_t c;
        assert_int_equal(fota_error_class_from_name(fota_error_class_name((fota_error_class_t)i), &c), 0);
        assert_int_equal(c, i);
    }
    fota_error_class_t c;
    assert_int_equal(fota_error_class_from_name("", &c), -1);
    /* a module in emergency download mode or an unknown USB composition */
    assert_int_equal(fota_error_class_from_name("usb_mode", &c), 0);
    assert_int_equal(c, FOTA_ERR_USB_MODE);
    assert_string_equal(fota_result_name(FOTA_RESULT_INTERRUPTED), "INTERRUPTED");
}

/* One table from errno to words: EACCES was "i/o error", EISDIR "out of memory". */
static void file_errors_have_their_own_words(void **state)
{
    (void)state;
    assert_int_equal(fota_error_from_errno(EACCES), FOTA_E_ACCES);
    assert_int_equal(fota_error_from_errno(EPERM), FOTA_E_ACCES);
    assert_int_equal(fota_error_from_errno(EISDIR), FOTA_E_ISDIR);
    assert_int_equal(fota_error_from_errno(ENOENT), FOTA_E_NOENT);
    assert_int_equal(fota_error_from_errno(ENOTDIR), FOTA_E_NOTDIR);
    assert_int_equal(fota_error_from_errno(EIO), FOTA_E_IO);
    /* No descriptor left says nothing about the file: not "i/o error". */
    assert_int_equal(fota_error_from_errno(EMFILE), FOTA_E_MFILE);
    assert_int_equal(fota_error_from_errno(ENFILE), FOTA_E_MFILE);
    assert_string_equal(fota_strerror(FOTA_E_MFILE), "too many open files");
    assert_string_equal(fota_strerror(FOTA_E_ACCES), "permission denied");
    assert_string_equal(fota_strerror(FOTA_E_ISDIR), "is a folder, not a file");
    assert_string_equal(fota_strerror(FOTA_E_NOTREG),
                        "not a regular file (a FIFO, device or socket)");
    assert_string_equal(fota_strerror(FOTA_E_EMPTY), "empty (0 bytes)");
    assert_string_equal(fota_strerror(-1000), "unknown error");
    assert_string_equal(fota_strerror(5), "unknown error");
    for (int c = 0; c >= FOTA_E_MFILE; c--)
        assert_string_not_equal(fota_strerror(c), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(method_names_round_trip),
        cmocka_unit_test(error_classes_round_trip),
        cmocka_unit_test(file_errors_have_their_own_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
