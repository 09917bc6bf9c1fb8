/* fota-sim: a production line of simulated Quectel modules on pseudo-terminals.
 *
 * The simulator models the MODULE, not the station: nothing here is shared with
 * core/ (AT framer, FOTA state machine), so a station bug cannot hide behind a
 * simulator bug of the same shape (docs/simulator.md). */
#ifndef FOTA_SIM_H
#define FOTA_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SIM_MAX_FILES 16
#define SIM_NAME_MAX 80 /* AT+QFUPL names are at most 80 bytes on real modules */

typedef enum {
    SIM_FAM_RG50XQ,  /* RG50xQ FOTA note */
    SIM_FAM_EG06XK,  /* EG06xK DFOTA note */
    SIM_FAM_EC200T,  /* EC200T FOTA guide */
    SIM_FAM_LEGACY,  /* GSM FOTA note */
} sim_fam_id_t;

/* What a package check or a download failure means, mapped to each family's own
 * table by sim_family_code() (families do not share their error tables). */
typedef enum {
    SIM_PKG_OK = 0,
    SIM_PKG_FORMAT,   /* bad header / truncated: 504 */
    SIM_PKG_PROJECT,  /* other family: 505 */
    SIM_PKG_HASH,     /* body hash mismatch: 506 (EC200T) */
    SIM_PKG_SOURCE,   /* from-revision != module revision: 510 */
    SIM_PKG_SPACE,    /* not enough free UFS: 511 */
    SIM_PKG_TOO_LARGE /* body larger than the module accepts: 550 */
} sim_pkg_result_t;

typedef struct {
    const char *start, *end; /* printf formats; end takes one %d */
} sim_urc_pair_t;

typedef struct sim_family {
    sim_fam_id_t id;
    const char *name;          /* profile `family:` value */
    const char *def_model, *def_revision, *tac; /* defaults for --count */
    int usb;                   /* 0: UART, no re-enumeration (GSM FOTA note) */
    size_t url_max;            /* 512 / 100 / 255 */
    const char *local_prefix;  /* NULL: no local-file method */
    int file_stream;           /* AT+QFOTADL="FILE:<len>" (EC200T FOTA guide §3.3) */
    int ftp_root_only;         /* EC200T FOTA guide §3.1: "only root path is supported" */
    int reboot_before_update;  /* reboot after download (RG50xQ FOTA note §3.3.1,
                                * EG06xK DFOTA note §3.3.1.1) */
    int check_before_reboot;   /* EG06xK DFOTA note §3: version checked before recovery, 505 */
    int legacy_text;           /* QFUA/QFAW text progress (GSM FOTA note) */
    int default_flow;          /* flow control on at boot */
    sim_urc_pair_t ftp, http, https, file;
    const char *start, *updating, *end, *downloading, *restore;
    int comma_space_http;      /* EG06xK DFOTA note §3.3.1.2 prints `"FOTA", "HTTPEnd", 0` */
    double data_rate;          /* default bytes/s in data mode (speed 1) */
} sim_family_t;

typedef enum {
    SIM_PHASE_NONE = 0,
    SIM_PHASE_COMMAND,  /* AT+QFOTADL answered ERROR */
    SIM_PHASE_DOWNLOAD, /* FTP/HTTP(S) download */
    SIM_PHASE_FILE,     /* FILE:<len> stream / upload */
    SIM_PHASE_REBOOT,   /* while rebooting into the updater */
    SIM_PHASE_UPDATE,   /* at a percentage while updating */
} sim_phase_t;

typedef struct {
    /* any code of the family's tables at a phase */
    sim_phase_t error_phase; int error_code; int error_at;
    /* transient failure (520-style) that succeeds on retry k (k > 5: never) */
    int transient_code; int transient_at; int transient_ok_retry;
    int power_loss_at;  double power_off_s; /* -1: none */
    int power_loss_old; /* power_loss boots the old firmware (update lost), once per run */
    double boot_busy_s; /* at power-up: boot URCs spread over this long, FOTA commands ERROR */
    sim_phase_t stall_phase; int stall_at;
    sim_phase_t vanish_phase; int vanish_at;
    int garbage;        /* junk bytes between lines */
    int echo_stuck;     /* ATE0 answered OK but echo stays on */
    int inject_urcs;    /* unrelated URCs between a command and its final result */
    int split_writes;   /* every byte its own write */
    int imei_errors;    /* the first N AT+GSN / AT+CGSN answer ERROR (early in boot) */
    /* ident_errors: the first ident_err_count (-1: every) identification commands of
     * kind ident_err_cmd answer +CME ERROR: ident_err_code (SIM busy, not allowed) */
    int ident_err_code; int ident_err_count; int ident_err_cmd;
    int flood_bps;      /* URC lines at this many bytes/s, real time, whenever powered */
    char swap_imei[16]; /* a different IMEI after the first reboot ("module swapped") */
    int hang;           /* SIM_HANG_*: its AT interpreter never answers (a hung module) */
} sim_faults_t;

/* hang: until_power_cycle answers again once unplugged and plugged back (its hub
 * port's power cut and restored); forever never answers. */
enum { SIM_HANG_NONE, SIM_HANG_UNTIL_POWER_CYCLE, SIM_HANG_FOREVER };

/* Which identification commands the ident_errors fault answers. */
enum { SIM_IDENT_ANY = 1, SIM_IDENT_ATI, SIM_IDENT_GSN, SIM_IDENT_QGMR };

typedef struct {
    int https_urcs;     /* "HTTPSSTART" / "HTTPSEND" for https:// (some firmwares) */
    int downloading;    /* "DOWNLOADING",n during the download */
    int percent_sign;   /* "UPDATING",57% */
    int restore;        /* "RESTORE",n when giving up */
    int continue_msg;   /* "Last upgrade was not finished,continue upgrade" */
    int late_port;      /* -1 off; else the port appears only at this percent */
    int comma_space;    /* spaces after commas in every +QIND */
} sim_variants_t;

typedef struct {
    double reboot_s, boot_urc_s, download_rate, download_min_s, update_s;
    int update_step;    /* percent between UPDATING lines */
    double data_rate;   /* 0: family default */
    double data_timeout_s;
    double guard_s;     /* +++ escape guard time */
} sim_timing_t;

typedef struct {
    char name[SIM_NAME_MAX + 1];
    uint8_t *data; size_t len;
} sim_file_t;

typedef enum {
    SIM_MODE_CMD = 0,
    SIM_MODE_QFUPL,   /* AT+QFUPL data */
    SIM_MODE_FILE,    /* EC200T FILE:<len> */
    SIM_MODE_QFUA,    /* legacy raw data until +++ */
    SIM_MODE_BUSY,    /* updater / recovery: no AT interpreter */
    SIM_MODE_OFF,     /* powered down or rebooting */
} sim_mode_t;

typedef struct sim sim_t;
typedef struct sim_module sim_module_t;

typedef struct { uint8_t *p; size_t len, cap; } sim_buf_t;

/* What one USB interface of a module does (docs/simulator.md "Port layouts"). */
typedef enum {
    SIM_ROLE_AT,    /* the AT port: full interpreter, boot URCs */
    SIM_ROLE_MODEM, /* a second full AT interpreter on the same module state */
    SIM_ROLE_DM,    /* diagnostics: swallows everything, never answers */
    SIM_ROLE_NMEA,  /* NMEA sentences once a second, input ignored */
} sim_role_t;

#define SIM_MAX_IFS 8

typedef struct sim_if sim_if_t;

typedef struct sim_port {
    uv_poll_t poll;
    int master, slave;
    sim_if_t *i;
    int events;
} sim_port_t;

/* One interface: its own pty incarnation, link, output queue, line and echo. */
struct sim_if {
    sim_module_t *m;
    sim_role_t role;
    int num;                /* USB interface number (the N of ":1.N") */
    char link[256];         /* name in the ports directory: a file name, 255 bytes at most */
    sim_port_t *port;
    sim_port_t *spare;      /* next pty, allocated before the old one closes */
    char pts[64];
    int linked;
    uint64_t port_up_ms, last_write_ms; /* loop time; see fota.c must_wait_drain() */
    sim_buf_t out;
    uv_timer_t t_dribble, t_nmea;
    char line[2048]; size_t line_len; int line_overflow;
    int echo;
};

typedef struct { int num; sim_role_t role; } sim_if_spec_t;

/* `ports:` of a module: today's single link, the family's hub layout, or a list */
typedef enum { SIM_LAYOUT_SINGLE = 0, SIM_LAYOUT_HUB, SIM_LAYOUT_LIST } sim_layout_kind_t;


struct sim_module {
    sim_t *sim;
    int index;
    char slot[256];         /* a link name (hub layouts add ":1.N-port0" to it) */
    const sim_family_t *fam;
    char maker[32], model[64], imei[16], revision[96];
    int imei_as_written; /* imei taken as written: blank / wrong check digit, shared by a count */
    uint64_t free_space, total_space, max_package;
    int flow_control, cmee;
    sim_timing_t t;
    sim_faults_t f;
    sim_variants_t v;
    int tls_insecure; char ca_file[256];

    sim_file_t files[SIM_MAX_FILES];

    int sim_card;           /* 0: boots with +CPIN: NOT INSERTED */

    /* interfaces (layout.c); `cur` is where output goes: the port whose command is
     * being answered, the FOTA session's port for its URCs, `at` for boot URCs */
    sim_layout_kind_t layout;
    sim_if_spec_t spec[SIM_MAX_IFS]; int n_spec;
    sim_if_t ifs[SIM_MAX_IFS]; int n_ifs;
    sim_if_t *at, *cur, *fota_if;
    int conflicts;          /* FOTA commands seen on a second port */
    unsigned boots;         /* re-enumerations: seeds the publish order */
    int pub_order[SIM_MAX_IFS], pub_next;
    uv_timer_t t_publish;

    int up, hidden, gone;
    uint64_t drain_start_ms;
    uv_timer_t t_rate, t_data, t_step, t_flood;
    double tokens; uint64_t tokens_ns;

    /* command/data input */
    sim_mode_t mode;
    char upl_name[SIM_NAME_MAX + 1];
    size_t data_want, data_got, data_lost;
    sim_buf_t data;
    int ack_mode; double upl_timeout_s;
    int plus_count; uint64_t idle_since_ns;
    int inject_i;

    /* FOTA */
    int fs;                 /* fota.c state */
    int method;             /* fota.c SIM_M_* */
    char url[600];
    uint8_t *pkg; size_t pkg_len;
    char pkg_file[SIM_NAME_MAX + 1]; /* local package name in UFS */
    char to_rev[96];
    int spaced;             /* this session's URCs have spaces after commas */
    int dl_err, dl_pct; double dl_remaining_ms;
    uint64_t dl_started_ms;
    int fetch_busy;
    int pct, resume_pct, attempt, end_code, pkg_code, boot_urc_i;
    int boot_normal, resumed, power_loss_done, restoring, swapped;
    int power_loss_spent;   /* the old-firmware power cut happened (once per run) */
    int busy_boot;          /* boot_busy_s: this boot's URCs are spread over it */
    int unplugged;          /* taken off the line by a control command (control.c) */
    int power_cycled;       /* plugged back in after an unplug: a hang until then is over */
    unsigned gen;
};

struct sim {
    uv_loop_t *loop;
    char ports_dir[1024];
    double speed;
    double data_rate;       /* --data-rate B/s for every module (0: each module's own) */
    int data_max;           /* --data-rate max: data mode reads as fast as the pty allows */
    int verbose;
    int stopping;
    sim_module_t **mods; int n_mods;
    uv_signal_t sig_int, sig_term;
    volatile int abort_fetch;
    int conflicts;          /* port conflicts of all modules (exit status 4) */
    uint64_t t0_ms;
    long imei_base;         /* --imei-base: serial of the first generated IMEI; -1: default */
    /* --control FIFO: plug/unplug commands while the line runs (control.c) */
    uv_poll_t control_poll;
    int control_fd;
    char control_path[1024];
    char control_line[256];
    size_t control_len;
};

/* family.c */
const sim_family_t *sim_family_find(const char *name);
const sim_family_t *sim_family_get(sim_fam_id_t id);
int sim_family_code(const sim_family_t *f, sim_pkg_result_t r);
int sim_family_retryable(const sim_family_t *f, int err);
void sim_module_defaults(sim_module_t *m, const sim_family_t *f, int index);

/* util.c */
void sim_imei_make(char out[16], const char *tac, unsigned serial);
/* The serial number of the index-th generated IMEI: --imei-base N gives N, N+1, …
 * (a new batch of modules), else 100000 + 7 per module. */
unsigned sim_imei_serial(const sim_t *s, int index);
int sim_luhn_ok(const char *imei);
uint16_t sim_qfupl_checksum(const uint8_t *p, size_t n);
uint64_t sim_now_ms(const sim_t *s);
uint64_t sim_ms(const sim_module_t *m, double seconds); /* scaled by --speed */
void sim_log(const sim_module_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_buf_add(sim_buf_t *b, const void *p, size_t n);
void sim_buf_drop(sim_buf_t *b, size_t n);
void sim_buf_free(sim_buf_t *b);
int sim_make_slot(char *out, size_t cap, const sim_family_t *f, int index);

/* port.c: every interface of a module comes and goes together */
int sim_port_up(sim_module_t *m, int publish);
void sim_port_publish(sim_module_t *m);
void sim_port_down(sim_module_t *m, int really);
void sim_out(sim_module_t *m, const void *p, size_t n); /* to m->cur */
void sim_if_publish(sim_if_t *i);
void sim_if_write_now(sim_if_t *i, const void *p, size_t n); /* unbuffered, drops if full */
void sim_line(sim_module_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_port_reading(sim_module_t *m);
int sim_module_init(sim_module_t *m);
void sim_module_close(sim_module_t *m);

/* at.c */
void sim_at_input(sim_module_t *m, const uint8_t *p, size_t n);
void sim_at_final(sim_module_t *m, const char *result);
void sim_at_cme(sim_module_t *m, int code);

/* data.c */
void sim_data_input(sim_module_t *m, const uint8_t *p, size_t n);
void sim_data_begin(sim_module_t *m, sim_mode_t mode, size_t want);
double sim_data_rate(const sim_module_t *m);

/* files.c */
sim_file_t *sim_file_find(sim_module_t *m, const char *name);
int sim_file_store(sim_module_t *m, const char *name, uint8_t *data, size_t len);
int sim_file_delete(sim_module_t *m, const char *name);
uint64_t sim_file_used(const sim_module_t *m);

/* fota.c */
int sim_fota_command(sim_module_t *m, const char *arg);  /* AT+QFOTADL=arg; 0 = OK sent */
void sim_fota_stream_done(sim_module_t *m, uint8_t *data, size_t len, int complete);
void sim_fota_legacy_start(sim_module_t *m, uint8_t *data, size_t len);
void sim_fota_reboot(sim_module_t *m); /* AT+CFUN=1,1 */
void sim_fota_power_up(sim_module_t *m); /* first appearance: boot_busy_s */
int sim_fota_booting(const sim_module_t *m); /* boot URCs still coming: FOTA commands ERROR */

/* fetch.c */
int sim_fetch_start(sim_module_t *m);
void sim_fetch_done(sim_module_t *m, int err, uint8_t *data, size_t len);

/* pkg.c */
sim_pkg_result_t sim_pkg_check(const sim_module_t *m, const uint8_t *p, size_t n, char *to_rev, size_t to_cap);
int sim_pkg_build(const char *family, const char *from, const char *to, size_t size, int corrupt,
                  uint8_t **out, size_t *out_len);
int sim_mkpkg_main(int argc, char **argv);

/* layout.c */
int sim_role_find(const char *name, sim_role_t *out);
const char *sim_role_name(sim_role_t r);
/* Builds m->ifs from m->layout/m->spec; NULL, or why the layout is refused. */
const char *sim_layout_build(sim_module_t *m);
const char *sim_layout_check(const sim_module_t *m);
void sim_layout_publish_shuffled(sim_module_t *m);
void sim_layout_stop(sim_module_t *m);
void sim_layout_fota_cmd(sim_module_t *m, const char *cmd); /* conflict evidence */
int sim_layout_parse_name(const char *v, sim_layout_kind_t *out);

/* control.c */
int sim_control_open(sim_t *s, const char *path); /* 0, or -1 with a message */
void sim_control_close(sim_t *s);

/* scenario.c */
int sim_scenario_load(sim_t *s, const char *path);

#endif
