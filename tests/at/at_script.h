/* Transcript scripts for the AT layer: what the host does, what the module sends,
 * and the events the chat must report. One step per line:
 *   > CMD            host sends CMD (fota_at_chat_send)
 *   >x PREFIX CMD    host sends CMD expecting info lines starting with PREFIX
 *   >w [PREFIX]      host waits for the next final result (fota_at_chat_wait[_expect])
 *   >raw TEXT        host writes TEXT raw (data mode)
 *   >ack on|off      framer ack mode
 *   >timeout MS      timeout of the following commands (default 5000)
 *   >t MS            time passes by MS, then tick()
 *   >reset | >cancel
 *   < TEXT           module sends CR LF TEXT CR LF
 *   e TEXT           module echoes TEXT CR
 *   << BYTES         module sends BYTES, C escapes (\r \n \t \\ \xHH)
 *   = EVENT          the next expected event (see at_script_run)
 *   # comment, blank lines ignored
 * Consecutive module steps form one byte stream, fed in the chunks a plan asks. */
#ifndef AT_SCRIPT_H
#define AT_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

typedef struct at_script at_script_t;

/* NULL on error, message in err. */
at_script_t *at_script_parse(const char *text, char *err, size_t errlen);
at_script_t *at_script_load(const char *path, char *err, size_t errlen);
void at_script_free(at_script_t *s);

/* Total module bytes (every split point of them is a plan). */
size_t at_script_rx_len(const at_script_t *s);

typedef enum {
    AT_PLAN_WHOLE,   /* each run of module bytes in one feed */
    AT_PLAN_BYTES,   /* one byte per feed */
    AT_PLAN_SPLIT,   /* whole, except one extra cut before module byte k */
} at_plan_t;

/* Runs the script, returns the events, one per line (malloc'd):
 *   echo TEXT | info TEXT | noise TEXT | ack
 *   response FINAL [code=N] lines=N
 *   urc PHASE [value=N] [table=T] name=NAME   (parsed with profile)
 *   urc ? TEXT                                (profile does not know it)
 *   send-failed RC
 * Bytes outside 0x20..0x7e print as \xHH. */
char *at_script_run(const at_script_t *s, const fota_profile_t *p, at_plan_t plan, size_t k);

/* The expected events ("= " lines), in the same format. */
const char *at_script_expected(const at_script_t *s);

/* Runs every plan (whole, bytes, each cut); NULL when all give the expected events,
 * else a malloc'd message with the first plan that differs and both event lists. */
char *at_script_check(const at_script_t *s, const fota_profile_t *p);

#endif
