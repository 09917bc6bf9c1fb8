/* One module, one row, whatever its IMEI: the judgement the probe and identification
 * share, on slots as the station holds them (no loop, no ports needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "slot_rules.h"

#define HUB1 "pci-0000:00:14.0-usb-0:1.1.1"
#define HUB2 "pci-0000:00:14.0-usb-0:1.1.2"
#define CLONE "860123300000014"
#define BLANK "000000000000000"

typedef struct {
    slot_line_t line;
    slot_t s[3];
    slot_t *v[3];
    slot_attempt_t a[3];
} line_t;

static void line_init(line_t *l, const char *a, const char *b, const char *c)
{
    memset(l, 0, sizeof *l);
    const char *names[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        l->s[i].line = &l->line;
        strcpy(l->s[i].name, names[i]);
        l->v[i] = &l->s[i];
    }
    l->line.slots = l->v;
    l->line.n_slots = 3;
}

/* Slot i runs an attempt on a module with this IMEI (held: identified and kept). */
static void running(line_t *l, int i, const char *imei, bool held)
{
    l->s[i].a = &l->a[i];
    strcpy(l->s[i].view.imei, imei);
    l->a[i].imei_held = held;
}

static void two_hub_ports_are_two_modules(void **state)
{
    (void)state;
    line_t l;
    line_init(&l, HUB1, HUB2, "m11-if3");
    running(&l, 0, CLONE, true);
    const slot_t *other;
    char why[320];
    assert_int_equal(slot_rules_imei(&l.s[1], CLONE, &other, why, sizeof why), SLOT_IMEI_REFUSED);
    assert_ptr_equal(other, &l.s[0]);
    assert_non_null(strstr(why, "also on slot " HUB1));
    assert_non_null(strstr(why, "cloned"));
    /* a link whose name hides the hub could be the same module's other port */
    assert_int_equal(slot_rules_imei(&l.s[2], CLONE, &other, why, sizeof why),
                     SLOT_IMEI_OTHER_PORT);
    assert_ptr_equal(other, &l.s[0]);
}

static void first_identified_clone_wins(void **state)
{
    (void)state;
    line_t l;
    line_init(&l, HUB1, HUB2, "pci-0000:00:14.0-usb-0:1.1.3");
    running(&l, 0, CLONE, false); /* probed, not identified yet */
    const slot_t *other;
    char why[320];
    assert_int_equal(slot_rules_imei(&l.s[1], CLONE, &other, why, sizeof why), SLOT_IMEI_NEW);
    assert_string_equal(why, "");
    /* a finished module still plugged in holds its IMEI too */
    l.s[2].stage = SLOT_DONE;
    l.s[2].present = true;
    strcpy(l.s[2].last.imei, CLONE);
    assert_int_equal(slot_rules_imei(&l.s[1], CLONE, &other, why, sizeof why), SLOT_IMEI_REFUSED);
    assert_ptr_equal(other, &l.s[2]);
    l.s[2].present = false; /* pulled: no longer */
    assert_int_equal(slot_rules_imei(&l.s[1], CLONE, &other, why, sizeof why), SLOT_IMEI_NEW);
}

static void blank_and_invalid_are_refused_alone(void **state)
{
    (void)state;
    line_t l;
    line_init(&l, HUB1, HUB2, "m11-if3");
    const slot_t *other;
    char why[320];
    assert_int_equal(slot_rules_imei(&l.s[0], BLANK, &other, why, sizeof why), SLOT_IMEI_REFUSED);
    assert_null(other);
    assert_non_null(strstr(why, "blank"));
    assert_int_equal(slot_rules_imei(&l.s[0], "490154203237519", &other, why, sizeof why),
                     SLOT_IMEI_REFUSED);
    assert_non_null(strstr(why, "check digit"));
    /* another hub port's blank module is another module: refused for its zeros */
    running(&l, 1, BLANK, false);
    assert_int_equal(slot_rules_imei(&l.s[0], BLANK, &other, why, sizeof why), SLOT_IMEI_REFUSED);
    assert_null(other);
    /* where names hide the hub, the same zeros on a plain link are its other port */
    assert_int_equal(slot_rules_imei(&l.s[2], BLANK, &other, why, sizeof why),
                     SLOT_IMEI_OTHER_PORT);
    /* no IMEI read yet: identification decides */
    assert_int_equal(slot_rules_imei(&l.s[0], "", &other, why, sizeof why), SLOT_IMEI_NEW);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_hub_ports_are_two_modules),
        cmocka_unit_test(first_identified_clone_wins),
        cmocka_unit_test(blank_and_invalid_are_refused_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
