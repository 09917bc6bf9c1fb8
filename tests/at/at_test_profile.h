/* A hand-built profile with the Quectel notes' URC spellings and the GSM FOTA note's text lines, so
 * the AT layer is tested without the YAML loader (and the fuzz target can use it). */
#ifndef AT_TEST_PROFILE_H
#define AT_TEST_PROFILE_H

#include "profile.h"

const fota_profile_t *at_test_profile(void);

#endif
