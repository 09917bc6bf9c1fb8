/* Turns an unsolicited line into a phase, using the profile's tables:
 *   +QIND: "FOTA","HTTPEnd", 0      -> DL_END, value 0, table http
 *   +QIND: "FOTA","UPDATING",57%    -> UPDATING, value 57
 *   Update  percent = 7%            -> UPDATING, value 7 (GSM FOTA note text patterns)
 *   RDY / +CPIN: READY / …          -> BOOT
 * Tolerant by design: any case, blanks after commas, a '%' after numbers. */
#ifndef FOTA_URC_H
#define FOTA_URC_H

#include "profile.h"

typedef struct {
    fota_phase_t phase;
    fota_table_id_t table; /* for DL_END / END: which error table `value` belongs to */
    bool has_value;
    long value;
    char name[32];         /* the phase word as printed ("HTTPPEND"), for transcripts */
} fota_urc_t;

/* 0 when the line is a FOTA or boot URC the profile knows, -1 otherwise. */
int fota_urc_parse(const fota_profile_t *p, const char *line, fota_urc_t *out);

/* True when the line should be treated as unsolicited by the AT classifier
 * (FOTA/boot URCs and the GSM FOTA note's text lines). */
bool fota_urc_is_unsolicited(const fota_profile_t *p, const char *line);

#endif
