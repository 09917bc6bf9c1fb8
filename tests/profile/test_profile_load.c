/* The four shipped profiles (profiles/<family>.yaml) load and say what the Quectel notes say:
 * complete error tables, model and USB matching, per-method rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "profile.h"

static int load_all(void **state)
{
    static fota_profile_set_t set;
    fota_load_error_t e;
    char msg[600];
    int rc = fota_profile_set_load_dir(FOTA_SOURCE_DIR "/profiles", &set, &e);
    if (rc) {
        fota_load_error_format(&e, msg, sizeof msg);
        print_error("%s\n", msg);
        return -1;
    }
    *state = &set;
    return 0;
}

static int free_all(void **state)
{
    fota_profile_set_free(*state);
    return 0;
}

static const fota_profile_t *fam(void **state, const char *name)
{
    const fota_profile_t *p = fota_profile_set_find_family(*state, name);
    assert_non_null(p);
    return p;
}

static void four_families_sorted_by_file(void **state)
{
    fota_profile_set_t *s = *state;
    assert_int_equal(s->n, 4);
    /* ec200t.yaml < eg06xk.yaml < legacy-gsm.yaml < rg50xq.yaml */
    assert_string_equal(s->v[0]->family, "EC200T");
    assert_string_equal(s->v[1]->family, "EG06xK");
    assert_string_equal(s->v[2]->family, "legacy-GSM");
    assert_string_equal(s->v[3]->family, "RG50xQ");
    assert_non_null(strstr(s->v[3]->source, "rg50xq.yaml"));
    assert_non_null(fota_profile_set_find_family(s, "rg50xq")); /* case-insensitive */
    assert_null(fota_profile_set_find_family(s, "BG96"));
}

static void table_sizes_match_the_seeds(void **state)
{
    static const struct {
        const char *family;
        size_t n[FOTA_TABLE__COUNT]; /* rows incl. code 0; ranges are one row */
    } want[] = {
        {"RG50xQ", {2, 2, 0, 9}},   /* RG50xQ FOTA note Tables 3–5 */
        {"EG06xK", {2, 2, 0, 8}},   /* EG06xK DFOTA note Tables 3–5 */
        {"EC200T", {31, 31, 2, 3}}, /* EC200T FOTA guide Tables 1–4: 601–630, 701–730 */
        {"legacy-GSM", {0, 0, 0, 1}},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const fota_profile_t *p = fam(state, want[i].family);
        for (int t = 0; t < FOTA_TABLE__COUNT; t++)
            assert_int_equal(p->tables[t].n, want[i].n[t]);
    }
    /* Every EC200T FTP code 601..630 and HTTP code 701..730 is listed. */
    const fota_profile_t *ec = fam(state, "EC200T");
    for (int c = 601; c <= 630; c++)
        assert_non_null(fota_profile_lookup_error(ec, FOTA_TABLE_FTP, c));
    for (int c = 701; c <= 730; c++)
        assert_non_null(fota_profile_lookup_error(ec, FOTA_TABLE_HTTP, c));
    assert_null(fota_profile_lookup_error(ec, FOTA_TABLE_FTP, 631));
}

static void meanings_and_classes(void **state)
{
    const fota_profile_t *rg = fam(state, "RG50xQ"), *eg = fam(state, "EG06xK"),
                         *ec = fam(state, "EC200T");
    const fota_error_entry_t *e;
    e = fota_profile_lookup_error(rg, FOTA_TABLE_ERR, 511);
    assert_non_null(e);
    assert_int_equal(e->cls, FOTA_ERR_SPACE);
    assert_non_null(strstr(e->meaning, "no enough space"));
    assert_int_equal(fota_profile_lookup_error(rg, FOTA_TABLE_ERR, 502)->cls, FOTA_ERR_TRANSIENT);
    assert_int_equal(fota_profile_lookup_error(rg, FOTA_TABLE_ERR, 550)->cls, FOTA_ERR_PACKAGE);
    assert_non_null(strstr(fota_profile_lookup_error(rg, FOTA_TABLE_ERR, 550)->meaning, "too large"));
    assert_int_equal(fota_profile_lookup_error(rg, FOTA_TABLE_ERR, 0)->cls, FOTA_ERR_NONE);
    assert_int_equal(fota_profile_lookup_error(rg, FOTA_TABLE_FTP, 601)->cls, FOTA_ERR_DOWNLOAD);
    assert_int_equal(fota_profile_lookup_error(eg, FOTA_TABLE_ERR, 505)->cls, FOTA_ERR_PACKAGE);
    assert_int_equal(fota_profile_lookup_error(eg, FOTA_TABLE_ERR, 510)->cls, FOTA_ERR_PACKAGE);
    assert_null(fota_profile_lookup_error(eg, FOTA_TABLE_ERR, 550)); /* the EG06xK DFOTA note has no 550 */
    assert_string_equal(fota_profile_lookup_error(ec, FOTA_TABLE_HTTP, 714)->meaning,
                        "HTTP(S) DNS error");
    assert_string_equal(fota_profile_lookup_error(ec, FOTA_TABLE_FTP, 625)->meaning,
                        "Failed to login FTP");
    assert_int_equal(fota_profile_lookup_error(ec, FOTA_TABLE_FILE, 500)->cls, FOTA_ERR_DOWNLOAD);
    assert_int_equal(fota_profile_lookup_error(ec, FOTA_TABLE_ERR, 506)->cls, FOTA_ERR_PACKAGE);
    assert_non_null(strstr(fota_profile_lookup_error(ec, FOTA_TABLE_ERR, 506)->meaning, "MD5"));
}

static void ranges_cover_their_ends_only(void **state)
{
    const char *fams[] = {"RG50xQ", "EG06xK"};
    for (size_t i = 0; i < 2; i++) {
        const fota_profile_t *p = fam(state, fams[i]);
        for (int c = 520; c <= 530; c++)
            assert_int_equal(fota_profile_lookup_error(p, FOTA_TABLE_ERR, c)->cls,
                             FOTA_ERR_TRANSIENT);
        for (int c = 540; c <= 546; c++)
            assert_int_equal(fota_profile_lookup_error(p, FOTA_TABLE_ERR, c)->cls,
                             FOTA_ERR_TRANSIENT);
        assert_null(fota_profile_lookup_error(p, FOTA_TABLE_ERR, 519));
        assert_null(fota_profile_lookup_error(p, FOTA_TABLE_ERR, 531));
        assert_null(fota_profile_lookup_error(p, FOTA_TABLE_ERR, 539));
        assert_null(fota_profile_lookup_error(p, FOTA_TABLE_ERR, 547));
        const fota_error_entry_t *e = fota_profile_lookup_error(p, FOTA_TABLE_ERR, 525);
        assert_int_equal(e->lo, 520);
        assert_int_equal(e->hi, 530);
    }
}

static void models_as_ati_prints_them(void **state)
{
    fota_profile_set_t *s = *state;
    static const struct {
        const char *ati;
        const char *family; /* NULL: no profile */
    } cases[] = {
        {"Quectel_RG500Q-EA", "RG50xQ"}, {"RM510Q-GL", "RG50xQ"},  {"RG500Q", "RG50xQ"},
        {"rm502q-ae", "RG50xQ"},         {"EG060K-EA", "EG06xK"},  {"EM060K-GL", "EG06xK"},
        {"Quectel EG065K-NA", "EG06xK"}, {"EC200T", "EC200T"},     {"UC200T-GL", "EC200T"},
        {"M95", "legacy-GSM"},           {"BG96", NULL},           {"RG500QX", NULL},
        {"EC200", NULL},                 {"", NULL},               {"Quectel_", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fota_profile_t *p = fota_profile_set_match_model(s, cases[i].ati);
        if (!cases[i].family) {
            assert_null(p);
        } else {
            assert_non_null(p);
            assert_string_equal(p->family, cases[i].family);
        }
    }
}

static void usb_ports(void **state)
{
    fota_profile_set_t *s = *state;
    assert_string_equal(fota_profile_set_match_usb(s, 0x2c7c, 0x0800, 2)->family, "RG50xQ");
    assert_null(fota_profile_set_match_usb(s, 0x2c7c, 0x0800, 0)); /* DIAG */
    assert_null(fota_profile_set_match_usb(s, 0x2c7c, 0x0800, 1)); /* GPS */
    assert_string_equal(fota_profile_set_match_usb(s, 0x2c7c, 0x0800, -1)->family, "RG50xQ");
    assert_string_equal(fota_profile_set_match_usb(s, 0x2c7c, 0x0306, 2)->family, "EG06xK");
    assert_string_equal(fota_profile_set_match_usb(s, 0x2c7c, 0x012a, 5)->family, "EG06xK");
    assert_null(fota_profile_set_match_usb(s, 0x2c7c, 0x012a, 2));
    /* AT interface unknown: any interface is a candidate, probed with AT. */
    assert_string_equal(fota_profile_set_match_usb(s, 0x2c7c, 0x0514, 3)->family, "EG06xK");
    assert_string_equal(fota_profile_set_match_usb(s, 0x2c7c, 0x6026, 4)->family, "EC200T");
    assert_null(fota_profile_set_match_usb(s, 0x2c7c, 0x0125, 2)); /* EC25: no profile */
    assert_null(fota_profile_set_match_usb(s, 0x1234, 0x0800, 2));
    assert_int_equal(fam(state, "legacy-GSM")->usb_vendor, 0);
}

static void methods_per_family(void **state)
{
    const fota_profile_t *rg = fam(state, "RG50xQ"), *eg = fam(state, "EG06xK"),
                         *ec = fam(state, "EC200T"), *lg = fam(state, "legacy-GSM");
    const fota_method_profile_t *m;
    m = &rg->methods[FOTA_METHOD_URL];
    assert_true(m->supported);
    assert_int_equal(m->max_url_len, 512);
    assert_false(m->ftp_root_only);
    assert_true(m->reboot_after_download);
    assert_string_equal(m->command, "AT+QFOTADL=\"{arg}\"");
    assert_int_equal(m->n_schemes, 3);
    assert_string_equal(rg->methods[FOTA_METHOD_LOCAL].local_prefix, "/cache/ufs/");
    assert_int_equal(rg->methods[FOTA_METHOD_LOCAL].max_name_len, 80);
    assert_int_equal(rg->methods[FOTA_METHOD_LOCAL].ack_block, 1024);
    assert_false(rg->methods[FOTA_METHOD_STREAM].supported);

    assert_int_equal(eg->methods[FOTA_METHOD_URL].max_url_len, 100);
    assert_string_equal(eg->methods[FOTA_METHOD_LOCAL].local_prefix, "/usrdata/cache/ufs/");
    assert_int_equal(eg->methods[FOTA_METHOD_LOCAL].max_path_len, 100);

    m = &ec->methods[FOTA_METHOD_URL];
    assert_int_equal(m->max_url_len, 255);
    assert_true(m->ftp_root_only);
    assert_false(m->reboot_after_download);
    assert_false(ec->methods[FOTA_METHOD_LOCAL].supported);
    m = &ec->methods[FOTA_METHOD_STREAM];
    assert_true(m->supported);
    assert_string_equal(m->command, "AT+QFOTADL=\"FILE:{arg}\"");
    assert_string_equal(m->flow_command, "AT+QCFG=\"usbifc\",2,2");
    assert_string_equal(m->flow_command_uart, "AT+IFC=2,2");
    assert_int_equal(m->rate_limit_bps, 15000);
    assert_int_equal(m->min_write, 32);

    assert_false(lg->methods[FOTA_METHOD_URL].supported);
    assert_true(lg->methods[FOTA_METHOD_QFUA].require_flow);
    assert_true(lg->methods[FOTA_METHOD_QFUA].guard_ms > 0);
    m = &lg->methods[FOTA_METHOD_QFAW];
    assert_string_equal(m->init_command, "AT+QFAI");
    assert_string_equal(m->write_command, "AT+QFAW=\"{hex}\"");
    assert_string_equal(m->commit_command, "AT+QFAU");
    assert_int_equal(m->max_chunk_bytes, 225); /* 450 hex characters */
    assert_false(m->reboot_after_download);
    assert_null(lg->urc_prefix);
}

static void phases_and_patterns(void **state)
{
    const char *fams[] = {"RG50xQ", "EG06xK", "EC200T"};
    static const struct {
        const char *name;
        fota_phase_t phase;
        fota_table_id_t table;
    } want[] = {
        {"FTPEND", FOTA_PHASE_DL_END, FOTA_TABLE_FTP},
        {"HTTPPEND", FOTA_PHASE_DL_END, FOTA_TABLE_HTTP},
        {"HTTPEPEND", FOTA_PHASE_DL_END, FOTA_TABLE_HTTP},
        {"HTTPEnd", FOTA_PHASE_DL_END, FOTA_TABLE_HTTP},
        {"HTTPSEND", FOTA_PHASE_DL_END, FOTA_TABLE_HTTP},
        {"FILEEND", FOTA_PHASE_DL_END, FOTA_TABLE_FILE},
        {"END", FOTA_PHASE_END, FOTA_TABLE_ERR},
        {"HTTPSSTART", FOTA_PHASE_DL_START, FOTA_TABLE__COUNT},
        {"DOWNLOADING", FOTA_PHASE_DL_PROGRESS, FOTA_TABLE__COUNT},
        {"Last upgrade was not finished,continue upgrade", FOTA_PHASE_RESUME, FOTA_TABLE__COUNT},
    };
    for (size_t f = 0; f < 3; f++) {
        const fota_profile_t *p = fam(state, fams[f]);
        assert_string_equal(p->urc_prefix, "+QIND:");
        assert_string_equal(p->urc_tag, "FOTA");
        assert_int_equal(p->module_retries, 5);
        assert_int_equal(p->timeouts.reboot_ms, 90000);
        assert_int_equal(p->timeouts.command_ms, 5000);
        for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
            size_t i = 0;
            while (i < p->n_phase_names && strcmp(p->phase_names[i].name, want[w].name))
                i++;
            assert_true(i < p->n_phase_names);
            assert_int_equal(p->phase_names[i].phase, want[w].phase);
            assert_int_equal(p->phase_names[i].table, want[w].table);
        }
        size_t boot = 0;
        for (size_t i = 0; i < p->n_text_patterns; i++)
            boot += p->text_patterns[i].phase == FOTA_PHASE_BOOT;
        assert_int_equal(boot, 6);
    }
    const fota_profile_t *lg = fam(state, "legacy-GSM");
    int seen_updating = 0, seen_failed = 0, seen_end = 0;
    for (size_t i = 0; i < lg->n_text_patterns; i++) {
        const fota_text_pattern_t *t = &lg->text_patterns[i];
        if (strcmp(t->pattern, "Update percent = %d%") == 0)
            seen_updating = t->phase == FOTA_PHASE_UPDATING;
        if (strstr(t->pattern, "update failed. status=%d"))
            seen_failed = t->phase == FOTA_PHASE_FAILED && t->table == FOTA_TABLE_ERR;
        if (strstr(t->pattern, "update success. status=%d"))
            seen_end = t->phase == FOTA_PHASE_END;
    }
    assert_true(seen_updating && seen_failed && seen_end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(four_families_sorted_by_file),
        cmocka_unit_test(table_sizes_match_the_seeds),
        cmocka_unit_test(meanings_and_classes),
        cmocka_unit_test(ranges_cover_their_ends_only),
        cmocka_unit_test(models_as_ati_prints_them),
        cmocka_unit_test(usb_ports),
        cmocka_unit_test(methods_per_family),
        cmocka_unit_test(phases_and_patterns),
    };
    return cmocka_run_group_tests(tests, load_all, free_all);
}
