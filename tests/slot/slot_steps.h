/* Steps the slot's lifecycle tests share (test_slot_lifecycle.c, test_slot_control.c):
 * a module brought to a point of its life on the fake host. */
#ifndef FOTA_TEST_SLOT_STEPS_H
#define FOTA_TEST_SLOT_STEPS_H

#include <string.h>

#include "fake_host.h"

#define S(fh, k) (&(fh)->slots[k])

/* Four tty interfaces of no USB identity (ptys): every one is a candidate. */
static inline void plug4(fh_t *fh, int k)
{
    for (int num = 0; num < 4; num++)
        fh_plug(fh, k, num, false);
}

/* One pty link, a module behind it, run until its attempt has a verdict. */
static inline void run_to_verdict(fh_t *fh, int k, const char *rev, const char *imei)
{
    fh_plug(fh, k, 0, false);
    fh_module(fh, k, 0, rev, imei);
    fh_advance(fh, 10000);
}

/* A module identified and upgrading on interface num (usb: a real USB port). */
static inline void upgrading(fh_t *fh, int k, bool usb, int num)
{
    fh_plug(fh, k, num, usb);
    fh_module(fh, k, num, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, k)->stage, SLOT_ATTEMPT);
    assert_non_null(strstr(fh_tx(fh, k, num), "AT+QFOTADL=\"http://10.1.2.3/a06-a07.zip\""));
}

#endif
