/* `fota-station probe` against a scripted module on a pty: it lists what the module
 * says, and sends nothing but ATI and AT+GSN (probe changes nothing, not even echo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

typedef struct {
    int master;
    char heard[1024]; /* every command line the module received */
    volatile int stop;
} module_t;

/* A module with echo on: echoes each line, answers ATI and AT+GSN, ERROR otherwise. */
static void *module_main(void *arg)
{
    module_t *m = arg;
    char line[256];
    size_t len = 0;
    while (!m->stop) {
        char c;
        ssize_t n = read(m->master, &c, 1);
        if (n <= 0) {
            usleep(1000);
            continue;
        }
        if (c != '\r') {
            if (len + 1 < sizeof line)
                line[len++] = c;
            continue;
        }
        line[len] = '\0';
        len = 0;
        strncat(m->heard, line, sizeof m->heard - strlen(m->heard) - 2);
        strcat(m->heard, ";");
        char reply[512];
        if (strcmp(line, "ATI") == 0)
            snprintf(reply, sizeof reply,
                     "%s\r\r\nQuectel\r\nRG500Q-EA\r\nRevision: RG500QEAAAR11A06M4G\r\n\r\nOK\r\n", line);
        else if (strcmp(line, "AT+GSN") == 0)
            snprintf(reply, sizeof reply, "%s\r\r\n+QIND: PB DONE\r\n490154203237518\r\n\r\nOK\r\n", line);
        else
            snprintf(reply, sizeof reply, "%s\r\r\nERROR\r\n", line);
        if (write(m->master, reply, strlen(reply)) < 0)
            break;
    }
    return NULL;
}

static void probe_lists_module_and_changes_nothing(void **state)
{
    (void)state;
    char dir[] = "/tmp/fota-probe-XXXXXX";
    assert_non_null(mkdtemp(dir));
    module_t m = {0};
    int slave;
    char name[64];
    assert_int_equal(openpty(&m.master, &slave, name, NULL, NULL), 0);
    char link[512];
    snprintf(link, sizeof link, "%s/pci-0000:00:14.0-usb-0:1.3:1.2", dir);
    assert_int_equal(symlink(name, link), 0);
    fcntl(m.master, F_SETFL, fcntl(m.master, F_GETFL) | O_NONBLOCK);
    pthread_t th;
    pthread_create(&th, NULL, module_main, &m);

    char out[4096] = "";
    FILE *f = fmemopen(out, sizeof out, "w");
    assert_int_equal(fota_probe_main(dir, FOTA_SOURCE_DIR "/profiles", true, f), 0);
    fclose(f);
    m.stop = 1;
    pthread_join(th, NULL);

    assert_non_null(strstr(out, "\"slot\": \"pci-0000:00:14.0-usb-0:1.3\""));
    assert_non_null(strstr(out, "\"interface\": 2"));
    assert_non_null(strstr(out, "\"model\": \"RG500Q-EA\""));
    assert_non_null(strstr(out, "\"imei\": \"490154203237518\""));
    assert_non_null(strstr(out, "\"revision\": \"RG500QEAAAR11A06M4G\""));
    assert_non_null(strstr(out, "\"profile\": \"RG50xQ\""));
    assert_string_equal(m.heard, "ATI;AT+GSN;");

    unlink(link);
    rmdir(dir);
    close(m.master);
    close(slave);
}

static void probe_of_missing_dir_is_a_runtime_fault(void **state)
{
    (void)state;
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(fota_probe_main("/nonexistent/ports", FOTA_SOURCE_DIR "/profiles", false, devnull), 3);
    fclose(devnull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_lists_module_and_changes_nothing),
        cmocka_unit_test(probe_of_missing_dir_is_a_runtime_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
