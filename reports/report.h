/* `fota-station report` (docs/database.md, "Reports"): pass/fail reports from the results database.
 * The station's CLI dispatches `fota-station report …` here with argv[0] =
 * "report". Exit codes: 0 ok, 2 usage, 3 database unreadable (or output file
 * unwritable). */
#ifndef FOTA_REPORT_H
#define FOTA_REPORT_H

int fota_report_main(int argc, char **argv);

#endif
