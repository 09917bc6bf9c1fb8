/* The report's per-slot and per-hub yield tables (report_slots.c) and its
 * traceability header and rework details (report_trace.c). Internal to reports/. */
#ifndef FOTA_REPORT_SLOTS_H
#define FOTA_REPORT_SLOTS_H

#include "report_model.h"

/* Fills r->by_slot, r->by_hub, r->stations and r->operators; 0, or -1
 * (database error or out of memory). */
int fota_report_load_slots(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r);
/* Fills r->runs when the file has the table; 0 or -1. */
int fota_report_load_trace(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r);

/* Fills r->ports from port_service when the file has it (report_ports.c); 0 or -1. */
int fota_report_load_ports(sqlite3 *db, fota_report_t *r);
void fota_report_free_ports(fota_report_t *r);
/* The section in each format (nothing when no slot's state was ever changed). */
void fota_report_text_ports(FILE *f, const fota_report_t *r);
void fota_report_json_ports(FILE *f, const fota_report_t *r);
void fota_report_html_ports(FILE *f, const fota_report_t *r);

#endif
