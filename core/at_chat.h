/* The AT layer, sans-I/O, in three small pieces (gatchat's shape):
 *   framer     bytes -> lines / ack bytes; state survives any split of the input
 *   classifier echo -> reply to the command in flight -> URC -> noise
 *   chat       one command in flight, its own timeout, responses collected
 * Nothing here reads a clock or touches a descriptor: the caller passes `now_ms`
 * and gets bytes to write through a callback. */
#ifndef FOTA_AT_CHAT_H
#define FOTA_AT_CHAT_H

#include "fota_types.h"

#define FOTA_AT_MAX_LINE 2048     /* longer lines are truncated, flagged, never overflow */
#define FOTA_AT_MAX_INFO_LINES 64 /* info lines kept per response */

/* ---- framer ---------------------------------------------------------------- */
typedef enum {
    FOTA_FRAME_LINE,   /* a complete line, without CR/LF, NUL-terminated */
    FOTA_FRAME_ACK,    /* one 'A' byte of AT+QFUPL ack mode */
} fota_frame_kind_t;

typedef struct {
    fota_frame_kind_t kind;
    const char *text;  /* valid only during the callback */
    size_t len;
    bool truncated;    /* line was longer than FOTA_AT_MAX_LINE */
} fota_frame_t;

typedef void (*fota_frame_cb)(void *ctx, const fota_frame_t *f);

typedef struct {
    char buf[FOTA_AT_MAX_LINE + 1];
    size_t len;
    bool truncated;
    bool ack_mode;     /* a lone 'A' at the start of a line is an ack byte */
} fota_at_framer_t;

void fota_at_framer_init(fota_at_framer_t *f);
void fota_at_framer_set_ack_mode(fota_at_framer_t *f, bool on);
void fota_at_framer_feed(fota_at_framer_t *f, const uint8_t *data, size_t n,
                         fota_frame_cb cb, void *ctx);

/* ---- field iterator: "FOTA","UPDATING",42  /  "FOTA", "HTTPEnd", 0 ------------ */
typedef struct {
    const char *p, *end;
} fota_at_fields_t;

void fota_at_fields_init(fota_at_fields_t *it, const char *args, size_t len);
/* Next field, quotes removed, blanks around it skipped. 0, or -1 at the end. */
int fota_at_fields_next_str(fota_at_fields_t *it, char *out, size_t outlen);
/* Next field as integer; a trailing '%' is accepted ("57%"). 0, or -1. */
int fota_at_fields_next_int(fota_at_fields_t *it, long *out);

/* ---- chat ------------------------------------------------------------------ */
typedef enum {
    FOTA_AT_FINAL_OK,
    FOTA_AT_FINAL_ERROR,
    FOTA_AT_FINAL_CME_ERROR,  /* code = n, or -1 when text */
    FOTA_AT_FINAL_CMS_ERROR,
    FOTA_AT_FINAL_CONNECT,    /* line switches to data mode */
    FOTA_AT_FINAL_NO_CARRIER,
    FOTA_AT_FINAL_TIMEOUT,    /* no final result within the command's timeout */
} fota_at_final_t;

const char *fota_at_final_name(fota_at_final_t f); /* "OK", "CME_ERROR", "TIMEOUT", … */

typedef struct {
    fota_at_final_t final;
    int code;                 /* CME/CMS code, -1 if not numeric or not present */
    const char *final_text;   /* the final line as received ("+CME ERROR: 3") */
    const char *const *lines; /* information lines of this command */
    size_t n_lines;
} fota_at_response_t;

typedef enum { FOTA_TRACE_TX, FOTA_TRACE_RX, FOTA_TRACE_INFO } fota_trace_dir_t;

/* What the classifier made of a received line (reported through cbs.line). */
typedef enum {
    FOTA_AT_LINE_ECHO,  /* our own command echoed back (echo on, the default) */
    FOTA_AT_LINE_INFO,  /* information line of the command in flight */
    FOTA_AT_LINE_FINAL, /* final result of the command in flight (or of wait()) */
    FOTA_AT_LINE_URC,   /* unsolicited: delivered through cbs.urc */
    FOTA_AT_LINE_NOISE, /* none of the above: traced, never taken as a reply */
    FOTA_AT_LINE_ACK,   /* an 'A' byte in ack mode */
} fota_at_line_class_t;

const char *fota_at_line_class_name(fota_at_line_class_t k); /* "echo", "info", … */

typedef struct {
    void *ctx;
    void (*write)(void *ctx, const uint8_t *data, size_t len);     /* bytes to the port */
    void (*response)(void *ctx, const fota_at_response_t *r);     /* command finished */
    void (*urc)(void *ctx, const char *line);                     /* unsolicited line */
    void (*ack)(void *ctx);                                       /* 'A' in ack mode */
    void (*trace)(void *ctx, fota_trace_dir_t dir, const char *text); /* transcript */
    /* Optional: every received line (and ack byte) with its classification, before
     * the response/urc/ack callback it leads to. */
    void (*line)(void *ctx, fota_at_line_class_t cls, const char *text);
} fota_at_chat_cbs_t;

typedef struct fota_at_chat fota_at_chat_t;

/* urc_prefixes: NULL-terminated list of line prefixes that are always URCs even
 * while a command is in flight ("+QIND:", "RDY", "+CPIN:", …). The profile's text
 * patterns are consulted through is_urc when given. */
fota_at_chat_t *fota_at_chat_new(const fota_at_chat_cbs_t *cbs, const char *const *urc_prefixes,
                                 bool (*is_urc)(void *ctx, const char *line));
void fota_at_chat_free(fota_at_chat_t *c);

/* Sends "cmd\r". The response callback fires once, with the final result or a
 * TIMEOUT after timeout_ms. One command in flight: returns FOTA_E_STATE if busy. */
int fota_at_chat_send(fota_at_chat_t *c, const char *cmd, unsigned timeout_ms, uint64_t now_ms);
/* Like send, but only lines starting with info_prefix ("+QFLDS:") are information
 * lines of this command; other lines go on to the URC check or count as noise.
 * info_prefix NULL or "" = every non-URC line is an information line. */
int fota_at_chat_send_expect(fota_at_chat_t *c, const char *cmd, const char *info_prefix,
                             unsigned timeout_ms, uint64_t now_ms);
/* A "pseudo command" with nothing sent: completes (response callback) with the next
 * final result, or TIMEOUT. Needed after CONNECT (AT+QFUPL ends with
 * `+QFUPL: <size>,<checksum>` then OK) and for the GSM FOTA note's AT+QFUA, which answers OK
 * and then a separate CONNECT line (GSM FOTA note §2.3.1). FOTA_E_STATE if busy. */
int fota_at_chat_wait(fota_at_chat_t *c, unsigned timeout_ms, uint64_t now_ms);
int fota_at_chat_wait_expect(fota_at_chat_t *c, const char *info_prefix, unsigned timeout_ms,
                             uint64_t now_ms);
/* Raw bytes (data mode), no line framing, no response expected. */
void fota_at_chat_send_raw(fota_at_chat_t *c, const uint8_t *data, size_t len);
void fota_at_chat_feed(fota_at_chat_t *c, const uint8_t *data, size_t n, uint64_t now_ms);
/* Fires the timeout if due. */
void fota_at_chat_tick(fota_at_chat_t *c, uint64_t now_ms);
/* When the next timeout is due, or UINT64_MAX when nothing is in flight. */
uint64_t fota_at_chat_deadline(const fota_at_chat_t *c);
bool fota_at_chat_busy(const fota_at_chat_t *c);
void fota_at_chat_set_ack_mode(fota_at_chat_t *c, bool on);
/* Forget the command in flight and any partial line (port closed / reopened). No
 * response callback fires for the forgotten command. Echo state goes back to unknown
 * (a rebooted module has echo on again). */
void fota_at_chat_reset(fota_at_chat_t *c);
/* Cancel the command in flight without a response callback (machine gave up on it).
 * Its late replies will be noise. */
void fota_at_chat_cancel(fota_at_chat_t *c);

#endif
