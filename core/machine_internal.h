/* Inside the FOTA machine: the state every machine_*.c file shares. Not a public
 * header: the station sees only fota_machine.h.
 *
 * The machine is split by idea (DESIGN-NOTES habit 11):
 *   fota_machine.c      public API, timers, chat glue
 *   machine_actions.c   the action queue (SEND, TRACE, PROGRESS, TRANSFER_*, …)
 *   machine_cmd.c       command runner: one in flight, timeout, resync, retry
 *   machine_ident.c     ATE0/ATI/AT+GSN/AT+QGMR (first identification and every
 *                       verification after a reboot)
 *   machine_plan.c      profile choice, package chain, method rules (URL length,
 *                       schemes, EC200T root-only FTP) checked before anything is sent
 *   machine_local.c     AT+QFLST/QFDEL/QFLDS/QFUPL upload in ack mode
 *   machine_stream.c    AT+QFOTADL="FILE:<len>" stream (003 §3.3)
 *   machine_legacy.c    AT+QFUA raw stream, AT+QFAI/QFAW/QFAU hex chunks (004)
 *   machine_update.c    download, reboots, update, module retries, power loss
 *   machine_finish.c    the attempt's verdict and FINISH
 */
#ifndef FOTA_MACHINE_INTERNAL_H
#define FOTA_MACHINE_INTERNAL_H

#include "at_chat.h"
#include "fota_machine.h"
#include "fota_urc.h"

#define FOTA_MACHINE_MAX_HOPS 16
/* A command gets this many tries (each after a resync) before FAIL timeout. */
#define FOTA_MACHINE_CMD_TRIES 3
/* Data block written per SEND with hardware flow control (the tty paces it). */
#define FOTA_MACHINE_FLOW_BLOCK 4096u

typedef enum {
    MS_NEW,
    MS_IDENT,          /* ATE0, ATI, AT+GSN, AT+QGMR (probe: see purpose) */
    MS_WAIT_PROCEED,   /* IDENTIFIED emitted; station decides GO/SKIP */
    MS_WAIT_TRANSFER,  /* TRANSFER_BEGIN emitted; waiting for the token */
    MS_LOCAL,          /* AT+QFLST / AT+QFDEL / AT+QFLDS / AT+QFUPL command phase */
    MS_UPLOAD,         /* AT+QFUPL data blocks, one 'A' per block */
    MS_STREAM,         /* flow control, AT+QFOTADL="FILE:n", FILESTART, data, FILEEND */
    MS_QFUA,           /* flow control, AT+QFUA, OK, CONNECT, data, +++ */
    MS_QFAW,           /* AT+QFAI, AT+QFAW="<hex>"…, AT+QFAU */
    MS_FOTA_CMD,       /* AT+QFOTADL sent: OK only means accepted */
    MS_DOWNLOAD,       /* module fetching the package: FTPSTART … FTPEND,<err> */
    MS_REBOOT_DL,      /* reboot between download and update (000 §3.3.1) */
    MS_UPDATE,         /* START, UPDATING n, END,<err> */
    MS_RETRY_REBOOT,   /* END,<transient>: module reboots and retries (000 §4) */
    MS_DONE_REBOOT,    /* END,0: module restarts into the new firmware */
    MS_PORT_LOST,      /* port vanished outside a FOTA phase: wait for it */
    MS_FINISHED,
} machine_state_t;

typedef enum {
    PROBE_INITIAL,  /* first identification: ends with IDENTIFIED */
    PROBE_VERIFY,   /* after END,0: revision must be the hop's target */
    PROBE_GIVEUP,   /* after END,<transient> and no new START: old revision = FAIL */
    PROBE_RECOVER,  /* port came back outside a FOTA phase: re-plan from its revision */
} probe_purpose_t;

typedef enum {
    RESYNC_NONE,
    RESYNC_AT,      /* plain AT in flight */
    RESYNC_QUIET,   /* OK seen: quiet window before the command is retried */
} resync_t;

typedef struct {
    fota_action_t a;
    void *owned;    /* buffer behind a.data / a.text, freed after it is popped */
} machine_action_t;

struct fota_machine {
    fota_machine_config_t cfg;
    const fota_profile_t *profile;  /* chosen by ATI's model */
    const fota_target_t *target;
    fota_timeouts_t to;             /* effective: job override, else profile */
    fota_at_chat_t *chat;
    fota_attempt_t att;

    machine_state_t state;
    int step;                       /* sub-step inside the state */
    bool port_present;
    bool decided;                   /* station said GO */
    bool transfer_held;             /* TRANSFER_BEGIN granted, END not yet emitted */
    bool flow_on;                   /* SET_FLOW 1 emitted */
    uint64_t started_ms;
    uint64_t now;                   /* now_ms of the input being processed */

    /* identification */
    probe_purpose_t purpose;
    char model[64];
    char revision[96];
    char imei[32];
    char known_imei[32];            /* from the first identification */
    bool have_identity;

    /* plan */
    fota_error_class_t plan_cls;    /* verdict computed before IDENTIFIED */
    char plan_text[256];
    bool plan_noop;
    const fota_package_t *chain[FOTA_MACHINE_MAX_HOPS];
    int n_hops;
    int hop;                        /* index of the hop in progress */
    fota_method_t method;
    const fota_method_profile_t *mp;

    /* command runner */
    char *cmd;                      /* command in flight (for retries) */
    char *cmd_prefix;               /* its info prefix, or NULL */
    unsigned cmd_timeout;
    bool cmd_is_wait;               /* fota_at_chat_wait, nothing sent */
    int cmd_tries;
    machine_state_t cmd_state;      /* state that issued it: replies after a change are dropped */
    resync_t resync;
    uint64_t resync_until;          /* 0: FOTA_MACHINE_CMD_TRIES bound instead */

    /* data transfer (local / stream / qfua / qfaw) */
    const fota_package_t *pkg;
    size_t off;                     /* bytes handed to SEND so far */
    size_t block;                   /* size of the block in flight */
    bool awaiting_sent;
    bool awaiting_ack;
    uint64_t xfer_start_ms;
    int xfer_percent;

    /* update */
    uint64_t dl_start_ms;
    uint64_t upd_start_ms;
    int percent;                    /* last UPDATING/RESTORE value, -1 none */
    fota_phase_t last_phase;
    bool fota_seen;                 /* a FOTA URC since the last reboot */
    bool boot_seen;                 /* a boot URC since the last reboot */
    bool end_seen;                  /* legacy: END seen, next REBOOTING is the final one */
    int last_code;                  /* last transient END code */
    fota_error_class_t last_cls;
    char last_text[256];
    int retry_pending;              /* a transient END was seen; next START is a retry */
    bool first_urc_wait;            /* MS_UPDATE: no FOTA URC yet since (re)boot */
    bool pkg_delivered;             /* legacy: +++ / AT+QFAU sent, text lines follow */

    /* timers (UINT64_MAX = off) */
    uint64_t t_state;               /* the state's own timeout */
    uint64_t t_aux;                 /* pacing, guard times, quiet windows */
    uint64_t t_total;               /* from GO; paused while waiting for a token */
    uint64_t total_left;            /* total time left while waiting for a token */

    /* actions */
    machine_action_t *q;
    size_t qhead, qlen, qcap;
    void **hold;                    /* popped buffers, freed at the next input */
    size_t nhold, holdcap;
    bool oom;
};

typedef fota_machine_t machine_t;

/* ---- machine_actions.c ------------------------------------------------------ */
void m_enter(machine_t *m);        /* every input: frees popped buffers once drained */
void m_hold_release(machine_t *m);
void m_emit(machine_t *m, const fota_action_t *a, const void *copy, size_t copy_len);
void m_check_oom(machine_t *m);   /* an action was lost: FAIL internal */
void m_trace(machine_t *m, fota_trace_dir_t dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void m_progress(machine_t *m, fota_phase_t phase, int percent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void m_send_data(machine_t *m, const uint8_t *data, size_t len); /* no copy: package bytes */
void m_send_copy(machine_t *m, const void *data, size_t len);
void m_set_flow(machine_t *m, bool on);
void m_transfer_begin(machine_t *m);
void m_transfer_end(machine_t *m);
void m_set_state(machine_t *m, machine_state_t s, uint64_t timeout_at);
/* ---- machine_cmd.c ------------------------------------------------------------ */
void m_on_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
void m_resync_done(machine_t *m, uint64_t now); /* quiet window over */
/* Sends cmd (expect = info prefix or NULL) with the profile's command timeout;
 * the reply reaches the state's handler; timeouts resync and retry. */
void m_cmd(machine_t *m, const char *cmd, const char *expect, uint64_t now);
void m_cmd_t(machine_t *m, const char *cmd, const char *expect, unsigned timeout_ms, uint64_t now);
/* Waits for a final result with nothing sent (after CONNECT, QFUA's CONNECT). */
void m_wait(machine_t *m, const char *expect, unsigned timeout_ms, uint64_t now);
/* Plain AT until OK, then the quiet window, then on_synced for the state. */
void m_resync(machine_t *m, uint64_t until, uint64_t now);
/* ---- fota_machine.c --------------------------------------------------------- */
uint64_t m_after(uint64_t now, unsigned ms);
const char *m_state_name(machine_state_t s);
void m_use_profile(machine_t *m, const fota_profile_t *p); /* sets timeouts too */
const fota_quiet_t *m_quiet(const machine_t *m);

/* ---- machine_ident.c -------------------------------------------------------- */
void mi_start(machine_t *m, probe_purpose_t purpose, bool sync_first, uint64_t now);
void mi_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
void mi_synced(machine_t *m, uint64_t now);

/* ---- machine_plan.c --------------------------------------------------------- */
/* Fills plan_* and the attempt's to_version/method/packages from the identity. */
void mp_plan(machine_t *m);
/* GO: noop PASS, plan failure, or start hop m->hop. */
void mp_go(machine_t *m, uint64_t now);
/* Starts the current hop's method (transfer token first when it streams). */
void mp_start_hop(machine_t *m, uint64_t now);
void mp_method_begin(machine_t *m, uint64_t now); /* token held (or not needed) */
void mp_recover(machine_t *m, uint64_t now);
/* The flow-control command: the USB AT port's, else the UART's (003 §3.3). */
const char *mp_flow_command(const fota_method_profile_t *mp);
const char *mp_package_name(const fota_package_t *p);
/* Builds profile command template with {arg}/{hex} replaced; malloc'd. */
char *mp_command(const char *tmpl, const char *arg);

/* ---- machine_local.c -------------------------------------------------------- */
void ml_begin(machine_t *m, uint64_t now);
void ml_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
void ml_ack(machine_t *m, uint64_t now);
void ml_sent(machine_t *m, uint64_t now);

/* ---- machine_stream.c ------------------------------------------------------- */
void mst_begin(machine_t *m, uint64_t now);
void mst_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
void mst_urc(machine_t *m, const fota_urc_t *u, uint64_t now);
void mst_sent(machine_t *m, uint64_t now);
void mst_aux(machine_t *m, uint64_t now);

/* ---- machine_legacy.c ------------------------------------------------------- */
void mlg_qfua_begin(machine_t *m, uint64_t now);
void mlg_qfaw_begin(machine_t *m, uint64_t now);
void mlg_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
void mlg_sent(machine_t *m, uint64_t now);
void mlg_aux(machine_t *m, uint64_t now);
void ml_aux(machine_t *m, uint64_t now);

/* ---- machine_update.c ------------------------------------------------------- */
/* AT+QFOTADL="<arg>" (url, local): accepted → download / reboot wait. */
void mu_fota_command(machine_t *m, const char *arg, uint64_t now);
void mu_fota_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
/* The package is on the module (FILEEND,0, +++ sent, AT+QFAU OK…). */
void mu_download_done(machine_t *m, uint64_t now);
void mu_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now);
void mu_port_gone(machine_t *m, uint64_t now);
void mu_port_back(machine_t *m, uint64_t now);
void mu_state_timeout(machine_t *m, uint64_t now);
void mu_aux(machine_t *m, uint64_t now);
/* Verification outcome for PROBE_VERIFY / PROBE_GIVEUP (identity read). */
void mu_verified(machine_t *m, uint64_t now);

/* ---- machine_finish.c ------------------------------------------------------- */
void mf_fail(machine_t *m, fota_error_class_t cls, int code, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* FAIL with a module error code: class and text from the profile's table. */
void mf_fail_code(machine_t *m, fota_table_id_t table, int code, fota_error_class_t fallback,
                  uint64_t now);
void mf_pass(machine_t *m, bool noop, uint64_t now);
void mf_finish(machine_t *m, fota_result_t result, uint64_t now);

#endif
