/* A scripted fake module for the FOTA machine's tests (not the simulator): the
 * test says which command line it expects next and what the module answers, when
 * the port vanishes and comes back, and how time advances (fake clock, ms). The
 * harness plays the station: it drains actions, answers IDENTIFIED with GO and
 * TRANSFER_BEGIN with a grant, calls sent() after data writes, echoes commands
 * like a module with echo on, and acknowledges AT+QFUPL blocks with 'A'. */
#ifndef FAKE_MODULE_H
#define FAKE_MODULE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fota_machine.h"

#define H_MAX_PKG 8
#define H_IMEI "490154203237518"
#define H_IMEI2 "352099001761481"

typedef struct {
    fota_profile_set_t profiles;
    const fota_profile_t *profile;   /* the family under test */
    fota_profile_t *own_profile;     /* loaded from a buffer by a test (freed) */
    fota_job_t job;
    fota_target_t target;
    fota_package_t pkg[H_MAX_PKG];
    fota_machine_t *m;
    uint64_t now;

    /* station behaviour */
    bool auto_go;
    bool auto_grant;
    bool auto_sent;
    bool bytewise;             /* feed module output one byte at a time */
    bool echo;                 /* module echoes commands (on until ATE0, again after reboot) */
    size_t ack_block;          /* feed 'A' per this many data bytes (AT+QFUPL); 0 = none */
    bool want_go, want_grant, want_sent;

    /* what the machine did */
    char *tx[4096];            /* command lines sent (without CR), not yet expected */
    size_t ntx, txhead;
    uint8_t *data;             /* raw data bytes written (package blocks, "+++") */
    size_t ndata, datacap;
    size_t nwrites;            /* data SENDs */
    size_t min_write_seen;
    size_t acks_fed;
    int n_identified, n_grants, n_transfer_begin, n_transfer_end, n_finish, n_progress;
    int flow;                  /* last SET_FLOW flag, -1 none */
    int last_percent;
    fota_phase_t last_phase;
    int max_update_percent;
    char *trace;               /* every TRACE line, "dir: text\n" */
    size_t tracelen;
} h_t;

/* Loads profiles/ (FOTA_SOURCE_DIR) and sets up a job with one target for the
 * family, method and target revision. */
void h_setup(h_t *h, const char *family, fota_method_t method, const char *to);
/* Same with a test-made profile YAML (families not shipped in profiles/). */
void h_setup_yaml(h_t *h, const char *yaml, fota_method_t method, const char *to);
void h_teardown(h_t *h);
/* Adds a package: url != NULL for method url, else size bytes of generated data. */
fota_package_t *h_pkg(h_t *h, const char *from, const char *to, const char *name,
                      const char *url, size_t size);

void h_start(h_t *h);
/* Drains the machine's actions, playing the station, until nothing is left. */
void h_pump(h_t *h);
/* The next command line the machine sent must be cmd. */
void h_expect_tx(h_t *h, const char *cmd);
/* Like h_expect_tx, advancing the clock deadline by deadline (at most max_ms). */
void h_wait_tx(h_t *h, const char *cmd, uint64_t max_ms);
void h_expect_no_tx(h_t *h);
/* Module output: one line, framed "\r\n<line>\r\n". */
void h_rx(h_t *h, const char *line);
void h_raw(h_t *h, const char *bytes, size_t n);
/* h_expect_tx(cmd) then each reply line (NULL-terminated). */
void h_cmd(h_t *h, const char *cmd, ...);
void h_advance(h_t *h, uint64_t ms);
void h_gone(h_t *h);
void h_back(h_t *h);  /* a rebooted module echoes again */

/* ATE0, ATI (model, revision), AT+GSN (imei): a module answering like the Quectel notes show. */
void h_ident(h_t *h, const char *model, const char *revision, const char *imei);
/* After a reboot: wait for the AT probe, answer it, then h_ident. */
void h_verify(h_t *h, const char *model, const char *revision, const char *imei);
/* +QIND: "FOTA","UPDATING",<p> for p = from..to step, then END,<code>. */
void h_updating(h_t *h, int from, int to, int step);

const fota_attempt_t *h_attempt(h_t *h);
void h_expect_result(h_t *h, fota_result_t r, fota_error_class_t cls, int code);
bool h_trace_has(h_t *h, const char *needle);

#endif
