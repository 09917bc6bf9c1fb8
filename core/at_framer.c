/* AT framer: bytes -> lines and ack bytes. The whole state lives in
 * fota_at_framer_t, so any split of the input (one byte at a time, 64 KiB at once,
 * a CRLF torn across two reads) yields the same frames.
 *
 * Line ends: the Quectel notes frame every response as <CR><LF>text<CR><LF> (RG50xQ FOTA note §3.1.2),
 * but a module rebooting, a legacy firmware or garbage on the line can send a lone
 * CR or a lone LF. So CR and LF each end a line, and empty lines (carrying nothing)
 * are not reported: that alone makes a CRLF, torn or not, count once, with no state
 * to remember across reads.
 *
 * Bounded memory: a line longer than FOTA_AT_MAX_LINE keeps its first
 * FOTA_AT_MAX_LINE bytes, is flagged truncated, and the rest up to the line end is
 * dropped. NUL bytes (seen on a USB port coming up) are dropped so that `text` is
 * always a C string of exactly `len` bytes; other bytes, non-ASCII included, are
 * passed through for the transcript. */
#include "at_chat.h"


void fota_at_framer_init(fota_at_framer_t *f)
{
    /* buf is left alone: a callback may re-init the framer while it still reads the
     * line it was handed. */
    f->len = 0;
    f->truncated = false;
    f->ack_mode = false;
}

void fota_at_framer_set_ack_mode(fota_at_framer_t *f, bool on)
{
    f->ack_mode = on;
}

static void emit_line(fota_at_framer_t *f, fota_frame_cb cb, void *ctx)
{
    if (f->len > 0) {
        f->buf[f->len] = '\0';
        fota_frame_t fr = {
            .kind = FOTA_FRAME_LINE, .text = f->buf, .len = f->len, .truncated = f->truncated,
        };
        /* Reset before the callback: it may feed or re-init the framer. */
        f->len = 0;
        f->truncated = false;
        cb(ctx, &fr);
    } else {
        f->truncated = false;
    }
}

void fota_at_framer_feed(fota_at_framer_t *f, const uint8_t *data, size_t n, fota_frame_cb cb,
                         void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = data[i];
        if (b == '\r' || b == '\n') {
            emit_line(f, cb, ctx);
            continue;
        }
        if (b == '\0')
            continue;
        /* AT+QFUPL ack mode (as fwupd's Quectel updater uses it): the module answers each
         * block with a single 'A' that is not framed as a line. Only a lone 'A' with
         * nothing buffered counts, so a line that merely starts later with 'A'
         * ("+QFUPL: …" never does) is unaffected. */
        if (f->ack_mode && b == 'A' && f->len == 0 && !f->truncated) {
            fota_frame_t fr = { .kind = FOTA_FRAME_ACK, .text = "A", .len = 1 };
            cb(ctx, &fr);
            continue;
        }
        if (f->len < FOTA_AT_MAX_LINE)
            f->buf[f->len++] = (char)b;
        else
            f->truncated = true;
    }
}
