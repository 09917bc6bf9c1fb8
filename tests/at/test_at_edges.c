/* Table-driven edge cases of the AT layer, each a small transcript run whole, byte
 * by byte and cut at every byte (the script format is described in at_script.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "at_script.h"
#include "at_test_profile.h"

typedef struct {
    const char *name;
    const char *script;
} edge_t;

static const edge_t edges[] = {
    { "echo off: replies without an echo are the command's",
      "> ATI\n< Quectel\n< RG500Q\n< Revision: RG500QEAAAR11A06M4G\n< OK\n"
      "= info Quectel\n= info RG500Q\n= info Revision: RG500QEAAAR11A06M4G\n"
      "= response OK lines=3\n" },
    { "echo on: echo is not an info line; any case, trailing blanks",
      "> at+gsn\ne AT+GSN  \n< 864636040000019\n< OK\n"
      "= echo AT+GSN  \n= info 864636040000019\n= response OK lines=1\n" },
    { "URC between a command and its OK is delivered apart",
      "> AT+QGMR\ne AT+QGMR\n< RG500QEAAAR11A06M4G_01.001.01.001\n"
      "< +QIND: \"FOTA\",\"UPDATING\",57%\n< OK\n"
      "= echo AT+QGMR\n= info RG500QEAAAR11A06M4G_01.001.01.001\n"
      "= urc updating value=57 name=UPDATING\n= response OK lines=1\n" },
    { "boot URC and a legacy text line during a command",
      "> ATI\n< RDY\n< Quectel\n<  Update  percent = 7%\n< OK\n"
      "= urc boot name=RDY\n= info Quectel\n"
      "= urc updating value=7 name=Update  percent = 7%\n= response OK lines=1\n" },
    { "+CME ERROR numeric and text, +CMS ERROR",
      "> AT+QFLST=\"*\"\n< +CME ERROR: 3\n"
      "> AT+CPIN?\n< +CME ERROR: SIM not inserted\n"
      "> AT+CMGS=1\n< +CMS ERROR: 500\n"
      "= response CME_ERROR code=3 lines=0\n= response CME_ERROR lines=0\n"
      "= response CMS_ERROR code=500 lines=0\n" },
    { "NO CARRIER is final",
      "> ATD123;\n< NO CARRIER\n= response NO_CARRIER lines=0\n" },
    { "AT+QFUPL: CONNECT, ack bytes in ack mode, then wait() for +QFUPL and OK",
      "> AT+QFUPL=\"a.zip\",3000,5,1\ne AT+QFUPL=\"a.zip\",3000,5,1\n< CONNECT\n"
      "= echo AT+QFUPL=\"a.zip\",3000,5,1\n= response CONNECT lines=0\n"
      ">ack on\n>raw BLOCK1\n<< A\n>raw BLOCK2\n<< A\n>raw BLOCK3\n<< A\n"
      "= ack\n= ack\n= ack\n"
      ">w +QFUPL:\n< +QFUPL: 3000,4f64\n< OK\n>ack off\n"
      "= info +QFUPL: 3000,4f64\n= response OK lines=1\n" },
    { "ack mode: an 'A' inside a line is text, a lone one after CR LF is an ack",
      ">ack on\n> AT+X\n<< \\r\\nAB\\r\\n\\r\\nXA\\r\\nA\\r\\n\n< OK\n"
      "= ack\n= info B\n= info XA\n= ack\n= response OK lines=2\n" },
    { "CONNECT with nothing in flight, stray OK with nothing in flight: noise",
      "< CONNECT\n< OK\n= noise CONNECT\n= noise OK\n" },
    { "timeout, then the late OK is noise",
      ">timeout 300\n> AT+QFOTADL=?\n>t 299\n>t 1\n< OK\n"
      "= response TIMEOUT lines=0\n= noise OK\n" },
    { "echo known on: a late reply before the next command's echo is noise",
      "> AT\ne AT\n< OK\n= echo AT\n= response OK lines=0\n"
      "> AT+QFLDS=\"UFS\"\ne AT+QFLDS=\"UFS\"\n>t 5000\n= echo AT+QFLDS=\"UFS\"\n"
      "= response TIMEOUT lines=0\n"
      "> AT\n< +QFLDS: 1000,2000\n< OK\ne AT\n< OK\n"
      "= noise +QFLDS: 1000,2000\n= noise OK\n= echo AT\n= response OK lines=0\n" },
    { "ATE0: after its OK, replies are taken without an echo",
      "> AT\ne AT\n< OK\n> ATE0\ne ATE0\n< OK\n> AT+GSN\n< 864636040000019\n< OK\n"
      "= echo AT\n= response OK lines=0\n= echo ATE0\n= response OK lines=0\n"
      "= info 864636040000019\n= response OK lines=1\n" },
    { "expected prefix: other lines are URCs or noise",
      ">x +QFLDS: AT+QFLDS=\"UFS\"\n< garbage\n< +QIND: \"FOTA\",\"START\"\n"
      "< +QFLDS: 1000,2000\n< OK\n"
      "= noise garbage\n= urc start name=START\n= info +QFLDS: 1000,2000\n"
      "= response OK lines=1\n" },
    { "expected prefix wins over an always-URC prefix",
      ">x +QIND: AT+QIND?\n< +QIND: \"FOTA\",\"END\",0\n< OK\n"
      "= info +QIND: \"FOTA\",\"END\",0\n= response OK lines=1\n" },
    { "GSM FOTA note: AT+QFUA answers OK, then CONNECT on its own line",
      "> AT+QFUA\n< OK\n>w\n< CONNECT\n= response OK lines=0\n= response CONNECT lines=0\n" },
    { "one command in flight",
      "> AT\n> AT+GSN\n< OK\n= send-failed -7\n= response OK lines=0\n" },
    { "NUL bytes are dropped, non-ASCII kept",
      "> AT\n<< \\r\\nO\\x00K\\x00\\r\\n\n"
      "<< \\r\\n\\xff\\xfe\\x80noise\\r\\n\n"
      "= response OK lines=0\n= noise \\xff\\xfe\\x80noise\n" },
    { "lone CR and lone LF end lines; empty lines are nothing",
      "> AT+A\n<< \\rX\\rOK\\r\n> AT+B\n<< \\nY\\n\\n\\nOK\\n\\n\n"
      "= info X\n= response OK lines=1\n= info Y\n= response OK lines=1\n" },
    { "reset drops the command and a partial line",
      "> AT+A\n<< \\r\\nPART\n>reset\n<< IAL\\r\\nOK\\r\\n\n"
      "= noise IAL\n= noise OK\n" },
    { "cancel: no response, late replies are noise",
      "> AT+A\n>cancel\n< OK\n= noise OK\n" },
    { "URC spellings: blanks, case, percent, HTTPS, DOWNLOADING, RESTORE, resume",
      "< +QIND: \"FOTA\", \"HTTPSSTART\"\n< +qind: \"fota\",\"downloading\",57%\n"
      "< +QIND: \"FOTA\",\"HTTPSEND\",0\n< +QIND: \"FOTA\",\"RESTORE\",1%\n"
      "< +QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"\n"
      "< +QIND: \"FOTA\",\"HTTPEnd\" , 0\n< +QIND: \"FOTA\",\"NEWPHASE\",3\n"
      "= urc dl_start name=HTTPSSTART\n= urc dl_progress value=57 name=downloading\n"
      "= urc dl_end value=0 table=http name=HTTPSEND\n= urc restore value=1 name=RESTORE\n"
      "= urc resume name=Last upgrade was not finished,c\n"
      "= urc dl_end value=0 table=http name=HTTPEnd\n"
      "= urc ? +QIND: \"FOTA\",\"NEWPHASE\",3\n" },
};

static void run_edges(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        char err[256];
        at_script_t *s = at_script_parse(edges[i].script, err, sizeof(err));
        if (!s) {
            print_error("%s: %s\n", edges[i].name, err);
            failed++;
            continue;
        }
        char *msg = at_script_check(s, at_test_profile());
        if (msg) {
            print_error("%s: %s\n", edges[i].name, msg);
            free(msg);
            failed++;
        }
        at_script_free(s);
    }
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
