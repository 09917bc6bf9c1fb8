/* Field iterator and URC parser: every spelling the Quectel notes and the field show, in
 * the hand-built profile and in each shipped YAML profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "at_chat.h"
#include "at_test_profile.h"
#include "fota_urc.h"

static void fields_tolerate_blanks_quotes_and_percent(void **state)
{
    (void)state;
    const char *args = " \"FOTA\", \"HTTPEnd\" ,  57% ";
    fota_at_fields_t it;
    fota_at_fields_init(&it, args, strlen(args));
    char s[16];
    long v;
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "FOTA");
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "HTTPEnd");
    assert_int_equal(fota_at_fields_next_int(&it, &v), 0);
    assert_int_equal(v, 57);
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), -1);
}

static void fields_keep_commas_inside_quotes_and_truncate_safely(void **state)
{
    (void)state;
    const char *args = "\"FOTA\",\"Last upgrade was not finished,continue upgrade\"";
    fota_at_fields_t it;
    fota_at_fields_init(&it, args, strlen(args));
    char s[64], tiny[5];
    assert_int_equal(fota_at_fields_next_str(&it, tiny, sizeof(tiny)), 0);
    assert_string_equal(tiny, "FOTA");
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "Last upgrade was not finished,continue upgrade");
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), -1);
    /* truncation into a small buffer */
    fota_at_fields_init(&it, args, strlen(args));
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_int_equal(fota_at_fields_next_str(&it, tiny, sizeof(tiny)), 0);
    assert_string_equal(tiny, "Last");
}

static void fields_empty_unterminated_and_bad_numbers(void **state)
{
    (void)state;
    fota_at_fields_t it;
    char s[16];
    long v = 99;
    fota_at_fields_init(&it, "   ", 3);
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), -1);
    /* "a,,b": an empty field in the middle, an empty one at the end */
    fota_at_fields_init(&it, "a,,b,", 5);
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "");
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "b");
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "");
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), -1);
    /* unterminated quote runs to the end */
    fota_at_fields_init(&it, "\"abc", 4);
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_string_equal(s, "abc");
    /* numbers: junk, empty, overflow, two percent signs are refused */
    const char *bad[] = { "12x", "", "%", "99999999999999999999999", "5%%", "0x10", "--1" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fota_at_fields_init(&it, bad[i], strlen(bad[i]));
        v = 99;
        assert_int_equal(fota_at_fields_next_int(&it, &v), -1);
        assert_int_equal(v, 99);
    }
    fota_at_fields_init(&it, "-3 , 4 %", 8);
    assert_int_equal(fota_at_fields_next_int(&it, &v), 0);
    assert_int_equal(v, -3);
    assert_int_equal(fota_at_fields_next_int(&it, &v), 0);
    assert_int_equal(v, 4);
    /* the iterator never reads past len */
    fota_at_fields_init(&it, "\"FOTA\",1234", 8);
    assert_int_equal(fota_at_fields_next_str(&it, s, sizeof(s)), 0);
    assert_int_equal(fota_at_fields_next_int(&it, &v), 0);
    assert_int_equal(v, 1);
}

typedef struct {
    const char *line;
    fota_phase_t phase;
    int value;           /* -1: no value */
    fota_table_id_t table;
} urc_case_t;

#define NOV (-1)
#define NOT FOTA_TABLE__COUNT

/* What the +QIND families print (the RG50xQ, EG06xK and EC200T notes, and variants seen on real modules). */
static const urc_case_t qind_cases[] = {
    { "+QIND: \"FOTA\",\"FTPSTART\"", FOTA_PHASE_DL_START, NOV, NOT },
    { "+QIND: \"FOTA\",\"FTPEND\",0", FOTA_PHASE_DL_END, 0, FOTA_TABLE_FTP },
    { "+QIND: \"FOTA\",\"FTPEND\",601", FOTA_PHASE_DL_END, 601, FOTA_TABLE_FTP },
    { "+QIND: \"FOTA\",\"HTTPSTART\"", FOTA_PHASE_DL_START, NOV, NOT },
    { "+QIND: \"FOTA\",\"HTTPEND\",0", FOTA_PHASE_DL_END, 0, FOTA_TABLE_HTTP },
    { "+QIND: \"FOTA\",\"HTTPPEND\",0", FOTA_PHASE_DL_END, 0, FOTA_TABLE_HTTP },
    { "+QIND: \"FOTA\",\"HTTPEPEND\",701", FOTA_PHASE_DL_END, 701, FOTA_TABLE_HTTP },
    { "+QIND: \"FOTA\", \"HTTPEnd\", 0", FOTA_PHASE_DL_END, 0, FOTA_TABLE_HTTP },
    { "+QIND: \"FOTA\",\"HTTPSSTART\"", FOTA_PHASE_DL_START, NOV, NOT },
    { "+QIND: \"FOTA\",\"HTTPSEND\",0", FOTA_PHASE_DL_END, 0, FOTA_TABLE_HTTP },
    { "+QIND: \"FOTA\", \"FILESTART\"", FOTA_PHASE_DL_START, NOV, NOT },
    { "+QIND: \"FOTA\", \"FILEEND\", 500", FOTA_PHASE_DL_END, 500, FOTA_TABLE_FILE },
    { "+QIND: \"FOTA\", \"START\"", FOTA_PHASE_START, NOV, NOT },
    { "+QIND: \"FOTA\",\"UPDATING\", 1", FOTA_PHASE_UPDATING, 1, NOT },
    { "+QIND: \"FOTA\", \"UPDATING\",100", FOTA_PHASE_UPDATING, 100, NOT },
    { "+qind: \"fota\",\"updating\",57%", FOTA_PHASE_UPDATING, 57, NOT },
    { "+QIND: \"FOTA\",\"DOWNLOADING\",57%", FOTA_PHASE_DL_PROGRESS, 57, NOT },
    { "+QIND: \"FOTA\",\"DOWNLOADING\",3", FOTA_PHASE_DL_PROGRESS, 3, NOT },
    { "+QIND: \"FOTA\",\"RESTORE\",1%", FOTA_PHASE_RESTORE, 1, NOT },
    { "+QIND: \"FOTA\",\"END\",0", FOTA_PHASE_END, 0, FOTA_TABLE_ERR },
    { "+QIND: \"FOTA\",\"END\",520", FOTA_PHASE_END, 520, FOTA_TABLE_ERR },
    { "  +QIND: \"FOTA\",\"END\",0      ", FOTA_PHASE_END, 0, FOTA_TABLE_ERR },
    { "+QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"", FOTA_PHASE_RESUME,
      NOV, NOT },
    { "+QIND: \"FOTA\",\"HTTP END\",0", FOTA_PHASE_DL_END, 0, FOTA_TABLE_HTTP },
    { "RDY", FOTA_PHASE_BOOT, NOV, NOT },
    { "+CPIN: READY", FOTA_PHASE_BOOT, NOV, NOT },
    { "+QUSIM: 1", FOTA_PHASE_BOOT, NOV, NOT },
    { "+CFUN: 1", FOTA_PHASE_BOOT, NOV, NOT },
    { "+QIND: SMS DONE", FOTA_PHASE_BOOT, NOV, NOT },
    { "+QIND: PB DONE", FOTA_PHASE_BOOT, NOV, NOT },
};

/* What the GSM FOTA note's modules print (GSM FOTA note §2.3.1/§2.3.2 and the team's failure text). */
static const urc_case_t text_cases[] = {
    { "Finish data downloading, rebooting....   ", FOTA_PHASE_REBOOTING, NOV, NOT },
    { " Quectel firmware update is processing....", FOTA_PHASE_START, NOV, NOT },
    { ".......RunFirmwareUpdate......", FOTA_PHASE_START, NOV, NOT },
    { " Update  percent = 1%    ", FOTA_PHASE_UPDATING, 1, NOT },
    { "Update percent = 100%", FOTA_PHASE_UPDATING, 100, NOT },
    { "UPDATE PERCENT=7%", FOTA_PHASE_UPDATING, 7, NOT },
    { " Quectel firmware update success. status=0      ", FOTA_PHASE_END, 0, FOTA_TABLE_ERR },
    { "Quectel firmware update failed. status=3", FOTA_PHASE_FAILED, 3, FOTA_TABLE_ERR },
    { "Rebooting....   ", FOTA_PHASE_REBOOTING, NOV, NOT },
    { "RDY", FOTA_PHASE_BOOT, NOV, NOT },
};

/* Never unsolicited: replies and garbage. */
static const char *const not_urcs[] = {
    "OK", "ERROR", "+CME ERROR: 3", "Quectel", "RG500Q", "Revision: RG500QEAAAR11A06M4G",
    "+QFUPL: 1939,4f64", "+QFLDS: 1000,2000", "864636040000019", "",
    "Update percent = %", "Update percent = x%", "Update percent = 7% extra",
    "RDYX", "+CPIN: NOT READY",
};

static void check_cases(const fota_profile_t *p, const urc_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const urc_case_t *c = &cases[i];
        fota_urc_t u;
        if (fota_urc_parse(p, c->line, &u) != 0)
            fail_msg("%s: not parsed: [%s]", p->family, c->line);
        if (u.phase != c->phase || u.has_value != (c->value != NOV) ||
            (c->value != NOV && u.value != c->value) ||
            ((c->phase == FOTA_PHASE_DL_END || c->phase == FOTA_PHASE_END ||
              c->phase == FOTA_PHASE_FAILED) && u.table != c->table))
            fail_msg("%s: [%s] -> %s value=%ld(%d) table=%d", p->family, c->line,
                     fota_phase_name(u.phase), u.value, u.has_value, (int)u.table);
        assert_true(fota_urc_is_unsolicited(p, c->line));
    }
}

static void check_not_urcs(const fota_profile_t *p)
{
    for (size_t i = 0; i < sizeof(not_urcs) / sizeof(not_urcs[0]); i++) {
        fota_urc_t u;
        if (fota_urc_parse(p, not_urcs[i], &u) == 0 || fota_urc_is_unsolicited(p, not_urcs[i]))
            fail_msg("%s: [%s] taken as a URC", p->family, not_urcs[i]);
    }
}

static void test_profile_reads_every_spelling(void **state)
{
    (void)state;
    const fota_profile_t *p = at_test_profile();
    check_cases(p, qind_cases, sizeof(qind_cases) / sizeof(qind_cases[0]));
    check_cases(p, text_cases, sizeof(text_cases) / sizeof(text_cases[0]));
    check_not_urcs(p);
    fota_urc_t u;
    assert_int_equal(fota_urc_parse(p, "+QIND: \"FOTA\",\"HTTPEnd\", 0", &u), 0);
    assert_string_equal(u.name, "HTTPEnd"); /* as printed, for transcripts */
    /* an unknown FOTA phase is still unsolicited, but not a phase */
    assert_int_equal(fota_urc_parse(p, "+QIND: \"FOTA\",\"FUTURE\",1", &u), -1);
    assert_true(fota_urc_is_unsolicited(p, "+QIND: \"FOTA\",\"FUTURE\",1"));
    assert_true(fota_urc_is_unsolicited(p, "+QIND: \"csq\",20"));
}

static fota_profile_t *load(const char *yaml)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/profiles/%s", FOTA_SOURCE_DIR, yaml);
    fota_profile_t *p = NULL;
    fota_load_error_t err;
    if (fota_profile_load_file(path, &p, &err) != 0) {
        char msg[600];
        fota_load_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    return p;
}

static void shipped_qind_profiles_read_every_spelling(void **state)
{
    (void)state;
    const char *files[] = { "rg50xq.yaml", "eg06xk.yaml", "ec200t.yaml" };
    for (size_t i = 0; i < 3; i++) {
        fota_profile_t *p = load(files[i]);
        check_cases(p, qind_cases, sizeof(qind_cases) / sizeof(qind_cases[0]));
        check_not_urcs(p);
        /* the GSM FOTA note's text is not theirs */
        fota_urc_t u;
        assert_int_equal(fota_urc_parse(p, " Update  percent = 1%", &u), -1);
        fota_profile_free(p);
    }
}

static void shipped_legacy_profile_reads_seed_004(void **state)
{
    (void)state;
    fota_profile_t *p = load("legacy-gsm.yaml");
    check_cases(p, text_cases, sizeof(text_cases) / sizeof(text_cases[0]));
    check_not_urcs(p);
    /* no +QIND on these modules: such a line is not theirs */
    fota_urc_t u;
    assert_int_equal(fota_urc_parse(p, "+QIND: \"FOTA\",\"END\",0", &u), -1);
    fota_profile_free(p);
}

/* The pattern syntax of profile.h, through a one-pattern profile. */
static int match_one(const char *pattern, const char *line, long *value)
{
    fota_text_pattern_t tp = { (char *)pattern, FOTA_PHASE_UPDATING, FOTA_TABLE__COUNT };
    fota_profile_t p = { .family = (char *)"T", .text_patterns = &tp, .n_text_patterns = 1 };
    fota_urc_t u;
    if (fota_urc_parse(&p, line, &u) != 0)
        return -1;
    *value = u.has_value ? u.value : -999;
    return 0;
}

static void pattern_syntax(void **state)
{
    (void)state;
    long v;
    assert_int_equal(match_one("a b", "A   B", &v), 0);
    assert_int_equal(match_one("a b", "ab", &v), 0);        /* a blank run may be empty */
    assert_int_equal(match_one("ab", "a b", &v), -1);       /* but blanks are not invented */
    assert_int_equal(match_one("x=%d", "x= -12", &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(match_one("x=%d", "x=", &v), -1);
    assert_int_equal(match_one("x=%d", "x=99999999999", &v), -1); /* overflow refused */
    assert_int_equal(match_one("*end", "the end", &v), 0);
    assert_int_equal(match_one("*end", "the end!", &v), -1); /* whole line */
    assert_int_equal(match_one("a*b*c", "a-b-b-c", &v), 0);
    assert_int_equal(match_one("*%d%*", "progress 42% so far", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(match_one("*", "", &v), -1);   /* an empty line is never a URC */
    assert_int_equal(match_one("   ", "x", &v), -1); /* a blank pattern matches nothing */
    assert_int_equal(match_one("100%", "100%", &v), 0); /* '%' without d is literal */
    assert_int_equal(v, -999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_tolerate_blanks_quotes_and_percent),
        cmocka_unit_test(fields_keep_commas_inside_quotes_and_truncate_safely),
        cmocka_unit_test(fields_empty_unterminated_and_bad_numbers),
        cmocka_unit_test(test_profile_reads_every_spelling),
        cmocka_unit_test(shipped_qind_profiles_read_every_spelling),
        cmocka_unit_test(shipped_legacy_profile_reads_seed_004),
        cmocka_unit_test(pattern_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
