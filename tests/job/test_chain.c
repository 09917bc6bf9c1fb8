/* Package chains: which packages a module at revision X gets, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "job.h"

/* Deltas A04→A05, A05→A06, A06→A07, a shortcut A03→A06, a full image of A07,
 * and an A02→A01 downgrade that leads nowhere. */
static const char job_text[] =
    "name: chains\n"
    "targets:\n"
    "  - models: [RG500Q]\n"
    "    to: RG500QEAAAR11A07M4G\n"
    "    method: local\n"
    "    packages:\n"
    "      - {from: RG500QEAAAR11A06M4G, file: a06-a07.zip}\n"
    "      - {from: RG500QEAAAR11A05M4G, to: RG500QEAAAR11A06M4G, file: a05-a06.zip}\n"
    "      - {from: RG500QEAAAR11A04M4G, to: RG500QEAAAR11A05M4G, file: a04-a05.zip}\n"
    "      - {from: RG500QEAAAR11A03M4G, to: RG500QEAAAR11A06M4G, file: a03-a06.zip}\n"
    "      - {from: RG500QEAAAR11A02M4G, to: RG500QEAAAR11A01M4G, file: a02-a01.zip}\n"
    "      - {file: full-a07.zip}\n"
    "  - family: EC200T\n"
    "    to: EC200TCNTCNMAR02A02M16\n"
    "    method: url\n"
    "    packages:\n"
    "      - {from: EC200TCNTCNMAR02A01M16, url: 'http://h/a01-a02.bin'}\n"
    "  - family: EG06xK\n"
    "    to: EG060KEAAAR01A02M4G\n"
    "    method: local\n"
    "    packages:\n"
    "      - {to: EG060KEAAAR01A01M4G, file: full-a01.zip}\n"
    "      - {from: EG060KEAAAR01A01M4G, file: a01-a02.zip}\n";

static int setup(void **state)
{
    fota_job_t *j;
    fota_load_error_t e;
    if (fota_job_load_buffer("chains.yaml", "/jobs", job_text, sizeof job_text - 1, &j, &e))
        return -1;
    *state = j;
    return 0;
}

static int teardown(void **state)
{
    fota_job_free(*state);
    return 0;
}

static const fota_target_t *target(void **state, size_t i)
{
    return &((fota_job_t *)*state)->targets[i];
}

static void expect_chain(const fota_target_t *t, const char *from, int hops, const char *names)
{
    const fota_package_t *out[8];
    memset(out, 0, sizeof out);
    int h = fota_chain_plan(t, from, out, 8);
    assert_int_equal(h, hops);
    char got[256] = "";
    for (int i = 0; i < h; i++) {
        strcat(got, i ? " " : "");
        strcat(got, out[i]->name);
    }
    assert_string_equal(got, names);
}

static void direct_delta(void **state)
{
    expect_chain(target(state, 0), "RG500QEAAAR11A06M4G", 1, "a06-a07.zip");
}

static void three_hops_in_order(void **state)
{
    expect_chain(target(state, 0), "RG500QEAAAR11A04M4G", 3, "a04-a05.zip a05-a06.zip a06-a07.zip");
}

static void shortest_chain_wins(void **state)
{
    /* A03→A06→A07 (2 hops); no path through A04/A05 from A03 exists anyway, and the
     * full image (1 hop) is only a last resort. */
    expect_chain(target(state, 0), "RG500QEAAAR11A03M4G", 2, "a03-a06.zip a06-a07.zip");
}

static void full_image_when_no_delta_chain(void **state)
{
    expect_chain(target(state, 0), "RG500QEAAAR11A99M4G", 1, "full-a07.zip");
    /* A02 has a delta, but it leads away from the target. */
    expect_chain(target(state, 0), "RG500QEAAAR11A02M4G", 1, "full-a07.zip");
    /* Unknown revision (module did not say): only a full image can help. */
    expect_chain(target(state, 0), NULL, 1, "full-a07.zip");
}

static void full_image_then_delta(void **state)
{
    /* EG06xK target: a full image installs A01, a delta goes on to A02. */
    expect_chain(target(state, 2), "EG060KEAAAR01A00M4G", 2, "full-a01.zip a01-a02.zip");
    expect_chain(target(state, 2), "EG060KEAAAR01A01M4G", 1, "a01-a02.zip");
}

static void no_chain(void **state)
{
    expect_chain(target(state, 1), "EC200TCNTCNMAR01A09M16", -1, "");
}

static void already_at_target(void **state)
{
    expect_chain(target(state, 0), "RG500QEAAAR11A07M4G", 0, "");
    /* AT+QGMR's suffix and case do not matter. */
    expect_chain(target(state, 0), "rg500qeaaar11a07m4g_01.001.01.001", 0, "");
    expect_chain(target(state, 0), "RG500QEAAAR11A06M4G_01.001.01.001", 1, "a06-a07.zip");
}

static void chain_longer_than_room(void **state)
{
    const fota_package_t *out[2];
    assert_int_equal(fota_chain_plan(target(state, 0), "RG500QEAAAR11A04M4G", out, 2), 1);
    assert_string_equal(out[0]->name, "full-a07.zip"); /* 3 deltas do not fit; full does */
}

static void revision_equality(void **state)
{
    (void)state;
    assert_true(fota_revision_equal("RM510QGLAAR11A03M4G", "RM510QGLAAR11A03M4G_01.001.01.001"));
    assert_true(fota_revision_equal("RM510QGLAAR11A03M4G_01.001.01.001", "rm510qglaar11a03m4g"));
    assert_true(fota_revision_equal(" EC200TCNTCNMAR02A02M16\r", "EC200TCNTCNMAR02A02M16"));
    assert_false(fota_revision_equal("RM510QGLAAR11A03M4G", "RM510QGLAAR11A04M4G"));
    assert_false(fota_revision_equal("RM510QGLAAR11A03M4G", "RM510QGLAAR11A03M4G_X"));
    assert_false(fota_revision_equal("RM510QGLAAR11A03M4G", "RM510QGLAAR11A03"));
    assert_false(fota_revision_equal("", ""));
    assert_false(fota_revision_equal(NULL, "A"));
    /* A revision that ends in digits after an underscore but no dot is kept whole. */
    assert_false(fota_revision_equal("REV_01", "REV"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(direct_delta),
        cmocka_unit_test(three_hops_in_order),
        cmocka_unit_test(shortest_chain_wins),
        cmocka_unit_test(full_image_when_no_delta_chain),
        cmocka_unit_test(full_image_then_delta),
        cmocka_unit_test(no_chain),
        cmocka_unit_test(already_at_target),
        cmocka_unit_test(chain_longer_than_room),
        cmocka_unit_test(revision_equality),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
