/* usb-hub: runs one command inside a umockdev testbed of a USB hub (hub_bed.h) the
 * way umockdev-run does (UMOCKDEV_DIR + LD_PRELOAD of libumockdev-preload), while
 * this process, outside the preload, relays the emulated ttys to fota-sim modules
 * and logs what the command writes to each of them.
 *
 *   usb-hub --testbed FILE [--sim-ports DIR] [--answer NAME]... [--log FILE]
 *           [--timeout S] [--sim-control FIFO] -- COMMAND [ARGS...]
 *
 * --sim-control: the hub's port power switches (hub_power.h) unplug and plug the
 * fota-sim module on that port through its control FIFO.
 *
 * Exits with the command's exit status (128+signal when killed), 77 when the
 * testbed cannot be made (no umockdev preload library), 2 on usage errors. */
#include <glib-unix.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "hub_bed.h"
#include "hub_power.h"

typedef struct {
    GMainLoop *loop;
    GPid child;
    int status;
    bool exited;
} hub_run_t;

static void child_exited(GPid pid, gint status, gpointer data)
{
    hub_run_t *r = data;
    g_spawn_close_pid(pid);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->exited = true;
    g_main_loop_quit(r->loop);
}

static gboolean child_kill(gpointer data)
{
    hub_run_t *r = data;
    if (!r->exited)
        kill(r->child, SIGKILL); /* e.g. stuck with signals blocked in a sanitizer report */
    return G_SOURCE_REMOVE;
}

static gboolean child_timeout(gpointer data)
{
    hub_run_t *r = data;
    fprintf(stderr, "usb-hub: command still running at the timeout, terminating it\n");
    kill(r->child, SIGTERM);
    g_timeout_add_seconds(5, child_kill, r);
    return G_SOURCE_REMOVE;
}

static gboolean forward_signal(gpointer data)
{
    hub_run_t *r = data;
    kill(r->child, SIGTERM);
    return G_SOURCE_CONTINUE;
}

/* What umockdev-run gives its command: the testbed's root and the preload library
 * first. A sanitized build's runtime would refuse not to be first; it works after
 * the preload all the same (the preload only wraps libc calls). */
static char **child_env(const char *root)
{
    char **env = g_get_environ();
    env = g_environ_setenv(env, "UMOCKDEV_DIR", root, TRUE);
    const char *pre = g_environ_getenv(env, "LD_PRELOAD");
    char *preload = pre && *pre ? g_strconcat("libumockdev-preload.so.0:", pre, NULL)
                                : g_strdup("libumockdev-preload.so.0");
    env = g_environ_setenv(env, "LD_PRELOAD", preload, TRUE);
    const char *asan = g_environ_getenv(env, "ASAN_OPTIONS");
    char *asan2 = g_strconcat(asan && *asan ? asan : "", asan && *asan ? ":" : "",
                              "verify_asan_link_order=0", NULL);
    env = g_environ_setenv(env, "ASAN_OPTIONS", asan2, TRUE);
    g_free(preload);
    g_free(asan2);
    return env;
}

int main(int argc, char **argv)
{
    char *testbed = NULL, *sim_dir = NULL, *log_path = NULL, **answer = NULL, *control = NULL;
    int timeout = 0;
    GOptionEntry entries[] = {
        {"testbed", 0, 0, G_OPTION_ARG_FILENAME, &testbed, "umockdev-record file", "FILE"},
        {"sim-ports", 0, 0, G_OPTION_ARG_FILENAME, &sim_dir, "fota-sim ports directory", "DIR"},
        {"answer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &answer, "tty or by-path name answering OK", "NAME"},
        {"log", 0, 0, G_OPTION_ARG_FILENAME, &log_path, "event and write log (TSV)", "FILE"},
        {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "terminate the command after S seconds", "S"},
        {"sim-control", 0, 0, G_OPTION_ARG_FILENAME, &control, "fota-sim control FIFO", "FIFO"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("-- COMMAND [ARGS...]");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    bool ok = g_option_context_parse(ctx, &argc, &argv, &err);
    g_option_context_free(ctx);
    int cmd = 1;
    if (ok && argc > 1 && g_strcmp0(argv[1], "--") == 0)
        cmd = 2;
    if (!ok || !testbed || cmd >= argc) {
        fprintf(stderr, "usage: usb-hub --testbed FILE [--sim-ports DIR] [--answer NAME]... "
                        "[--log FILE] [--timeout S] [--sim-control FIFO] -- COMMAND [ARGS...]%s%s\n",
                err ? ": " : "", err ? err->message : "");
        return 2;
    }
    if (!g_file_test("/usr/bin/umockdev-run", G_FILE_TEST_EXISTS) &&
        !g_find_program_in_path("umockdev-run")) {
        fprintf(stderr, "usb-hub: umockdev is not installed (skipped)\n");
        return 77;
    }
    FILE *log = log_path ? fopen(log_path, "w") : fopen("/dev/null", "w");
    if (!log) {
        perror(log_path);
        return 2;
    }
    hub_bed_t *bed = hub_bed_new(testbed, sim_dir, answer, log, &err);
    if (!bed) {
        fprintf(stderr, "usb-hub: %s\n", err->message);
        return 2;
    }
    char *record = NULL;
    hub_power_t *power = NULL;
    if (g_file_get_contents(testbed, &record, NULL, NULL))
        power = hub_power_new(bed, record, control, log);
    g_free(record);
    hub_run_t run = {g_main_loop_new(NULL, FALSE), 0, 0, false};
    char **env = child_env(hub_bed_root(bed));
    if (!g_spawn_async(NULL, argv + cmd, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                       NULL, NULL, &run.child, &err)) {
        fprintf(stderr, "usb-hub: %s: %s\n", argv[cmd], err->message);
        return 2;
    }
    g_child_watch_add(run.child, child_exited, &run);
    if (timeout > 0)
        g_timeout_add_seconds((guint)timeout, child_timeout, &run);
    g_unix_signal_add(SIGTERM, forward_signal, &run);
    g_unix_signal_add(SIGINT, forward_signal, &run);
    g_main_loop_run(run.loop);
    g_strfreev(env);
    hub_power_free(power);
    hub_bed_free(bed);
    fclose(log);
    g_main_loop_unref(run.loop);
    g_free(testbed);
    g_free(sim_dir);
    g_free(log_path);
    g_free(control);
    g_strfreev(answer);
    return run.status;
}
