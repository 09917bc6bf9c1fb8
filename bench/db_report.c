/* `fota-station report …` without the station: runs fota_report_main on its
 * arguments, for timing the report on the benchmark database. */
#include "report.h"

int main(int argc, char **argv)
{
    (void)argc;
    argv[0] = (char *)"report";
    return fota_report_main(argc, argv);
}
