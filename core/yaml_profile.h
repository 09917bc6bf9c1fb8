/* Section readers shared by the profile loader's files (profile_load*.c).
 * Each reads one part of a profile YAML into p and reports errors through y. */
#ifndef FOTA_YAML_PROFILE_H
#define FOTA_YAML_PROFILE_H

#include "yaml_doc.h"

int fota_profile_read_methods(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p);
int fota_profile_read_errors(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p);
int fota_profile_read_phase_names(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p);
int fota_profile_read_text_patterns(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p);
int fota_profile_read_actions(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p);
/* "520" or "520-530" (inclusive), 0..99999; `what` names the key in messages. */
int fota_yaml_code_range(fota_yaml_t *y, yaml_node_t *n, const char *what, int *lo, int *hi);

/* Enum values by name, with the accepted names listed in the error message. */
int fota_yaml_phase(fota_yaml_t *y, yaml_node_t *n, const char *what, fota_phase_t *out);
int fota_yaml_table(fota_yaml_t *y, yaml_node_t *n, const char *what, fota_table_id_t *out);

#endif
