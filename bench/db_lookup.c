/* Times the rework look-up: the latest verdict for one IMEI, through the
 * latest_results view (what an MES query does) and fota_store_latest_result
 * (what the rework station does). Usage: db_lookup FILE [n] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int n = argc > 2 ? atoi(argv[2]) : 10000;
    sqlite3 *db;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 3;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT id, result FROM latest_results WHERE imei = ?1", -1, &st, NULL);
    long max_module = 850000;
    double worst = 0, t0 = now_us();
    int found = 0;
    srand(1);
    for (int i = 0; i < n; i++) {
        char imei[20];
        snprintf(imei, sizeof imei, "86%013ld", 1000000 + (rand() % max_module) * 7);
        double t = now_us();
        sqlite3_bind_text(st, 1, imei, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW)
            found++;
        sqlite3_reset(st);
        double dt = now_us() - t;
        if (dt > worst)
            worst = dt;
    }
    double view_mean = (now_us() - t0) / n;
    printf("latest_results view: %d look-ups, %d found, mean %.1f us, worst %.1f us\n", n, found,
           view_mean, worst);
    sqlite3_finalize(st);
    sqlite3_close(db);

    fota_store_t *s;
    if (fota_store_open(argv[1], &s, NULL, 0) != 0)
        return 3;
    worst = 0;
    found = 0;
    t0 = now_us();
    for (int i = 0; i < n; i++) {
        char imei[20];
        snprintf(imei, sizeof imei, "86%013ld", 1000000 + (rand() % max_module) * 7);
        fota_result_t r;
        double t = now_us();
        found += fota_store_latest_result(s, imei, &r) == 1;
        double dt = now_us() - t;
        if (dt > worst)
            worst = dt;
    }
    printf("fota_store_latest_result: %d look-ups, %d found, mean %.1f us, worst %.1f us\n", n,
           found, (now_us() - t0) / n, worst);
    fota_store_close(s);
    return 0;
}
