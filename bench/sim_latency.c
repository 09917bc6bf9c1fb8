/* bench/sim_latency: AT -> OK round trip through fota-sim's ptys.
 *
 * Starts `fota-sim --count N --family RG50xQ` (all modules idle), opens every
 * module's port, and measures, per round, the time from writing "AT\r" to
 * reading "OK\r\n" on each port. Two patterns: a burst (all N ports written at
 * once, the station's worst case) and one port at a time.
 *
 *   bench/sim_latency.sh [FOTA_SIM] [N] [ROUNDS]
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* keep the tail of what a port said, enough to spot "OK\r\n" */
static void append(char *acc, const char *s)
{
    size_t a = strlen(acc), b = strlen(s);
    if (b >= 63) {
        memcpy(acc, s + b - 63, 64);
        return;
    }
    if (a + b >= 64) {
        memmove(acc, acc + (a + b - 63), a - (a + b - 63) + 1);
        a = strlen(acc);
    }
    memcpy(acc + a, s, b + 1);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    printf("%-10s samples %5d  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", what, n, v[n / 2],
           v[(int)(n * 0.99)], v[n - 1]);
}

int main(int argc, char **argv)
{
    const char *sim = argc > 1 ? argv[1] : "build/sim/fota-sim";
    int n = argc > 2 ? atoi(argv[2]) : 128;
    int rounds = argc > 3 ? atoi(argv[3]) : 10;
    char dir[] = "/tmp/sim-latency-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char ports[64], count[16];
    snprintf(ports, sizeof ports, "%s/ports", dir);
    snprintf(count, sizeof count, "%d", n);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execl(sim, sim, "--ports", ports, "--count", count, "--family", "RG50xQ", (char *)NULL);
        _exit(127);
    }
    char **paths = calloc((size_t)n, sizeof *paths);
    int found = 0;
    for (int t = 0; t < 1000 && found < n; t++) {
        usleep(10000);
        DIR *d = opendir(ports);
        found = 0;
        struct dirent *e;
        while (d && (e = readdir(d)) && found < n)
            if (e->d_name[0] != '.') {
                free(paths[found]);
                paths[found] = malloc(strlen(ports) + strlen(e->d_name) + 2);
                sprintf(paths[found++], "%s/%s", ports, e->d_name);
            }
        if (d)
            closedir(d);
    }
    if (found < n) {
        fprintf(stderr, "only %d of %d ports appeared\n", found, n);
        kill(pid, SIGTERM);
        return 1;
    }
    struct pollfd *pf = calloc((size_t)n, sizeof *pf);
    for (int i = 0; i < n; i++) {
        pf[i].fd = open(paths[i], O_RDWR | O_NOCTTY | O_NONBLOCK);
        struct termios tio;
        tcgetattr(pf[i].fd, &tio);
        cfmakeraw(&tio);
        tcsetattr(pf[i].fd, TCSANOW, &tio);
        pf[i].events = POLLIN;
        (void)!write(pf[i].fd, "ATE0\r", 5);
    }
    usleep(200000);
    char buf[4096];
    for (int i = 0; i < n; i++)
        while (read(pf[i].fd, buf, sizeof buf) > 0)
            ;
    double *burst = calloc((size_t)(n * rounds), sizeof *burst);
    double *single = calloc((size_t)(n * rounds), sizeof *single);
    double *sent = calloc((size_t)n, sizeof *sent);
    int *done = calloc((size_t)n, sizeof *done);
    char (*acc)[64] = calloc((size_t)n, 64);
    int nb = 0, ns = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            done[i] = 0;
            acc[i][0] = 0;
            sent[i] = now_ms();
            (void)!write(pf[i].fd, "AT\r", 3);
        }
        int left = n;
        while (left > 0) {
            if (poll(pf, (nfds_t)n, 2000) <= 0) {
                fprintf(stderr, "timeout with %d ports waiting\n", left);
                kill(pid, SIGTERM);
                return 1;
            }
            for (int i = 0; i < n; i++) {
                if (!(pf[i].revents & POLLIN) || done[i])
                    continue;
                ssize_t k = read(pf[i].fd, buf, sizeof buf - 1);
                if (k <= 0)
                    continue;
                buf[k] = 0;
                append(acc[i], buf);
                if (strstr(acc[i], "OK\r\n")) {
                    burst[nb++] = now_ms() - sent[i];
                    done[i] = 1;
                    left--;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            char a[64] = "";
            double t0 = now_ms();
            (void)!write(pf[i].fd, "AT\r", 3);
            while (!strstr(a, "OK\r\n")) {
                struct pollfd one = {pf[i].fd, POLLIN, 0};
                poll(&one, 1, 2000);
                ssize_t k = read(pf[i].fd, buf, sizeof buf - 1);
                if (k > 0) {
                    buf[k] = 0;
                    append(a, buf);
                }
            }
            single[ns++] = now_ms() - t0;
        }
    }
    printf("fota-sim %d idle RG50xQ modules, %d rounds\n", n, rounds);
    report("burst", burst, nb);
    report("one-by-one", single, ns);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    return system(rm) == 0 ? 0 : 1;
}
