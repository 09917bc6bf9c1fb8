/* IMEI sanity: 15 decimal digits whose last one is the Luhn check digit
 * (3GPP TS 23.003, section 6.2.1). A module answering AT+GSN with anything but 15
 * digits is talking nonsense (error_class protocol), never an identity to record.
 * 15 digits that are all zeros (an unprogrammed module) or fail the check digit (a
 * badly programmed one) are what the module says it is: recorded on its row, and
 * the station refuses to upgrade it (error_class imei, fota_imei_problem). */
#ifndef FOTA_LUHN_H
#define FOTA_LUHN_H

#include <stdbool.h>
#include <stddef.h>

/* True when s (digits only, at least 2) passes the Luhn check. */
bool fota_luhn_valid(const char *s);

/* Extracts an IMEI from one AT+GSN / AT+CGSN information line: bare
 * "866123456789018", "+CGSN: 866123456789017" or quoted. Writes the 15 digits
 * (NUL-terminated) to out (at least 16 bytes). 0 when the line holds exactly 15
 * digits with a valid check digit, -1 otherwise. */
int fota_imei_parse(const char *line, char *out, size_t outlen);

/* Like fota_imei_parse, but any 15 digits are the IMEI the module reports, whatever
 * their check digit: 0 and out filled, or -1. */
int fota_imei_read(const char *line, char *out, size_t outlen);

/* NULL for an IMEI a module can be told by; otherwise why not, in words ("blank
 * (all zeros)", "wrong check digit", "not 15 digits"). */
const char *fota_imei_problem(const char *imei);

#endif
