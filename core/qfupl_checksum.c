#include "qfupl_checksum.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

uint16_t fota_qfupl_checksum(const uint8_t *data, size_t len)
{
    uint16_t sum = 0;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum ^= (uint16_t)((unsigned)data[i] << 8 | data[i + 1]);
    if (i < len) /* odd length: the last byte is the high byte of a final pair */
        sum ^= (uint16_t)((unsigned)data[i] << 8);
    return sum;
}

int fota_qfupl_reply_parse(const char *line, uint64_t *size, uint16_t *checksum)
{
    if (strncasecmp(line, "+QFUPL:", 7) != 0)
        return -1;
    const char *p = line + 7;
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    char *end;
    errno = 0;
    unsigned long long sz = strtoull(p, &end, 10);
    if (errno || end == p)
        return -1;
    p = end;
    while (*p == ' ')
        p++;
    if (*p != ',')
        return -1;
    p++;
    while (*p == ' ')
        p++;
    if (!isxdigit((unsigned char)*p))
        return -1;
    unsigned long cs = strtoul(p, &end, 16);
    if (errno || cs > 0xffff)
        return -1;
    while (*end == ' ')
        end++;
    if (*end != '\0')
        return -1;
    *size = sz;
    *checksum = (uint16_t)cs;
    return 0;
}
