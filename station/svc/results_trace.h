/* A benchmark's instrument, off unless FOTA_RESULTS_TRACE names a file: one line per
 * final result, and per transcript line that ends an update (`+QIND: "FOTA","END",…`,
 * "firmware update success/failed"), saying when it was queued, when its transaction
 * committed and when the loop learnt that (CLOCK_REALTIME ns, comparable with
 * fota-sim's FOTA_SIM_TRACE). bench/loop_latency.py reads it. */
#ifndef FOTA_STATION_RESULTS_TRACE_H
#define FOTA_STATION_RESULTS_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The open trace file, or NULL: results.c asks once and then only tests the pointer. */
FILE *fota_results_trace_open(void);
uint64_t fota_results_trace_now_ns(void);
/* Is this transcript line the end of an update (worth a trace line)? */
bool fota_results_trace_is_end(const char *text);
/* "flight <ops> <results> <apply_ns> <commit_ns>": one flush's size and where its
 * time went (the statements, then COMMIT with its fsyncs). */
void fota_results_trace_flight(FILE *f, size_t ops, size_t results, uint64_t apply_ns,
                               uint64_t commit_ns);
/* "<what> <handle> <imei> <queued_ns> <commit_ns> <delivered_ns>" */
void fota_results_trace_line(FILE *f, const char *what, const void *handle, const char *imei,
                             uint64_t queued_ns, uint64_t commit_ns);

#endif
