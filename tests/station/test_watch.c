/* The ports directory as fota-sim and udev change it: links appear, vanish, dangle,
 * and are re-created pointing at a new tty between two scans (a reboot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pty.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>

#include "fota_types.h"

#include "watch.h"

typedef struct {
    char name[128];
    bool present;
    char target[256];
} ev_t;

typedef struct {
    uv_loop_t loop;
    char dir[256];
    ev_t ev[64];
    int n;
    int m1, s1, m2, s2;
    char p1[64], p2[64];
} fx_t;

static void on_link(void *ctx, const char *name, const fota_link_t *l)
{
    fx_t *f = ctx;
    if (f->n >= 64)
        return;
    ev_t *e = &f->ev[f->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->present = l != NULL;
    snprintf(e->target, sizeof e->target, "%s", l ? l->target : "");
}

static void run_for(fx_t *f, int ms)
{
    for (int i = 0; i < ms; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
}

static void link_at(fx_t *f, const char *name, const char *target)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    assert_int_equal(symlink(target, p), 0);
}

static void unlink_at(fx_t *f, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    assert_int_equal(unlink(p), 0);
}

static void links_appear_vanish_and_change(void **state)
{
    (void)state;
    fx_t *f = calloc(1, sizeof *f);
    uv_loop_init(&f->loop);
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/fota-watch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(openpty(&f->m1, &f->s1, f->p1, NULL, NULL), 0);
    assert_int_equal(openpty(&f->m2, &f->s2, f->p2, NULL, NULL), 0);

    link_at(f, "hub1-port1", f->p1);
    link_at(f, "dangling", "/nonexistent/tty");
    char p[512];
    snprintf(p, sizeof p, "%s/README", f->dir);
    FILE *fp = fopen(p, "w");
    fputs("not a port\n", fp);
    fclose(fp);

    fota_watch_t *w;
    assert_int_equal(fota_watch_start(&f->loop, "/nonexistent/dir", 100, on_link, f, &w), -4);
    assert_int_equal(fota_watch_start(&f->loop, f->dir, 2000, on_link, f, &w), 0);
    /* first scan is synchronous: only the real port */
    assert_int_equal(f->n, 1);
    assert_string_equal(f->ev[0].name, "hub1-port1");
    assert_true(f->ev[0].present);
    assert_string_equal(f->ev[0].target, f->p1);

    /* inotify, not the 2 s rescan, reports a new link quickly */
    link_at(f, "hub1-port2", f->p2);
    run_for(f, 200);
    assert_int_equal(f->n, 2);
    assert_string_equal(f->ev[1].name, "hub1-port2");
    assert_true(f->ev[1].present);
    assert_int_equal(fota_watch_count(w), 2);

    /* removed, then back to another tty */
    unlink_at(f, "hub1-port1");
    run_for(f, 200);
    assert_int_equal(f->n, 3);
    assert_false(f->ev[2].present);
    link_at(f, "hub1-port1", f->p2);
    run_for(f, 200);
    assert_int_equal(f->n, 4);
    assert_true(f->ev[3].present);
    assert_string_equal(f->ev[3].target, f->p2);

    /* removed and re-created to the very same tty within one scan: still a change */
    unlink_at(f, "hub1-port2");
    link_at(f, "hub1-port2", f->p2);
    fota_watch_rescan(w);
    run_for(f, 100);
    int gone = 0, back = 0;
    for (int i = 4; i < f->n; i++) {
        if (strcmp(f->ev[i].name, "hub1-port2") == 0) {
            gone += !f->ev[i].present;
            back += f->ev[i].present;
        }
    }
    assert_int_equal(gone, 1);
    assert_int_equal(back, 1);

    fota_watch_stop(w);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    unlink_at(f, "hub1-port1");
    unlink_at(f, "hub1-port2");
    unlink_at(f, "dangling");
    unlink(p);
    rmdir(f->dir);
    close(f->m1); close(f->s1); close(f->m2); close(f->s2);
    free(f);
}

static int last_err = 1;
static void on_error(void *ctx, const char *dir, int err)
{
    (void)ctx;
    (void)dir;
    last_err = err;
}

/* With no descriptor left the folder cannot be opened: that says nothing about the
 * links. None is reported gone (a running module would lose its port), the error is
 * told as "too many open files", and once a descriptor is free the next scan
 * reports what really changed meanwhile. */
static void no_descriptor_keeps_every_link(void **state)
{
    (void)state;
    fx_t *f = calloc(1, sizeof *f);
    uv_loop_init(&f->loop);
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/fota-watch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(openpty(&f->m1, &f->s1, f->p1, NULL, NULL), 0);
    assert_int_equal(openpty(&f->m2, &f->s2, f->p2, NULL, NULL), 0);
    link_at(f, "hub1-port1", f->p1);
    link_at(f, "hub1-port2", f->p2);
    fota_watch_t *w;
    assert_int_equal(fota_watch_start(&f->loop, f->dir, 60000, on_link, f, &w), 0);
    fota_watch_on_error(w, on_error);
    assert_int_equal(f->n, 2);

    struct rlimit saved, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    rl = saved;
    rl.rlim_cur = 256;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int fds[256], n = 0;
    while (n < 256 && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        n++;
    assert_true(n < 256);

    unlink_at(f, "hub1-port2"); /* really gone, but nobody can look */
    fota_watch_rescan(w);
    assert_int_equal(f->n, 2);
    assert_int_equal(last_err, FOTA_E_MFILE);
    assert_int_equal(fota_watch_count(w), 2);
    assert_true(fota_watch_error_keeps(FOTA_E_MFILE));
    assert_false(fota_watch_error_keeps(FOTA_E_NOENT));

    for (int i = 0; i < n; i++)
        close(fds[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    run_for(f, 1300); /* the retry a second later, not the 60 s rescan */
    assert_int_equal(last_err, 0);
    assert_int_equal(f->n, 3);
    assert_string_equal(f->ev[2].name, "hub1-port2");
    assert_false(f->ev[2].present);
    assert_int_equal(fota_watch_count(w), 1);

    fota_watch_stop(w);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    unlink_at(f, "hub1-port1");
    rmdir(f->dir);
    close(f->m1); close(f->s1); close(f->m2); close(f->s2);
    free(f);
}

/* A link name as long as a file name may be (a deep hub chain): seen whole. */
static void long_link_names_are_seen_whole(void **state)
{
    (void)state;
    fx_t *f = calloc(1, sizeof *f);
    uv_loop_init(&f->loop);
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/fota-watch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(openpty(&f->m1, &f->s1, f->p1, NULL, NULL), 0);
    char name[256];
    memset(name, 'h', 255);
    memcpy(name + 240, ":1.2-port0", 10);
    name[255] = '\0';
    link_at(f, name, f->p1);
    fota_link_t *v;
    size_t n;
    assert_int_equal(fota_watch_list(f->dir, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, name);
    free(v);
    unlink_at(f, name);
    rmdir(f->dir);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    close(f->m1); close(f->s1);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(links_appear_vanish_and_change),
        cmocka_unit_test(no_descriptor_keeps_every_link),
        cmocka_unit_test(long_link_names_are_seen_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
