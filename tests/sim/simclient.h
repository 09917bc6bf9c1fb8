/* A scripted client for fota-sim: start the simulator as a subprocess, open a
 * module's pty like a station would, speak AT and wait for lines. */
#ifndef FOTA_TEST_SIMCLIENT_H
#define FOTA_TEST_SIMCLIENT_H
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    char dir[512];   /* temp dir: ports/ and scratch files */
    char ports[600];
    int status;      /* fota-sim's exit code after sp_stop (-1: killed by a signal) */
} simproc_t;

typedef struct {
    int fd;
    char buf[262144];
    size_t len;
    char path[1200];
    char target[256]; /* /dev/pts/N when opened */
    char seen[65536]; /* what the last sc_expect / sc_at consumed */
} simconn_t;

/* Writes text to <dir>/<name>; returns the full path in a static buffer. */
const char *sp_write_file(simproc_t *p, const char *name, const char *text);
/* Creates the temp dir (call before sp_write_file); idempotent. */
int sp_prepare(simproc_t *p);
/* Starts fota-sim --ports <dir>/ports <args...> and waits for n links. */
int sp_start(simproc_t *p, int n_links, const char *const *args);
/* SIGTERM, wait; returns the number of links left behind (must be 0), plus
 * 1000 if the simulator did not exit 0 (crash, sanitizer report). */
int sp_stop(simproc_t *p);
/* Path of the link for slot. */
const char *sp_link(simproc_t *p, const char *slot);
/* Waits until the link exists and (if not_target) points elsewhere; fills target. */
int sp_wait_link(const char *path, const char *not_target, int timeout_ms, char *target, size_t cap);
int sp_wait_no_link(const char *path, int timeout_ms);
/* Writes yaml as <dir>/scenario.yaml and starts fota-sim on it at --speed 1000
 * --verbose, waiting for n links. 0, or -1. */
int sp_start_scenario(simproc_t *p, const char *yaml, int n_links);
/* Reads a whole file (malloc'd, NUL-terminated; *n = its size), or NULL. */
unsigned char *sp_slurp(const char *path, size_t *n);
/* Runs `fota-sim mkpkg ...` into <dir>/<name>; returns the path (static buffer). */
const char *sp_mkpkg(simproc_t *p, const char *name, const char *args);

int sc_open(simconn_t *c, const char *path);
void sc_close(simconn_t *c);
int sc_write(simconn_t *c, const void *p, size_t n);
int sc_cmd(simconn_t *c, const char *cmd); /* cmd + "\r" */
/* 0 when needle seen (buffer consumed through it), -1 timeout, -2 port gone. */
int sc_expect(simconn_t *c, const char *needle, int timeout_ms);
/* Sends cmd and reads through its final result; c->seen holds the response.
 * Returns 0 OK, 1 ERROR / +CME ERROR, 2 CONNECT, -1 timeout, -2 gone. */
int sc_at(simconn_t *c, const char *cmd, int timeout_ms);
/* Like sc_expect but fails (-3) if `bad` appears before needle. */
int sc_expect_not(simconn_t *c, const char *needle, const char *bad, int timeout_ms);
/* 0 once the port hangs up (EOF/EIO/HUP). */
int sc_wait_gone(simconn_t *c, int timeout_ms);
/* Reads for ms milliseconds, appending to buf. */
void sc_drain(simconn_t *c, int ms);
/* Reopen after a reboot: wait for the link to point elsewhere, open it. */
int sc_reopen(simconn_t *c, int timeout_ms);
#endif
