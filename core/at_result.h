/* Internal to the AT layer: final result codes and echo recognition. */
#ifndef FOTA_AT_RESULT_H
#define FOTA_AT_RESULT_H

#include "at_chat.h"

/* True when line is a final result (OK, ERROR, +CME ERROR: <n|text>,
 * +CMS ERROR: <n>, NO CARRIER, CONNECT[ <text>]); code = the CME/CMS number or -1.
 * Case-insensitive, blanks around the line ignored. */
bool fota_at_result_parse(const char *line, fota_at_final_t *final, int *code);

/* True when line is the echo of cmd: equal ignoring case and trailing blanks. */
bool fota_at_is_echo(const char *line, const char *cmd);

/* Case-insensitive prefix test; an empty prefix never matches. */
bool fota_at_has_prefix(const char *line, const char *prefix);

typedef enum {
    FOTA_AT_ECHO_EFFECT_NONE,    /* command leaves echo as it is */
    FOTA_AT_ECHO_EFFECT_OFF,     /* ATE0 */
    FOTA_AT_ECHO_EFFECT_UNKNOWN, /* ATE1, ATZ, AT&F: echo state must be learnt again */
} fota_at_echo_effect_t;

/* What an accepted (OK) command does to the module's echo setting (V.250 §6.2.4). */
fota_at_echo_effect_t fota_at_echo_effect(const char *cmd);

#endif
