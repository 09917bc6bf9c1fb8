/* Text that leaves the station: secrets masked before it is stored, cells and
 * markup escaped before it is rendered. Each writer escapes everything it
 * writes, so no caller has to remember to. */
#ifndef FOTA_TEXT_ESCAPE_H
#define FOTA_TEXT_ESCAPE_H

#include <stdbool.h>
#include <stdio.h>

/* "scheme://user:password@host" -> "scheme://user:***@host", every occurrence.
 * Returns a malloc'd copy (NULL only when out of memory or in == NULL). */
char *fota_text_mask_secrets(const char *in);
/* True when in contains a URL with a password (what fota_text_mask_secrets changes). */
bool fota_text_has_secret(const char *in);

/* One CSV cell (RFC 4180 quoting). Text cells that a spreadsheet would run as a
 * formula (first char = + - @ TAB CR) get a leading single quote (OWASP), except
 * a cell of nothing but dashes and commas, which computes nothing. */
void fota_text_csv_cell(FILE *f, const char *s);

/* Text for HTML element content and attribute values: & < > " ' escaped;
 * control characters and invalid UTF-8 replaced. */
void fota_text_html(FILE *f, const char *s);

/* A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. NULL -> null. */
void fota_text_json_str(FILE *f, const char *s);

/* Text for a terminal, padded with blanks to width columns (one per character):
 * valid UTF-8 passes; control characters (C0, DEL, C1 in either form) and invalid
 * UTF-8 bytes become '?', so a stored value cannot drive the terminal. */
void fota_text_term(FILE *f, const char *s, int width);

#endif
