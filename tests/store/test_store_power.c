/* attempts.power_cycles: how often the station power-cycled the module's hub port
 * for this attempt. Written with the verdict, 0 on rows of files from before the
 * column (migrated in place), and shipped to the central database either way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_schema.h"
#include "store_ship.h"
#include "store_test_util.h"

#define T0 1763900000000LL

static int64_t finish_one(fota_store_t *s, const char *imei, int cycles)
{
    fota_attempt_t a;
    tu_attempt(&a, imei, "BP", T0);
    int64_t id = 0;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    a.finished_at_ms = T0 + 1000;
    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_TIMEOUT;
    snprintf(a.error_text, sizeof a.error_text, "no answer to AT after %d power cycles", cycles);
    a.power_cycles = cycles;
    assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
    assert_int_equal(fota_store_flush(s), 0);
    return id;
}

static void verdict_carries_its_power_cycles(void **state)
{
    (void)state;
    tu_remove_db("power.db");
    fota_store_t *s = NULL;
    assert_int_equal(fota_store_open("power.db", &s, NULL, 0), 0);
    finish_one(s, "861234567890123", 2);
    sqlite3 *r = tu_reader("power.db");
    assert_int_equal(tu_int(r, "SELECT power_cycles FROM attempts"), 2);
    sqlite3_close(r);
    fota_store_close(s);
}

/* What the shipper hands the central database: power_cycles is the last field. */
static char last_field[32];
static int take(void *ctx, int64_t id, const char *const *f, int n)
{
    (void)ctx, (void)id;
    snprintf(last_field, sizeof last_field, "%s", f[n - 1] ? f[n - 1] : "NULL");
    return 0;
}

static void ship_last_field(const char *db)
{
    fota_store_ship_t *sh = NULL;
    char err[256] = "";
    last_field[0] = '\0';
    assert_int_equal(fota_store_ship_open(db, &sh, err, sizeof err), 0);
    assert_int_equal(fota_store_ship_attempts(sh, 0, "host", 10, take, NULL), 0);
    fota_store_ship_close(sh);
}

static void older_file_reads_zero_and_migrates(void **state)
{
    (void)state;
    tu_remove_db("power-old.db");
    fota_store_t *s = NULL;
    assert_int_equal(fota_store_open("power-old.db", &s, NULL, 0), 0);
    finish_one(s, "861234567890124", 0);
    fota_store_close(s);
    ship_last_field("power-old.db");
    assert_string_equal(last_field, "0");
    /* made into a file of the schema before the column, as an older station left it */
    sqlite3 *w;
    assert_int_equal(sqlite3_open("power-old.db", &w), SQLITE_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "ALTER TABLE attempts DROP COLUMN power_cycles;"
                              " DROP TABLE port_service; PRAGMA user_version = %d;",
             FOTA_STORE_POWER_VERSION - 1);
    assert_int_equal(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);
    /* the shipper reads such a file as it is: 0, no station cut their power */
    ship_last_field("power-old.db");
    assert_string_equal(last_field, "0");
    /* the station migrates it: old rows 0, new rows their count */
    assert_int_equal(fota_store_open("power-old.db", &s, NULL, 0), 0);
    sqlite3 *r = tu_reader("power-old.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    assert_int_equal(tu_int(r, "SELECT power_cycles FROM attempts"), 0);
    int64_t id = finish_one(s, "861234567890125", 1);
    snprintf(sql, sizeof sql, "SELECT power_cycles FROM attempts WHERE id = %lld", (long long)id);
    assert_int_equal(tu_int(r, sql), 1);
    sqlite3_close(r);
    fota_store_close(s);
    ship_last_field("power-old.db");
    assert_string_equal(last_field, "1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict_carries_its_power_cycles),
        cmocka_unit_test(older_file_reads_zero_and_migrates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
