/* AT+QFUPL's end-of-upload check (real modules, fwupd's Quectel DFOTA updater): the
 * module answers "+QFUPL: <size>,<checksum>" where checksum is the 16-bit XOR of
 * the file's big-endian byte pairs, an odd last byte taken as a pair's high byte,
 * printed in lowercase hex without padding ("+QFUPL: 1939,4f64"). */
#ifndef FOTA_QFUPL_CHECKSUM_H
#define FOTA_QFUPL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint16_t fota_qfupl_checksum(const uint8_t *data, size_t len);

/* Parses the information line "+QFUPL: <size>,<hex>" (blanks tolerated, any hex
 * case). 0 or -1. */
int fota_qfupl_reply_parse(const char *line, uint64_t *size, uint16_t *checksum);

#endif
