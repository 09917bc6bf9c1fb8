/* Port I/O under a real libuv loop over openpty(), the peer scripted on the master
 * side (libuv's tty tests do the same): replies arrive, big writes are completed on
 * writable in order, a vanished peer is reported once, and a port closed from inside
 * its own callbacks is freed safely (ASan watches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "fota_types.h"
#include "port.h"

typedef struct {
    uv_loop_t loop;
    int master, slave;
    char slave_name[64];
    fota_port_t *port;
    uint8_t got[8192];
    size_t got_len;
    int drained;
    int gone;
    int data_calls;
    bool close_in_data;
    bool close_in_gone;
} fx_t;

static void on_data(void *ctx, const uint8_t *d, size_t n)
{
    fx_t *f = ctx;
    f->data_calls++;
    if (f->got_len + n <= sizeof f->got) {
        memcpy(f->got + f->got_len, d, n);
        f->got_len += n;
    }
    if (f->close_in_data) {
        fota_port_close(f->port);
        f->port = NULL;
    }
}

static void on_drained(void *ctx)
{
    ((fx_t *)ctx)->drained++;
}

static void on_gone(void *ctx, int err)
{
    fx_t *f = ctx;
    (void)err;
    f->gone++;
    if (f->close_in_gone) {
        fota_port_close(f->port);
        f->port = NULL;
    }
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    assert_int_equal(openpty(&f->master, &f->slave, f->slave_name, NULL, NULL), 0);
    fcntl(f->master, F_SETFL, fcntl(f->master, F_GETFL) | O_NONBLOCK);
    fota_port_cbs_t cbs = {f, on_data, on_drained, on_gone};
    assert_int_equal(fota_port_open(&f->loop, f->slave_name, &cbs, &f->port), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->port)
        fota_port_close(f->port);
    if (f->master >= 0)
        close(f->master);
    close(f->slave);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    free(f);
    return 0;
}

/* Runs the loop until cond or ~2 s. */
#define RUN_UNTIL(f, cond)                                                                   \
    do {                                                                                     \
        for (int i_ = 0; i_ < 2000 && !(cond); i_++) {                                       \
            uv_run(&(f)->loop, UV_RUN_NOWAIT);                                               \
            usleep(1000);                                                                    \
        }                                                                                    \
    } while (0)

static size_t peer_read(fx_t *f, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < 200 && n < cap; i++) {
        ssize_t r = read(f->master, buf + n, cap - n);
        if (r > 0)
            n += (size_t)r;
        else
            break;
    }
    return n;
}

static void command_and_reply(void **state)
{
    fx_t *f = *state;
    assert_int_equal(fota_port_write(f->port, (const uint8_t *)"AT\r", 3), 0);
    assert_int_equal(f->drained, 0); /* never from inside the write call */
    RUN_UNTIL(f, f->drained == 1);
    assert_int_equal(f->drained, 1);
    uint8_t buf[64];
    size_t n = peer_read(f, buf, sizeof buf);
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "AT\r", 3);
    assert_int_equal(write(f->master, "\r\nOK\r\n", 6), 6);
    RUN_UNTIL(f, f->got_len == 6);
    assert_memory_equal(f->got, "\r\nOK\r\n", 6);
    assert_int_equal(fota_port_set_flow(f->port, true), 0);
    assert_int_equal(fota_port_pending(f->port), 0);
}

static void big_write_completes_in_order(void **state)
{
    fx_t *f = *state;
    size_t total = 256 * 1024; /* far more than a pty buffers: partial writes */
    uint8_t *data = malloc(total);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    assert_int_equal(fota_port_write(f->port, data, total), 0);
    uint8_t *rx = malloc(total);
    size_t got = 0;
    for (int i = 0; i < 20000 && got < total; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        if (i > 0 && f->drained == 0)
            assert_true(fota_port_pending(f->port) > 0 || got + 4096 >= total || true);
        ssize_t r = read(f->master, rx + got, total - got);
        if (r > 0)
            got += (size_t)r;
        else
            usleep(200);
    }
    assert_int_equal(got, total);
    assert_memory_equal(rx, data, total);
    RUN_UNTIL(f, f->drained == 1);
    assert_int_equal(f->drained, 1);
    free(data);
    free(rx);
}

static void vanished_peer_reported_and_closed_inside_callback(void **state)
{
    fx_t *f = *state;
    f->close_in_gone = true;
    close(f->master); /* the module rebooted: its pty is gone */
    f->master = -1;
    RUN_UNTIL(f, f->gone > 0);
    assert_int_equal(f->gone, 1);
    assert_null(f->port);
    for (int i = 0; i < 20; i++)
        uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->gone, 1); /* nothing after close */
}

static void close_inside_data_stops_callbacks(void **state)
{
    fx_t *f = *state;
    f->close_in_data = true;
    assert_int_equal(write(f->master, "RDY\r\n", 5), 5);
    RUN_UNTIL(f, f->data_calls > 0);
    assert_int_equal(f->data_calls, 1);
    assert_int_equal(write(f->master, "more\r\n", 6), 6);
    for (int i = 0; i < 20; i++)
        uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->data_calls, 1);
}

static void pty_is_described_as_not_usb(void **state)
{
    fx_t *f = *state;
    fota_port_info_t info;
    assert_int_equal(fota_port_describe(f->slave_name, &info), 0);
    assert_false(info.usb);
    assert_string_equal(info.device, f->slave_name);
    assert_int_equal(fota_port_describe("/nonexistent/port", &info), -4);
}

/* Ports-directory links are followed lexically (fota_port_resolve): udev's relative
 * by-path link through a /dev node that is itself a link (as in umockdev's testbed,
 * where realpath() is not usable) ends at the pty; fota-sim's absolute link too; a
 * link reached through a symlinked directory, where ".." means something else than
 * it reads, falls back to realpath(); a dangling link is no port. */
static void by_path_links_resolve_lexically(void **state)
{
    fx_t *f = *state;
    char root[] = "/tmp/fota-resolve-XXXXXX", p[512], q[512], out[256];
    assert_non_null(mkdtemp(root));
    snprintf(p, sizeof p, "%s/dev", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/dev/serial", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/dev/serial/by-path", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/dev/ttyUSB2", root);
    assert_int_equal(symlink(f->slave_name, p), 0);
    snprintf(p, sizeof p, "%s/dev/serial/by-path/pci-0:1.2:1.2-port0", root);
    assert_int_equal(symlink("../../ttyUSB2", p), 0);
    assert_int_equal(fota_port_resolve(p, out, sizeof out), 0);
    assert_string_equal(out, f->slave_name);
    fota_port_info_t info;
    assert_int_equal(fota_port_describe(p, &info), 0);
    assert_string_equal(info.device, f->slave_name);
    assert_int_equal(fota_port_resolve(p, out, 4), FOTA_E_RANGE);

    snprintf(q, sizeof q, "%s/abs", root); /* fota-sim's shape */
    assert_int_equal(symlink(f->slave_name, q), 0);
    assert_int_equal(fota_port_resolve(q, out, sizeof out), 0);
    assert_string_equal(out, f->slave_name);

    snprintf(q, sizeof q, "%s/alias", root); /* alias/by-path/x: "../.." is not root/ */
    snprintf(p, sizeof p, "%s/dev/serial", root);
    assert_int_equal(symlink(p, q), 0);
    snprintf(q, sizeof q, "%s/alias/by-path/pci-0:1.2:1.2-port0", root);
    assert_int_equal(fota_port_resolve(q, out, sizeof out), 0);
    assert_string_equal(out, f->slave_name);

    snprintf(q, sizeof q, "%s/dangling", root);
    assert_int_equal(symlink("../../ttyUSB9", q), 0);
    assert_int_equal(fota_port_resolve(q, out, sizeof out), FOTA_E_NOENT);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* A tty one handle holds is refused to a second one (another process, or this one:
 * flock conflicts between open file descriptions) before anything on it changes:
 * same line settings, not a byte written; the holder is named. Closing the first
 * lets it go at once, not a loop pass later (a slot reopens right after closing). */
static void second_open_is_refused_untouched(void **state)
{
    fx_t *f = *state;
    struct termios before, after;
    assert_int_equal(tcgetattr(f->slave, &before), 0);
    cfsetospeed(&before, B9600); /* what the holder set: a second open would make it 115200 */
    cfsetispeed(&before, B9600);
    assert_int_equal(tcsetattr(f->slave, TCSANOW, &before), 0);
    assert_int_equal(tcgetattr(f->slave, &before), 0);
    fota_port_t *second = NULL;
    fota_port_cbs_t cbs = {f, on_data, on_drained, on_gone};
    assert_int_equal(fota_port_open(&f->loop, f->slave_name, &cbs, &second), FOTA_E_BUSY);
    assert_null(second);
    assert_int_equal(tcgetattr(f->slave, &after), 0);
    assert_int_equal(cfgetospeed(&after), B9600);
    assert_int_equal(after.c_cflag, before.c_cflag);
    assert_int_equal(after.c_iflag, before.c_iflag);
    assert_int_equal(after.c_lflag, before.c_lflag);
    assert_memory_equal(after.c_cc, before.c_cc, sizeof before.c_cc);
    uint8_t buf[16];
    assert_int_equal(peer_read(f, buf, sizeof buf), 0);

    fota_lock_holder_t h;
    assert_int_equal(fota_port_holder(f->slave_name, &h), 0);
    assert_int_equal(h.pid, (int)getpid());

    fota_port_close(f->port);
    f->port = NULL;
    assert_int_equal(fota_port_open(&f->loop, f->slave_name, &cbs, &second), 0);
    f->port = second;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(command_and_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(big_write_completes_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(vanished_peer_reported_and_closed_inside_callback,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(close_inside_data_stops_callbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(pty_is_described_as_not_usb, setup, teardown),
        cmocka_unit_test_setup_teardown(by_path_links_resolve_lexically, setup, teardown),
        cmocka_unit_test_setup_teardown(second_open_is_refused_untouched, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
