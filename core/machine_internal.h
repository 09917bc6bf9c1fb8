/* Inside the FOTA machine: what its files share. Not a public header: the
 * station sees only fota_machine.h. Read docs/machine.md first.
 *
 * The frame (fota_machine.c) owns the lifecycle. Each phase reports an outcome
 * through fota_machine_next(); one switch there picks the next phase. Inputs
 * (URCs, timers, port events) reach the current phase through the frame's phase
 * table, and a command's reply reaches the callback that sent it.
 *
 *   fota_machine.c     public API, the outcome switch, the phase table, chat glue
 *   machine_state.c    machine_state_*   the state, its name, clocks, the profile
 *   machine_action.c   machine_action_*  the action queue (SEND, TRACE, FINISH…)
 *   machine_cmd.c      machine_cmd_*     one command in flight, its reply callback,
 *                                        timeout → resync → retry
 *   machine_finish.c   machine_finish_*  the attempt's verdict and FINISH
 *   phase_identify.c   phase_identify_*  ATE0/ATI/AT+GSN/AT+QGMR (first time and
 *                                        after every reboot)
 *   phase_plan.c       phase_plan_*      profile, package chain, rules checked
 *                                        before anything is sent; hop verdicts
 *   phase_transfer.c   phase_transfer_*  transfer token, the method table
 *   method_<name>.c    method_<name>_*   one upgrade method each (url, local,
 *                                        stream, qfua, qfaw): an ops table entry
 *   method_common.c    method_common_*   what the methods share
 *   phase_update.c     phase_update_*    AT+QFOTADL, download, reboots, update,
 *                                        module retries, power loss
 */
#ifndef FOTA_MACHINE_INTERNAL_H
#define FOTA_MACHINE_INTERNAL_H

#include "at_chat.h"
#include "fota_machine.h"
#include "fota_urc.h"
#include "plan.h"

#define FOTA_MACHINE_MAX_HOPS FOTA_PLAN_MAX_HOPS /* plan.h: one limit for run, probe, check */
/* A command gets this many tries (each after a resync) before FAIL timeout. */
#define FOTA_MACHINE_CMD_TRIES 3
/* After a reboot the module is polled with AT this often until it answers: a
 * module that is up answers within milliseconds, one still booting says nothing,
 * so a short poll costs nothing and a fixed wait would be idle time. */
#define FOTA_MACHINE_BOOT_POLL_MS 500u
/* Data block written per SEND with hardware flow control (the tty paces it). */
#define FOTA_MACHINE_FLOW_BLOCK 4096u

/* Where the visit is; each state belongs to one phase (fota_machine.c). */
typedef enum {
    MS_NEW,
    MS_IDENT,          /* ATE0, ATI, AT+GSN, AT+QGMR (probe: see purpose) */
    MS_WAIT_PROCEED,   /* IDENTIFIED emitted; station decides GO/SKIP */
    MS_HOP_SETTLE,     /* next hop: the module's boot lines must settle before a FOTA command */
    MS_WAIT_TRANSFER,  /* TRANSFER_BEGIN emitted; waiting for the token */
    MS_LOCAL,          /* AT+QFLST / AT+QFDEL / AT+QFLDS / AT+QFUPL command phase */
    MS_UPLOAD,         /* AT+QFUPL data blocks, one 'A' per block */
    MS_STREAM,         /* flow control, AT+QFOTADL="FILE:n", FILESTART, data, FILEEND */
    MS_QFUA,           /* flow control, AT+QFUA, OK, CONNECT, data, +++ */
    MS_QFAW,           /* AT+QFAI, AT+QFAW="<hex>"…, AT+QFAU */
    MS_TRANSFER,       /* any other method's transfer (a new method needs no state here) */
    MS_FOTA_CMD,       /* AT+QFOTADL sent: OK only means accepted */
    MS_DOWNLOAD,       /* module fetching the package: FTPSTART … FTPEND,<err> */
    MS_REBOOT_DL,      /* reboot between download and update */
    MS_UPDATE,         /* START, UPDATING n, END,<err> */
    MS_RETRY_REBOOT,   /* END,<transient>: module reboots and retries */
    MS_DONE_REBOOT,    /* END,0: module restarts into the new firmware */
    MS_PORT_LOST,      /* port vanished outside a FOTA phase: wait for it */
    MS_FINISHED,
    MS__COUNT
} machine_state_t;

typedef enum {
    PROBE_INITIAL,  /* first identification: ends with IDENTIFIED */
    PROBE_VERIFY,   /* after END,0: revision must be the hop's target */
    PROBE_GIVEUP,   /* after END,<transient> and no new START: old revision = FAIL */
    PROBE_RECOVER,  /* port came back outside a FOTA phase: re-plan from its revision */
    PROBE_BOOTED,   /* waiting for the updater, a normal boot instead: updated or not? */
} probe_purpose_t;

/* What a phase reports to the frame; fota_machine_next() picks what follows. */
typedef enum {
    OUTCOME_IDENTIFIED,  /* identify (first time): identity read → plan, ask the station */
    OUTCOME_GO,          /* station said GO → plan's verdict or the first hop */
    OUTCOME_RECOVERED,   /* identify after a lost port → plan again from its revision */
    OUTCOME_HOP,         /* plan: hop m->plan.hop to run → transfer (token first) */
    OUTCOME_GRANTED,     /* transfer token held or not needed → the method begins */
    OUTCOME_TAKE_OVER,   /* method: module takes over with AT+QFOTADL (m->upd.arg) → update */
    OUTCOME_DELIVERED,   /* method: package on the module → update waits for the updater */
    OUTCOME_RESTARTED,   /* update: END,0 and the restart is over → identify (verify) */
    OUTCOME_GAVE_UP,     /* update: END,<transient>, no new START → identify (give up) */
    OUTCOME_BOOTED,      /* update: boot lines, no FOTA URC after a reboot → identify (booted) */
    OUTCOME_REBOOTING,   /* identify (verify / give up): the port dropped again → update */
    OUTCOME_RETRYING,    /* identify (verify / give up): the module retries after all → update */
    OUTCOME_READ_BACK,   /* identify (verify / give up): revision read → plan judges the hop;
                            (booted): the update judges what the module booted */
    OUTCOME_VERIFIED,    /* plan: hop reached its target → next hop or PASS */
    OUTCOME_PORT_LOST,   /* port gone where no phase can ride it out → wait for it */
    OUTCOME_PORT_BACK,   /* port back after that → identify (recover) */
} machine_outcome_t;

typedef enum {
    RESYNC_NONE,
    RESYNC_AT,      /* plain AT in flight */
    RESYNC_QUIET,   /* OK seen: quiet window before the command is retried */
    RESYNC_DELAY,   /* a transient refusal: the same command again after a delay */
} resync_t;

typedef struct fota_machine machine_t;

/* A command's reply goes to whoever sent it (gatchat's GAtResultFunc). */
typedef void (*machine_reply_fn)(machine_t *m, void *ctx, const fota_at_response_t *r,
                                 uint64_t now);

/* An upgrade method: one file, one entry in phase_transfer.c's table indexed by
 * fota_method_t. Its private state (state_size bytes, zeroed at every hop) is
 * m->method_state; only its file knows the type. Missing ops do nothing. */
typedef struct {
    size_t state_size;
    /* Rules checked before anything is sent; false: why[] says why (FAIL config). */
    bool (*precheck)(machine_t *m, const fota_package_t *pkg, char *why, size_t n);
    bool streams;                                      /* needs the transfer token */
    bool module_downloads;                             /* AT+QFOTADL's OK starts a download */
    bool long_commands;                                /* trace commands by head and size */
    void (*begin)(machine_t *m, uint64_t now);         /* token held (or not needed) */
    machine_reply_fn response;                         /* replies to its commands */
    /* URC while it transfers; false: not its business, the frame offers it on. */
    bool (*urc)(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now);
    void (*sent)(machine_t *m, uint64_t now);          /* station wrote its data block */
    void (*ack)(machine_t *m, uint64_t now);           /* 'A' in AT+QFUPL ack mode */
    void (*timer)(machine_t *m, uint64_t now);         /* its m->t_aux ran out */
} machine_method_t;

typedef struct {
    fota_action_t a;
    void *owned;    /* buffer behind a.data / a.text, freed after it is popped */
} machine_queued_t;

/* identify: who is on the port */
typedef enum { ID_SYNC, ID_ATE0, ID_ATI, ID_GSN, ID_CGSN, ID_QGMR } ident_step_t;
typedef struct {
    probe_purpose_t purpose;
    ident_step_t step;
    int retry_step;                 /* the step `retries` counts for; -1 none yet */
    int retries;                    /* transient refusals asked again at that step */
    char model[64];
    char revision[96];
    char imei[32];
    char known_imei[32];            /* from the first identification */
    bool have;                      /* a first identification happened */
} machine_ident_t;

/* plan: what to do with the module */
typedef struct {
    fota_error_class_t cls;         /* verdict computed before IDENTIFIED */
    char text[256];
    bool noop;
    const fota_package_t *chain[FOTA_MACHINE_MAX_HOPS];
    int n_hops;
    int hop;                        /* index of the hop in progress */
} machine_plan_t;

/* the command runner */
typedef struct {
    char *line;                     /* command in flight (for retries) */
    char *prefix;                   /* its info prefix, or NULL */
    unsigned timeout;
    bool is_wait;                   /* fota_at_chat_wait, nothing sent */
    int tries;
    machine_reply_fn reply;         /* who asked */
    void *ctx;
    machine_state_t asked_in;       /* replies after the state moved on are stale */
    resync_t resync;
    uint64_t resync_until;          /* 0: FOTA_MACHINE_CMD_TRIES bound instead */
    bool resync_missed;             /* an AT of this resync timed out: its OK may come late */
} machine_cmd_t;

/* update: from AT+QFOTADL to the verified revision */
typedef struct {
    char *arg;                      /* AT+QFOTADL's argument (URL, local path) */
    uint64_t upd_start_ms;
    int percent;                    /* last UPDATING/RESTORE value, -1 none */
    fota_phase_t last_phase;
    bool end_seen;                  /* legacy: END seen, next REBOOTING is the final one */
    int last_code;                  /* last transient END code */
    fota_error_class_t last_cls;
    char last_text[256];
    bool retry_pending;             /* a transient END was seen; next START is a retry */
    bool first_urc_wait;            /* MS_UPDATE: no FOTA URC yet since (re)boot */
    uint64_t last_boot_ms;          /* when the last boot line (RDY … PB DONE) arrived */
    bool rebooted;                  /* the port came back since the package was delivered */
    machine_state_t boot_wait;      /* the wait a PROBE_BOOTED read interrupted */
    char hop_from[96];              /* the revision the hop started from */
    int boot_refusals;              /* FOTA commands refused while booting, this hop */
    int refusals_hop;               /* the hop boot_refusals counts for */
    bool refusal_held;              /* a refusal's verdict waits for a boot line */
    fota_error_class_t held_cls;    /* that verdict */
    int held_code;
    char held_text[192];
} machine_update_t;

/* the action queue */
typedef struct {
    machine_queued_t *v;
    size_t head, len, cap;
    void **hold;                    /* popped buffers, freed at the next input */
    size_t nhold, holdcap;
    bool oom;                       /* an action was lost: the visit ends FAIL internal */
} machine_queue_t;

/* guard: what one module may cost the station (machine_guard.c) */
typedef struct {
    uint64_t max_bytes, max_lines;  /* transcript bounds; 0 = none */
    uint64_t bytes, lines;          /* traced so far */
    uint64_t dropped_bytes, dropped_lines;
    bool closing;                   /* the verdict is being traced: nothing cut */
    uint64_t bucket_start;          /* received bytes, counted per whole second */
    uint64_t bucket_bytes;
    uint64_t last_rx;               /* when the module last sent a byte; 0 never */
    uint64_t flood_since;           /* first second of an unbroken run over the rate; 0 none */
} machine_guard_t;

struct fota_machine {
    fota_machine_config_t cfg;
    const fota_profile_t *profile;  /* chosen by ATI's model */
    const fota_target_t *target;
    fota_timeouts_t to;             /* effective: job override, else profile */
    fota_at_chat_t *chat;
    fota_attempt_t att;

    machine_state_t state;
    bool port_present;
    bool decided;                   /* station said GO */
    bool transfer_held;             /* TRANSFER_BEGIN granted, END not yet emitted */
    bool flow_on;                   /* SET_FLOW 1 emitted */
    uint64_t started_ms;
    uint64_t wait_since;            /* entered WAIT_PROCEED / WAIT_TRANSFER (att.queued_ms) */
    bool waiting;                   /* in one of them since wait_since */
    uint64_t now;                   /* now_ms of the input being processed */

    fota_method_t method;
    const fota_method_profile_t *mp;
    const fota_package_t *pkg;      /* the hop's package */
    void *method_state;             /* the method's private state */
    uint64_t dl_start_ms;           /* the package started on its way to the module */

    machine_ident_t ident;
    machine_plan_t plan;
    machine_cmd_t cmd;
    machine_update_t upd;
    machine_queue_t queue;
    machine_guard_t guard;

    /* timers (UINT64_MAX = off) */
    uint64_t t_state;               /* the state's own timeout */
    uint64_t t_aux;                 /* pacing, guard times, quiet windows */
    uint64_t t_total;               /* from GO; paused while waiting for a token */
    uint64_t total_left;            /* total time left while waiting for a token */
};

/* ---- fota_machine.c: the frame ------------------------------------------------ */
/* A phase's outcome: the frame picks the next phase (docs/machine.md's diagram). */
void fota_machine_next(machine_t *m, machine_outcome_t o, uint64_t now);

/* ---- machine_state.c ----------------------------------------------------------- */
uint64_t machine_state_after(uint64_t now, unsigned ms);
const char *machine_state_label(machine_state_t s);
void machine_state_set(machine_t *m, machine_state_t s, uint64_t timeout_at);
void machine_state_wait_end(machine_t *m, uint64_t now); /* a wait for the station is over */
void machine_state_timeouts(machine_t *m, const fota_profile_t *p);
void machine_state_use_profile(machine_t *m, const fota_profile_t *p); /* sets timeouts too */
const fota_quiet_t *machine_state_quiet(const machine_t *m);

/* ---- machine_action.c ---------------------------------------------------------- */
void machine_action_enter(machine_t *m);   /* every input: frees popped buffers once drained */
void machine_action_free(machine_t *m);
bool machine_action_pop(machine_t *m, fota_action_t *out);
bool machine_action_lost(const machine_t *m);  /* an action was dropped (out of memory) */
void machine_action_emit(machine_t *m, const fota_action_t *a, const void *copy, size_t copy_len);
void machine_action_trace(machine_t *m, fota_trace_dir_t dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void machine_action_progress(machine_t *m, fota_phase_t phase, int percent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void machine_action_send_data(machine_t *m, const uint8_t *data, size_t len); /* no copy */
void machine_action_send_copy(machine_t *m, const void *data, size_t len);
void machine_action_set_flow(machine_t *m, bool on);
void machine_action_transfer_begin(machine_t *m);
void machine_action_transfer_end(machine_t *m);

/* ---- machine_guard.c ----------------------------------------------------------- */
void machine_guard_init(machine_t *m);               /* limits from the job */
bool machine_guard_trace(machine_t *m, size_t len);  /* false: over the bound, dropped */
void machine_guard_closing(machine_t *m);            /* before the verdict: "transcript cut" */
void machine_guard_rx(machine_t *m, size_t n, uint64_t now); /* a flood ends the visit */

/* ---- machine_cmd.c ------------------------------------------------------------- */
/* Sends cmd (expect = info prefix or NULL) with the profile's command timeout;
 * the final reply reaches reply(m, ctx, r, now); timeouts resync and retry. */
void machine_cmd_send(machine_t *m, const char *cmd, const char *expect, machine_reply_fn reply,
                      void *ctx, uint64_t now);
void machine_cmd_send_t(machine_t *m, const char *cmd, const char *expect, unsigned timeout_ms,
                        machine_reply_fn reply, void *ctx, uint64_t now);
/* Waits for a final result with nothing sent (after CONNECT, QFUA's CONNECT). */
void machine_cmd_wait(machine_t *m, const char *expect, unsigned timeout_ms,
                      machine_reply_fn reply, void *ctx, uint64_t now);
/* Plain AT until OK (until `until`), the quiet window, then reply(OK). */
void machine_cmd_resync(machine_t *m, uint64_t until, machine_reply_fn reply, void *ctx,
                        uint64_t now);
void machine_cmd_on_response(machine_t *m, const fota_at_response_t *r, uint64_t now);
/* From inside a reply callback: the command that just answered is sent again once
 * delay_ms passed (the quiet window's timer, nothing sent meanwhile); that reply
 * goes to reply(m, ctx, …). */
void machine_cmd_again(machine_t *m, unsigned delay_ms, machine_reply_fn reply, void *ctx,
                       uint64_t now);
/* A quiet window or a delay of machine_cmd_again is running on t_aux. */
bool machine_cmd_waiting(const machine_t *m);
void machine_cmd_quiet_over(machine_t *m, uint64_t now);
/* Forget the command in flight: no reply will come (its late lines are noise). */
void machine_cmd_cancel(machine_t *m);
void machine_cmd_free(machine_t *m);

/* ---- machine_finish.c ---------------------------------------------------------- */
void machine_finish_fail(machine_t *m, fota_error_class_t cls, int code, uint64_t now,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* FAIL with a module error code: class and text from the profile's table. */
void machine_finish_fail_code(machine_t *m, fota_table_id_t table, int code,
                              fota_error_class_t fallback, uint64_t now);
void machine_finish_pass(machine_t *m, bool noop, uint64_t now);
void machine_finish_result(machine_t *m, fota_result_t result, uint64_t now);

/* ---- phase_identify.c ---------------------------------------------------------- */
void phase_identify_start(machine_t *m, probe_purpose_t purpose, bool sync_first, uint64_t now);
bool phase_identify_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now);
void phase_identify_port_gone(machine_t *m, uint64_t now);
/* phase_identify_retry.c: r, a refusal of the identification command in flight, is
 * transient by the profile (identify.transient_errors) and retries are left: it is
 * asked again after quiet.ident_retry (reply gets that answer) and true is returned;
 * false: the caller's verdict as before. */
bool phase_identify_retry(machine_t *m, const fota_at_response_t *r, machine_reply_fn reply,
                          uint64_t now);

/* ---- phase_plan.c -------------------------------------------------------------- */
void phase_plan_decide(machine_t *m, uint64_t now);   /* plan, then IDENTIFIED */
void phase_plan_go(machine_t *m, uint64_t now);
void phase_plan_recover(machine_t *m, uint64_t now);
void phase_plan_judge(machine_t *m, uint64_t now);    /* revision read after a hop */
void phase_plan_next_hop(machine_t *m, uint64_t now);

/* ---- phase_transfer.c ---------------------------------------------------------- */
const machine_method_t *phase_transfer_method(fota_method_t method);
/* The method's rules for one package, before anything is sent (false: why[]). */
bool phase_transfer_precheck(machine_t *m, const fota_package_t *pkg, char *why, size_t n);
void phase_transfer_start(machine_t *m, uint64_t now);  /* token first if it streams */
void phase_transfer_begin(machine_t *m, uint64_t now);  /* the method's begin */
bool phase_transfer_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now);
void phase_transfer_sent(machine_t *m, uint64_t now);
void phase_transfer_ack(machine_t *m, uint64_t now);
void phase_transfer_timer(machine_t *m, uint64_t now);
void phase_transfer_timeout(machine_t *m, uint64_t now);
void phase_transfer_port_gone(machine_t *m, uint64_t now);
/* A hop's opening FOTA command (what) answered r. An ERROR while the module's boot
 * lines arrive is waited out (boot_refusals). true: taken over: the hop starts
 * again once the lines are quiet, or, with no boot line yet, the verdict cls
 * ("<what> <verb>: <final>") waits quiet.give_up for one (FOTA_ERR_NONE: no verdict
 * to wait with, false instead). false: the caller decides as before. */
bool phase_transfer_boot_refused(machine_t *m, const char *what, const char *verb,
                                 fota_error_class_t cls, const fota_at_response_t *r,
                                 uint64_t now);

/* ---- method_common.c: what the methods share -------------------------------- */
const char *method_common_flow_command(const fota_method_profile_t *mp);
const char *method_common_package_name(const fota_package_t *p);
/* Profile command template with {arg}/{hex} replaced; malloc'd. */
char *method_common_command(const char *tmpl, const char *arg);
/* "<verb> 3/7 KiB" every 5 % (and at the end) of off/size. */
void method_common_progress(machine_t *m, const char *verb, size_t off, int *last_percent);
/* The package is on the module: token back, update follows. */
void method_common_delivered(machine_t *m, uint64_t now);
/* The module takes over with AT+QFOTADL="<arg>" (url, local). */
void method_common_take_over(machine_t *m, const char *arg, uint64_t now);


/* ---- phase_update.c ------------------------------------------------------------ */
void phase_update_command(machine_t *m, uint64_t now);   /* AT+QFOTADL="<upd.arg>" */
void phase_update_delivered(machine_t *m, uint64_t now); /* wait for the updater */
void phase_update_wait_reboot(machine_t *m, machine_state_t s, uint64_t now);
void phase_update_retrying(machine_t *m, uint64_t now);  /* the URC follows */
bool phase_update_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now);
void phase_update_port_gone(machine_t *m, uint64_t now);
void phase_update_port_back(machine_t *m, uint64_t now);
void phase_update_timeout(machine_t *m, uint64_t now);
void phase_update_timer(machine_t *m, uint64_t now);
/* The module read after a normal boot while the update was awaited (PROBE_BOOTED). */
void phase_update_booted(machine_t *m, uint64_t now);
/* A PROBE_BOOTED read cut by another port drop, or by an updater URC after all. */
void phase_update_rewait(machine_t *m, uint64_t now);

#endif
