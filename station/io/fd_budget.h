/* File descriptors: how many the station has, how many it uses, and how many modules
 * the line can hold with them. A station out of descriptors (EMFILE, ENFILE) must say
 * so in those words, never as "not found" or "i/o error": the port is still there,
 * only the station could not open it. */
#ifndef FOTA_STATION_FD_BUDGET_H
#define FOTA_STATION_FD_BUDGET_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors one module may hold at once: while its AT port is chosen, every tty
 * interface of the module is open (the largest Quectel USB layout the profiles know
 * shows 6: interfaces 0 to 5); once chosen, its AT port and its transcript. */
#define FOTA_FD_PER_MODULE 6
/* Kept free beyond what is open at start (the results database with its WAL and
 * shared memory, the central database, the terminal, libuv's own): sysfs and /proc
 * reads, a transcript being renamed, SQLite's temporary files, inotify. */
#define FOTA_FD_RESERVE 8

typedef struct {
    uint64_t limit;   /* soft RLIMIT_NOFILE in force (UINT64_MAX: unlimited) */
    unsigned in_use;  /* open descriptors of this process */
    unsigned modules; /* modules that fit: (limit - in_use - reserve) / per module */
} fota_fd_budget_t;

/* Open descriptors of this process: /proc/self/fd, or when that cannot be opened (no
 * descriptor left to open it with) every number below the limit asked with fcntl. */
unsigned fota_fd_in_use(void);
uint64_t fota_fd_limit(void);
void fota_fd_budget_now(fota_fd_budget_t *b);
/* "too many open files: limit 1024, 1021 in use; raise LimitNOFILE" */
const char *fota_fd_words(char *buf, size_t cap);

#endif
