/* IMEI sanity: 15 decimal digits whose last one is the Luhn check digit
 * (3GPP TS 23.003, section 6.2.1). A module answering AT+GSN with anything else is
 * talking nonsense (error_class protocol), never an identity to record. */
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

#endif
