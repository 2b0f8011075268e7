#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/ini.h"

/* ---- reading a file ---------------------------------------------------------------- */

typedef struct {
  cpo_run_opts_t *o;
  const char *path; /* the scenario file: a relative script path is beside it */
  /* which keys were given, and on which line */
  int given[CPO_PARAMS_N];
  int n_given;
} load_t;

static bool s_key(void *user, int line, const char *section, const char *name, const char *value,
                  char *why, size_t why_len) {
  load_t *l = user;
  if (strncmp(section, "event.", 6) == 0) { /* the timeline's (timeline.h) */
    l->n_given++;
    return cpo_timeline_key(&l->o->timeline, line, section, name, value, why, why_len);
  }
  const cpo_param_t *key = cpo_params_find(section, name);
  if (!key) {
    snprintf(why, why_len, "unknown key '%s' in section [%s]", name, section);
    return false;
  }
  size_t k = cpo_params_index(key);
  if (l->given[k]) {
    snprintf(why, why_len, "[%s] %s given twice: here and on line %d", section, name, l->given[k]);
    return false;
  }
  l->given[k] = line;
  l->n_given++;
  /* A script named by a relative path is the scenario's own, beside it: the file runs the same
   * from any working directory (a regression's). Only a path is moved there (what the
   * parameter takes for one: a '/' in it, or a .py name); anything else is refused as before. */
  char beside[CPO_PROFILE_PATH_MAX];
  const char *slash = strrchr(l->path, '/');
  if (key->kind == CPO_PARAM_SCRIPT && cpo_params_is_script_path(value) && value[0] != '/' &&
      slash) {
    int n = snprintf(beside, sizeof beside, "%.*s/%s", (int)(slash - l->path), l->path, value);
    if (n < 0 || (size_t)n >= sizeof beside) {
      snprintf(why, why_len, "[%s] %s = %s: the path beside the scenario is too long", section,
               name, value);
      return false;
    }
    value = beside;
  }
  char refused[300];
  if (!cpo_params_set(l->o, key, value, refused, sizeof refused)) {
    snprintf(why, why_len, "[%s] %s = %s", section, name, refused);
    return false;
  }
  return true;
}

#define MAX_SCENARIO_BYTES (1u << 20)

cpo_status_t cpo_scenario_load(const char *path, cpo_run_opts_t *o, char *why, size_t why_len) {
  char *text;
  size_t len;
  CPO_TRY(cpo_ini_read_file(path, "scenario", MAX_SCENARIO_BYTES, &text, &len, why, why_len));
  load_t *l = calloc(1, sizeof *l);
  cpo_status_t rc = CPO_ERR_NO_MEMORY;
  if (l) {
    l->o = o;
    l->path = path;
    rc = cpo_ini_parse(text, len, path, s_key, l, why, why_len);
    if (rc == CPO_OK && l->n_given == 0) {
      snprintf(why, why_len, "%s: no settings in it: not a scenario", path);
      rc = CPO_ERR_PARSE;
    }
    if (rc == CPO_OK)
      rc = cpo_timeline_finish(&o->timeline, path, why, why_len);
  }
  free(l);
  free(text);
  if (rc == CPO_OK)
    snprintf(o->scenario, sizeof o->scenario, "%s", path);
  return rc;
}
