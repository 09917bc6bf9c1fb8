/* The JSON report's first-page sections (report_json_first.c); each writes its
 * own key and value. Internal to reports/. */
#ifndef FOTA_REPORT_JSON_H
#define FOTA_REPORT_JSON_H

#include "report_model.h"

void fota_report_json_batches(FILE *f, const fota_report_t *r);
void fota_report_json_trend(FILE *f, const fota_report_t *r);
void fota_report_json_runfolds(FILE *f, const fota_report_t *r);
void fota_report_json_grid(FILE *f, const fota_report_t *r);
void fota_report_json_known(FILE *f, const fota_report_t *r);
void fota_report_json_attempts(FILE *f, const fota_report_t *r);

#endif
