/* Builds a large results database for the report benchmark (not a test):
 * N attempts (default 1,000,000) with E events each (default 20), schema from
 * fota_store_open, rows written in one transaction with prepared statements.
 * Usage: db_generate FILE [attempts] [events_per_attempt] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "iso_time.h"
#include "store.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) /* xorshift64*: fast, reproducible */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}
static int below(int n) { return (int)(next() % (uint64_t)n); }

static const char *const models[] = {"RM500Q", "RM502Q-AE", "RG500Q", "EM060K-GL", "EG060K-EA",
                                     "EM120K-GL", "EC200T", "UC200T"};
static const char *const from_v[] = {"R11A06M4G", "R11A07M4G", "R01A03", "V01", "V02"};
static const struct { const char *cls; int code; const char *text; int weight; } errors[] = {
    {"download", 601, "FTP unknown error", 30},     {"timeout", 0, "update stalled", 20},
    {"download", 701, "HTTP unknown error", 12},    {"package", 552, "package version mismatch", 9},
    {"verify", 0, "END,0 but revision unchanged", 7}, {"space", 504, "no space on module", 5},
    {"port", 0, "port did not come back after reboot", 5}, {"rejected", 3, "CME ERROR 3", 4},
    {"swapped", 0, "IMEI changed across reboot", 2}, {"fatal", 511, "update failed", 6},
};
static const char *const lines[] = {
    "AT", "OK", "ATI", "Quectel", "Revision: RM500QGLABR11A06M4G", "AT+GSN", "866123456789012",
    "AT+QFOTADL=\"https://fota:***@fw.example.com/a06-to-a08.zip\"", "+QIND: \"FOTA\",\"HTTPSTART\"",
    "+QIND: \"FOTA\",\"DOWNLOADING\",50%", "+QIND: \"FOTA\",\"HTTPEND\",0", "RDY",
    "+QIND: \"FOTA\",\"START\"", "+QIND: \"FOTA\",\"UPDATING\",37", "+QIND: \"FOTA\",\"UPDATING\",100",
    "+QIND: \"FOTA\",\"END\",0", "+CPIN: READY", "phase update", "verified revision",
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: db_generate FILE [attempts] [events_per_attempt]\n");
        return 2;
    }
    long n_att = argc > 2 ? atol(argv[2]) : 1000000, n_ev = argc > 3 ? atol(argv[3]) : 20;
    fota_store_t *s;
    char err[256];
    if (fota_store_open(argv[1], &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    fota_store_close(s);
    sqlite3 *db;
    sqlite3_open(argv[1], &db);
    /* Bulk load: no journal, no fsync, big cache; WAL again at the end. */
    sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;"
                     "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins, *ev;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO attempts (batch, station, operator, slot, port, imei, model,"
                           " family, from_version, to_version, final_version, method, package_names,"
                           " package_sha256, started_at, finished_at, result, noop, error_class,"
                           " error_code, error_text, module_retries, hops, download_ms, update_ms,"
                           " duration_ms, last_heard_at) VALUES (?1,'line3-st1','op42',?2,?3,?4,?5,"
                           "'fam',?6,?7,?8,'url',?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?12)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO events (attempt_id, t_ms, dir, text) VALUES (?1,?2,?3,?4)",
                           -1, &ev, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s\n", sqlite3_errmsg(db));
        return 3;
    }
    int total_weight = 0;
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        total_weight += errors[i].weight;
    const long per_batch = 10000;
    int64_t t = 1763900000000LL;
    long new_modules = 0;
    for (long k = 0; k < n_att; k++) {
        char batch[32], slot[48], imei[20], from[48], to[48], start[FOTA_ISO_LEN], end[FOTA_ISO_LEN];
        snprintf(batch, sizeof batch, "B%03ld", k / per_batch);
        snprintf(slot, sizeof slot, "pci-0000:00:14.0-usb-0:%d.%d:1.2", 1 + below(4), 1 + below(7));
        /* ~85% new modules, ~15% retests of a recent module. */
        long module = (below(100) < 85 || new_modules == 0) ? new_modules++
                                                             : new_modules - 1 - below(new_modules < 500 ? (int)new_modules : 500);
        snprintf(imei, sizeof imei, "86%013ld", 1000000 + module * 7);
        const char *model = models[module % 8];
        snprintf(from, sizeof from, "%s%s", model, from_v[module % 5]);
        snprintf(to, sizeof to, "%sR11A08M4G", model);
        int roll = below(1000);
        const char *result = roll < 900 ? "PASS" : roll < 970 ? "FAIL" : roll < 990 ? "SKIP" : "INTERRUPTED";
        int64_t dl = 60000 + below(120000), up = 150000 + below(200000), dur = dl + up + 20000 + below(40000);
        t += 250 + below(500);
        fota_iso_format(t, start);
        fota_iso_format(t + dur, end);
        sqlite3_bind_text(ins, 1, batch, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, slot, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, "/dev/ttyUSB2", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, imei, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, model, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 7, to, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 8, result[0] == 'P' ? to : from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 9, "a-to-b.zip", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 10, "5f2b0c6e9d1a4e8b7c3f2a1d0e9b8c7a6f5e4d3c2b1a09f8e7d6c5b4a3928170", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 11, start, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 12, end, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 13, result, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 14, result[0] == 'P' && below(50) == 0);
        if (result[0] == 'F') {
            int w = below(total_weight), i = 0;
            while (w >= errors[i].weight)
                w -= errors[i++].weight;
            sqlite3_bind_text(ins, 15, errors[i].cls, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 16, errors[i].code);
            sqlite3_bind_text(ins, 17, errors[i].text, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(ins, 15);
            sqlite3_bind_int(ins, 16, 0);
            sqlite3_bind_null(ins, 17);
        }
        sqlite3_bind_int(ins, 18, below(20) == 0);
        sqlite3_bind_int(ins, 19, 1 + (below(4) == 0));
        sqlite3_bind_int64(ins, 20, dl);
        sqlite3_bind_int64(ins, 21, up);
        sqlite3_bind_int64(ins, 22, dur);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "%s\n", sqlite3_errmsg(db));
            return 3;
        }
        sqlite3_reset(ins);
        int64_t id = sqlite3_last_insert_rowid(db);
        for (long e = 0; e < n_ev; e++) {
            sqlite3_bind_int64(ev, 1, id);
            sqlite3_bind_int64(ev, 2, t + e * (dur / n_ev));
            sqlite3_bind_text(ev, 3, e % 2 ? "rx" : "tx", -1, SQLITE_STATIC);
            sqlite3_bind_text(ev, 4, lines[e % (long)(sizeof lines / sizeof lines[0])], -1, SQLITE_STATIC);
            sqlite3_step(ev);
            sqlite3_reset(ev);
        }
        if (k % 100000 == 99999) {
            fprintf(stderr, "%ld attempts\n", k + 1);
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(ev);
    if (sqlite3_exec(db, "COMMIT; ANALYZE; PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s\n", sqlite3_errmsg(db));
        return 3;
    }
    sqlite3_close(db);
    printf("%ld attempts, %ld events, %ld distinct IMEIs\n", n_att, n_att * n_ev, new_modules);
    return 0;
}
