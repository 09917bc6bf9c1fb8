/* A module family as data (docs/profiles.md): everything family-specific the engine needs.
 * Loaded from profiles/<family>.yaml by profile_load.c. Adding a family is adding a
 * YAML file; the engine never branches on a family's name.
 *
 * Ownership: a fota_profile_t owns all its strings and arrays; free with
 * fota_profile_free(). */
#ifndef FOTA_PROFILE_H
#define FOTA_PROFILE_H

#include "fota_types.h"

/* One row of an error table: a code or an inclusive range (520–530). */
typedef struct {
    int lo, hi;                 /* lo == hi for a single code */
    char *meaning;              /* the note's wording */
    fota_error_class_t cls;     /* download | package | space | transient | fatal */
} fota_error_entry_t;

typedef struct {
    fota_error_entry_t *v;
    size_t n;
} fota_error_table_t;

/* Which table a code reported in a phase belongs to. */
typedef enum {
    FOTA_TABLE_FTP,   /* ftp_err: FTPEND,<n> */
    FOTA_TABLE_HTTP,  /* http_err: HTTPEND,<n> */
    FOTA_TABLE_FILE,  /* file_err: FILEEND,<n> */
    FOTA_TABLE_ERR,   /* err: END,<n> */
    FOTA_TABLE__COUNT
} fota_table_id_t;

/* +QIND: "FOTA",<name>[,<n>[%]] — the name (matched case-insensitively, spaces
 * ignored) mapped to a phase. Several spellings map to the same phase. */
typedef struct {
    char *name;            /* "HTTPPEND" */
    fota_phase_t phase;    /* FOTA_PHASE_DL_END */
    fota_table_id_t table; /* which table the value is a code of (DL_END/END);
                            * FOTA_TABLE__COUNT when the value is no code */
} fota_phase_name_t;

/* "ftp_err", "http_err", "file_err", "err" (the YAML names); "" for __COUNT. */
const char *fota_table_name(fota_table_id_t t);
int fota_table_from_name(const char *s, fota_table_id_t *out); /* 0 or -1 */

/* A plain text line (GSM FOTA note, boot URCs) mapped to a phase. Pattern syntax:
 * literal text matched case-insensitively with runs of blanks folded; "%d" captures
 * an integer (the phase value); "*" matches anything. Whole-line match. */
typedef struct {
    char *pattern;         /* "Update percent = %d%" */
    fota_phase_t phase;
    fota_table_id_t table; /* table the %d value is a code of; __COUNT when none */
} fota_text_pattern_t;

typedef struct {
    bool supported;
    char *command;          /* template, "{arg}" replaced: AT+QFOTADL="{arg}" */
    /* url */
    size_t max_url_len;     /* 512 RG50xQ, 100 EG06xK, 255 EC200T (bytes, whole URL) */
    bool ftp_root_only;     /* EC200T: "Currently only root path is supported" (EC200T FOTA guide §3.1) */
    char **schemes;         /* allowed, lowercase: "ftp","http","https" */
    size_t n_schemes;
    /* local */
    char *local_prefix;     /* "/cache/ufs/", "/usrdata/cache/ufs/" */
    size_t max_name_len;    /* AT+QFUPL name limit (80) */
    size_t max_path_len;    /* whole "<prefix><name>" limit */
    int upload_timeout_s;   /* AT+QFUPL <timeout> */
    size_t ack_block;       /* one 'A' per this many bytes in ack mode (1024) */
    /* stream / qfua */
    char *flow_command;     /* on a USB AT port: "AT+QCFG=\"usbifc\",2,2"; NULL = none */
    char *flow_command_uart;/* on a physical UART: "AT+IFC=2,2" (EC200T FOTA guide §3.3); NULL = none */
    bool require_flow;      /* refuse to stream without hardware flow control */
    unsigned rate_limit_bps;/* without flow control: bytes per second (15000, EC200T FOTA guide §3.3) */
    size_t min_write;       /* without flow control: at least this many bytes per write (32) */
    unsigned guard_ms;      /* qfua: silence before and after "+++" */
    /* qfaw */
    char *init_command;     /* "AT+QFAI" */
    char *write_command;    /* "AT+QFAW=\"{hex}\"" */
    char *commit_command;   /* "AT+QFAU" */
    size_t max_chunk_bytes; /* payload bytes per AT+QFAW: 225 (= 450 hex chars, the
                             * safe reading of GSM FOTA note §2.3.2's "450 bytes") */
    /* behaviour */
    bool reboot_after_download; /* port drops between download and update (RG50xQ FOTA note §3.3.1) */
    bool reboot_after_end;      /* module restarts after END / success line */
} fota_method_profile_t;

typedef struct {
    unsigned command_ms;   /* ordinary AT command (300 ms in the Quectel notes; we allow more) */
    unsigned reboot_ms;    /* first URC after a reboot: 90 s (RG50xQ FOTA note §3.3.1,
                            * EG06xK DFOTA note §3.3.1.1) */
    unsigned download_ms;  /* AT+QFOTADL accepted → download end */
    unsigned stall_ms;     /* no progress change while updating */
    unsigned total_ms;     /* whole attempt */
    /* Before any attempt (the station, not the machine). In a job, FOTA_TIMEOUT_UNSET
     * leaves the profile's value; 0 is a real value there. */
    unsigned ports_settle_ms; /* a newly plugged module's tty interfaces appear over this */
    unsigned probe_ms;        /* a silent port is asked `AT` this long before it is ignored */
} fota_timeouts_t;

#define FOTA_TIMEOUT_UNSET 0xffffffffu
/* Built-in values when a profile leaves the optional ones out. */
#define FOTA_PORTS_SETTLE_DEFAULT_MS 3000u
#define FOTA_PROBE_DEFAULT_MS 30000u

/* The FOTA machine's quiet windows (profile `quiet:`, optional, seconds). */
#define FOTA_QUIET_BOOT_DEFAULT_MS 0u
#define FOTA_QUIET_RESYNC_DEFAULT_MS 300u
#define FOTA_QUIET_GIVE_UP_DEFAULT_MS 5000u
#define FOTA_QUIET_HOP_DEFAULT_MS 1500u
#define FOTA_QUIET_IDENT_RETRY_DEFAULT_MS 2000u
/* `boot_refusals:` when a profile does not say (0..20). */
#define FOTA_BOOT_REFUSALS_DEFAULT 3
typedef struct {
    unsigned boot_ms;    /* after a reboot: silence before the first AT poll (0: poll at once) */
    unsigned resync_ms;  /* after a resync AT's OK: late replies are dropped meanwhile */
    unsigned give_up_ms; /* after END,<transient>: boot lines and no START this long = gave up */
    unsigned hop_ms;     /* chains: boot lines quiet this long before the next hop's command */
    unsigned ident_retry_ms; /* an identification command refused transiently: asked again after this */
} fota_quiet_t;

/* `identify.transient_errors` / `identify.retries` when a profile does not say: a
 * module whose SIM is still being read answers +CME ERROR: 3 (operation not allowed)
 * or 14 (SIM busy) (3GPP TS 27.007 §9.2.1), and a plain ERROR while it boots. */
#define FOTA_IDENT_TRANSIENT_MAX 16
#define FOTA_IDENT_RETRIES_DEFAULT 3
typedef struct {
    int codes[FOTA_IDENT_TRANSIENT_MAX]; /* +CME ERROR: <n> that clears by itself */
    size_t n_codes;
    bool plain_error;    /* a plain ERROR counts while the module's boot lines arrive */
    int retries;         /* asks again per identification command (0..20) */
} fota_ident_retry_t;

/* What the operator does with a module that FAILs with this class (and code):
 * the profile's `actions:` (docs/profiles.md). The station falls back on its
 * built-in action per class (station/action.c) when no rule matches. */
#define FOTA_ACTION_MAX_CHARS 24 /* fits the result column of an 80-column dashboard */
typedef struct {
    fota_error_class_t cls;
    int lo, hi;            /* codes, inclusive; lo > hi: every code of the class */
    char *words;           /* "rework bin", "stop the line: package" */
} fota_action_rule_t;

typedef struct {
    char *family;            /* "RG50xQ" */
    char *source;            /* file the profile came from (for messages) */
    char **models;           /* as ATI prints them, prefix-matched: "RG500Q" matches "RG500Q-EA" */
    size_t n_models;
    /* USB identification; vendor 0 = unknown → probe with AT */
    uint16_t usb_vendor;
    uint16_t *usb_products;
    int *usb_at_interfaces;  /* per product, parallel to usb_products; -1 = unknown */
    size_t n_usb_products;
    int at_interface;        /* family default; -1 when unknown */
    /* identification */
    char *ident_command;     /* "ATI" */
    char *imei_command;      /* "AT+GSN" (fallback "AT+CGSN") */
    char *imei_fallback_command;
    char *revision_command;  /* optional "AT+QGMR"; NULL when absent */
    fota_ident_retry_t ident_retry; /* transient refusals of those commands */
    /* FOTA; urc_prefix/urc_tag are NULL for a family without +QIND URCs (legacy
     * GSM, per the GSM FOTA note, reports plain text lines only: see text_patterns) */
    char *urc_prefix;        /* "+QIND:" */
    char *urc_tag;           /* "FOTA" */
    fota_phase_name_t *phase_names;
    size_t n_phase_names;
    fota_text_pattern_t *text_patterns;
    size_t n_text_patterns;
    int module_retries;      /* module retries itself this many times (5) */
    /* A module still booting refuses FOTA commands with ERROR: how many such
     * refusals the machine waits out (boot lines quiet, then the command again). */
    int boot_refusals;
    fota_method_profile_t methods[FOTA_METHOD__COUNT];
    fota_error_table_t tables[FOTA_TABLE__COUNT];
    fota_timeouts_t timeouts;
    fota_quiet_t quiet;
    fota_action_rule_t *actions; /* `actions:`, in file order; none when absent */
    size_t n_actions;
    /* `power:` (optional): the family's off time (0: the job's or the default), and
     * the FAIL classes after which a job with power control power-cycles the module
     * and tries again (bit 1 << fota_error_class_t), never after the update began. */
    unsigned power_off_ms;
    uint32_t power_retry_classes;
} fota_profile_t;

typedef struct {
    fota_profile_t **v;
    size_t n;
} fota_profile_set_t;

/* Error location for loaders: every message names file:line:column (1-based). */
typedef struct {
    char file[256];
    int line, column;
    char message[256];
} fota_load_error_t;

/* Formats "file:line:column: message" into buf. */
void fota_load_error_format(const fota_load_error_t *e, char *buf, size_t len);

/* Every independent error a loader found, in file order, bounded: a broken file
 * says all that is wrong with it in one go, and a file of garbage cannot flood the
 * screen. The *_all loaders append to it (zero it first); the single-error ones
 * keep v[0]. A YAML syntax error ends its file's list: its message says so. */
#define FOTA_LOAD_ERRORS_MAX 20
typedef struct {
    fota_load_error_t v[FOTA_LOAD_ERRORS_MAX];
    size_t n;    /* listed in v */
    size_t more; /* found after the list was full: "and N more" */
} fota_load_errors_t;

/* Appends one error (line and column 1-based; 0 = the file as a whole). */
void fota_load_errors_add(fota_load_errors_t *l, const char *file, int line, int column,
                          const char *message);
/* For the single-error API: l's first error into *err (when both exist), then rc. */
int fota_load_errors_first(const fota_load_errors_t *l, int rc, fota_load_error_t *err);

int fota_profile_load_file(const char *path, fota_profile_t **out, fota_load_error_t *err);
int fota_profile_load_buffer(const char *name, const char *text, size_t len,
                             fota_profile_t **out, fota_load_error_t *err);
int fota_profile_load_file_all(const char *path, fota_profile_t **out, fota_load_errors_t *errs);
int fota_profile_load_buffer_all(const char *name, const char *text, size_t len,
                                 fota_profile_t **out, fota_load_errors_t *errs);
void fota_profile_free(fota_profile_t *p);

/* p's timeouts (built-in ones when p is NULL) with a job's overrides applied. */
fota_timeouts_t fota_timeouts_effective(const fota_profile_t *p, const fota_timeouts_t *job);

/* Loads every *.yaml in dir (sorted by name). Any error refuses the whole set; the
 * _all form goes on through the other files so that every error is listed. */
int fota_profile_set_load_dir(const char *dir, fota_profile_set_t *out, fota_load_error_t *err);
int fota_profile_set_load_dir_all(const char *dir, fota_profile_set_t *out,
                                  fota_load_errors_t *errs);
void fota_profile_set_free(fota_profile_set_t *s);

/* Model as ATI prints it ("Quectel_RG500Q-EA", "RM510Q-GL") → profile, or NULL.
 * A profile model name matches as a prefix ending at a word boundary, after an
 * optional "Quectel_" maker prefix; the longest matching name wins. */
const fota_profile_t *fota_profile_set_match_model(const fota_profile_set_t *s, const char *model);
const fota_profile_t *fota_profile_set_find_family(const fota_profile_set_t *s, const char *family);
/* vid:pid listed by a profile, and interface is that product's AT interface. An
 * unknown AT interface in the profile, or interface < 0 from the caller, matches any
 * interface (probe with AT). NULL when no profile lists the product. */
const fota_profile_t *fota_profile_set_match_usb(const fota_profile_set_t *s, uint16_t vid,
                                                 uint16_t pid, int interface);

/* The AT interface p lists for USB product pid: >= 0 known, -1 unknown or not listed. */
int fota_profile_usb_at_interface(const fota_profile_t *p, uint16_t pid);

/* Length of `entry` when it prefixes `model` (maker prefix stripped) at a word
 * boundary, else 0. Used by model matching here and in jobs. */
size_t fota_profile_model_fit(const char *entry, const char *model);

/* The profile's action for a FAIL of class cls with code: a rule naming the code
 * wins over the class's rule without codes; NULL when none matches (p NULL too). */
const char *fota_profile_action(const fota_profile_t *p, fota_error_class_t cls, int code);

/* Code → entry in a table, or NULL when the table does not list it. */
const fota_error_entry_t *fota_profile_lookup_error(const fota_profile_t *p, fota_table_id_t t,
                                                   int code);

#endif
