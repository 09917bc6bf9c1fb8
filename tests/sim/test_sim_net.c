/* Real downloads: the simulated modules fetch URL packages from servers the test
 * starts on 127.0.0.1 (python http.server, pyftpdlib, a self-signed HTTPS
 * server), so a wrong path or credential fails as it would on a line. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "simclient.h"

#define T 6000
#define PY "/usr/bin/python3"
#define RG_A06 "RG500QEAAAR11A06M4G"
#define RG_A07 "RG500QEAAAR11A07M4G"
#define EC_R1 "EC200TCNTCNMAR02A01M16"
#define EC_R2 "EC200TCNTCNMAR02A02M16"
#define EG_R1 "EG065KNAAAR01A01M4G"

static pid_t servers[8];
static int n_servers;

static void kill_servers(void)
{
    for (int i = 0; i < n_servers; i++)
        if (servers[i] > 0) {
            kill(servers[i], SIGTERM);
            waitpid(servers[i], NULL, 0);
            servers[i] = 0;
        }
    n_servers = 0;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static int wait_listening(int port)
{
    for (int i = 0; i < 500; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
        close(s);
        if (ok)
            return 0;
        usleep(20000);
    }
    return -1;
}

static int spawn(const char *const *argv, int port)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (n_servers == 0)
        atexit(kill_servers);
    servers[n_servers++] = pid;
    return wait_listening(port);
}

static void start_scenario(simproc_t *p, const char *yaml, int n)
{
    assert_int_equal(sp_start_scenario(p, yaml, n), 0);
    char www[700];
    snprintf(www, sizeof www, "%s/www", p->dir);
    mkdir(www, 0755);
}

static void expect_reenum_boot(simconn_t *c, const char *rev)
{
    assert_int_equal(sc_wait_gone(c, T), 0);
    assert_int_equal(sc_reopen(c, T), 0);
    assert_int_equal(sc_expect(c, "\r\n+QIND: PB DONE\r\n", T), 0);
    char want[96];
    snprintf(want, sizeof want, "Revision: %s\r\n", rev);
    assert_int_equal(sc_at(c, "ATI", T), 0);
    assert_non_null(strstr(c->seen, want));
}

static void http_download_per_family(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - {slot: rg, family: RG50xQ, revision: " RG_A06 ", variants: {downloading: true}}\n"
                   "  - {slot: ec, family: EC200T, revision: " EC_R1 "}\n",
                   2);
    assert_non_null(sp_mkpkg(&p, "www/rg.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 40000"));
    assert_non_null(sp_mkpkg(&p, "www/ec.bin", "--family EC200T --to " EC_R2 " --size 30000"));
    int port = free_port();
    char ps[16], www[700], cmd[300];
    snprintf(ps, sizeof ps, "%d", port);
    snprintf(www, sizeof www, "%s/www", p.dir);
    const char *argv[] = {PY, "-m", "http.server", ps, "--bind", "127.0.0.1", "--directory", www, NULL};
    assert_int_equal(spawn(argv, port), 0);

    /* RG50xQ: HTTPSTART, progress, "HTTPPEND" (RG50xQ FOTA note §3.3.2), reboot, update, reboot */
    assert_int_equal(sc_open(&c, sp_link(&p, "rg")), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://127.0.0.1:%d/missing.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPPEND\",701\r\n", T), 0); /* 404 */
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://127.0.0.1:%d/rg.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPSTART\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"DOWNLOADING\",100\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPPEND\",0\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&c, T), 0);
    assert_int_equal(sc_reopen(&c, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    expect_reenum_boot(&c, RG_A07);
    sc_close(&c);

    /* EC200T: HTTPEND then START on the same port (EC200T FOTA guide §3.2), its own http_err */
    assert_int_equal(sc_open(&c, sp_link(&p, "ec")), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://127.0.0.1:%d/nope.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPEND\",723\r\n", T), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://127.0.0.1:%d/ec.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPEND\",0\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"START\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    expect_reenum_boot(&c, EC_R2);
    sc_close(&c);
    kill_servers();
    assert_int_equal(sp_stop(&p), 0);
}

static void ftp_download_credentials_and_paths(void **state)
{
    (void)state;
    if (system(PY " -c 'import pyftpdlib' 2>/dev/null") != 0)
        skip();
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - {slot: ec, family: EC200T, revision: " EC_R1 "}\n"
                   "  - {slot: eg, family: EG06xK, revision: " EG_R1 "}\n",
                   2);
    assert_non_null(sp_mkpkg(&p, "www/ec.bin", "--family EC200T --to " EC_R2 " --size 25000"));
    assert_non_null(sp_mkpkg(&p, "www/rg.bin", "--family RG50xQ --to X --size 1000"));
    int port = free_port();
    char ps[16], www[700], cmd[300];
    snprintf(ps, sizeof ps, "%d", port);
    snprintf(www, sizeof www, "%s/www", p.dir);
    const char *argv[] = {PY, "-m", "pyftpdlib", "-i", "127.0.0.1", "-p", ps, "-d", www,
                          "-u", "user", "-P", "pass", NULL};
    assert_int_equal(spawn(argv, port), 0);

    assert_int_equal(sc_open(&c, sp_link(&p, "ec")), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"ftp://user:wrong@127.0.0.1:%d/ec.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",625\r\n", T), 0); /* login failed */
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"ftp://user:pass@127.0.0.1:%d/none.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",627\r\n", T), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FTP://user:pass@127.0.0.1:%d/ec.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"FTPSTART\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",0\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"START\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    expect_reenum_boot(&c, EC_R2);
    sc_close(&c);

    /* EG06xK downloads a package of another project: 505 before any reboot (EG06xK DFOTA note §3) */
    assert_int_equal(sc_open(&c, sp_link(&p, "eg")), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"ftp://user:pass@127.0.0.1:%d/rg.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",0\r\n", T), 0);
    assert_int_equal(sc_expect_not(&c, "+QIND: \"FOTA\",\"END\",505\r\n", "START", T), 0);
    assert_int_equal(sc_at(&c, "AT", T), 0); /* same port: no reboot */
    sc_close(&c);
    kill_servers();
    assert_int_equal(sp_stop(&p), 0);
}

static const char https_py[] =
    "import http.server, ssl, sys, os\n"
    "os.chdir(sys.argv[2])\n"
    "s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)\n"
    "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "c.load_cert_chain(sys.argv[3], sys.argv[4])\n"
    "s.socket = c.wrap_socket(s.socket, server_side=True)\n"
    "s.serve_forever()\n";

/* A self-signed test server: refused unless the scenario says tls_insecure. */
static void https_self_signed(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: RG50xQ, revision: " RG_A06 "}\n"
                   "modules:\n"
                   "  - {slot: strict}\n"
                   "  - {slot: lab, tls_insecure: true, variants: {https_urcs: true}}\n",
                   2);
    assert_non_null(sp_mkpkg(&p, "www/rg.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 20000"));
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/key.pem' -out '%s/cert.pem' "
             "-days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1",
             p.dir, p.dir);
    if (system(cmd) != 0)
        skip();
    const char *script = sp_write_file(&p, "https.py", https_py);
    char scr[1200], www[700], cert[700], key[700], ps[16];
    snprintf(scr, sizeof scr, "%s", script);
    snprintf(www, sizeof www, "%s/www", p.dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", p.dir);
    snprintf(key, sizeof key, "%s/key.pem", p.dir);
    int port = free_port();
    snprintf(ps, sizeof ps, "%d", port);
    const char *argv[] = {PY, scr, ps, www, cert, key, NULL};
    assert_int_equal(spawn(argv, port), 0);

    assert_int_equal(sc_open(&c, sp_link(&p, "strict")), 0);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"https://127.0.0.1:%d/rg.bin\"", port);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPPEND\",701\r\n", T), 0);
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "lab")), 0);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPSSTART\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPSEND\",0\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&c, T), 0);
    assert_int_equal(sc_reopen(&c, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    expect_reenum_boot(&c, RG_A07);
    sc_close(&c);
    kill_servers();
    assert_int_equal(sp_stop(&p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_download_per_family),
        cmocka_unit_test(ftp_download_credentials_and_paths),
        cmocka_unit_test(https_self_signed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
