#include "scenario.h"

#include "cpo/profile.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cpo_scenario_defaults(cpo_run_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->config.lanes = 8;
  o->config.symbols_per_cycle = 16; /* 16 PAM4 symbols = the lane RTL's 32-bit word */
  o->config.bits_per_symbol = 2;
  o->config.baud_hz = 106250000000ull; /* 106.25 GBd: 200G per lane PAM4 */
  o->config.latency_cycles = 3264; /* lookahead L: the optical path, 491.6 ns (ARCHITECTURE 2) */
  o->config.quantum_cycles = 816;  /* Q = L/4: four quanta in flight */
  o->config.seed = 1;
  o->config.total_cycles = 2000000;
  snprintf(o->config.profile, sizeof o->config.profile, "%s", cpo_profile_default_name());
  o->timeout_ms = 5000;
  o->noise_sigma = 0.1; /* loopback profile: Q = 0.5/0.1 = 5, BER 2.9e-7 */
  o->with_host = true;
  o->ready_fd = -1;
  o->expect_max_ber = -1;
  o->expect_min_locked = -1;
}

/* True if @p name is "loopback" or a built-in engine profile. */
static bool s_known_profile(const char *name) {
  if (strcmp(name, "loopback") == 0)
    return true;
  for (uint32_t i = 0; i < cpo_profile_count(); i++)
    if (strcmp(name, cpo_profile_name(i)) == 0)
      return true;
  return false;
}

bool cpo_scenario_set_profile(cpo_run_opts_t *o, const char *name) {
  if (strlen(name) >= sizeof o->config.profile || !s_known_profile(name))
    return false;
  snprintf(o->config.profile, sizeof o->config.profile, "%s", name);
  return true;
}

/* Set @p flag from @p name: false for @p no, true for @p yes; false if it is neither. */
static bool s_set_choice(bool *flag, const char *name, const char *no, const char *yes) {
  if (strcmp(name, no) != 0 && strcmp(name, yes) != 0)
    return false;
  *flag = strcmp(name, yes) == 0;
  return true;
}

bool cpo_scenario_set_fidelity(cpo_run_opts_t *o, const char *name) {
  return s_set_choice(&o->fidelity_bit_true, name, "statistical", "bit-true");
}

const char *cpo_scenario_fidelity(const cpo_run_opts_t *o) {
  return o->fidelity_bit_true || strcmp(o->config.profile, "loopback") == 0 ? "bit-true" : "statistical";
}

bool cpo_scenario_set_start(cpo_run_opts_t *o, const char *name) {
  return s_set_choice(&o->power_on_start, name, "calibrated", "power-on");
}

const char *cpo_scenario_start(const cpo_run_opts_t *o) {
  return o->power_on_start ? "power-on" : "calibrated";
}

bool cpo_scenario_set_topology(cpo_run_opts_t *o, const char *name) {
  return s_set_choice(&o->two_engines, name, "loopback", "two-engines");
}

const char *cpo_scenario_topology(const cpo_run_opts_t *o) {
  return o->two_engines ? "two-engines" : "loopback";
}

void cpo_scenario_profiles(char *out, size_t len) {
  size_t n = (size_t)snprintf(out, len, "loopback");
  for (uint32_t i = 0; i < cpo_profile_count() && n < len; i++)
    n += (size_t)snprintf(out + n, len - n, ", %s", cpo_profile_name(i));
}

typedef struct {
  cpo_run_opts_t *o;
  char why[300];
} load_t;

bool cpo_parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 0);
  if (errno || end == v || *end != '\0' || v[0] == '-' || x < min || x > max)
    return false;
  *out = x;
  return true;
}

static bool s_uint(const char *v, uint64_t max, uint64_t *out) {
  return cpo_parse_u64(v, 0, max, out);
}

bool cpo_parse_real(const char *v, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end != '\0' || !isfinite(x))
    return false;
  *out = x;
  return true;
}

#define KEY(sec, k) (strcmp(section, sec) == 0 && strcmp(name, k) == 0)

static int s_handler(void *user, const char *section, const char *name, const char *value) {
  load_t *l = user;
  cpo_run_opts_t *o = l->o;
  uint64_t u = 0;
  double d = 0;
  bool ok = true, known = true;
  if (KEY("run", "cycles"))
    ok = s_uint(value, UINT64_MAX, &u) && u > 0 && ((o->config.total_cycles = u), true);
  else if (KEY("run", "seed"))
    ok = s_uint(value, UINT64_MAX, &u) && ((o->config.seed = u), true);
  else if (KEY("link", "lanes"))
    ok = s_uint(value, CPO_PROTO_MAX_LANES, &u) && u > 0 && ((o->config.lanes = (uint16_t)u), true);
  else if (KEY("link", "symbols_per_cycle"))
    ok = s_uint(value, 64, &u) && u > 0 && ((o->config.symbols_per_cycle = (uint16_t)u), true);
  else if (KEY("link", "bits_per_symbol"))
    ok = s_uint(value, 2, &u) && u > 0 && ((o->config.bits_per_symbol = (uint8_t)u), true);
  else if (KEY("link", "baud_hz"))
    ok = cpo_parse_real(value, &d) && d >= 1 && ((o->config.baud_hz = (uint64_t)d), true);
  else if (KEY("link", "latency_cycles"))
    ok = s_uint(value, 1u << 20, &u) && u > 0 && ((o->config.latency_cycles = (uint32_t)u), true);
  else if (KEY("link", "quantum_cycles"))
    ok = s_uint(value, 1u << 20, &u) && u > 0 && ((o->config.quantum_cycles = (uint32_t)u), true);
  else if (KEY("model", "profile"))
    ok = cpo_scenario_set_profile(o, value);
  else if (KEY("model", "fidelity"))
    ok = cpo_scenario_set_fidelity(o, value);
  else if (KEY("model", "start"))
    ok = cpo_scenario_set_start(o, value);
  else if (KEY("model", "topology"))
    ok = cpo_scenario_set_topology(o, value);
  else if (KEY("model", "els_ambient_k")) /* the ELS's faceplate ambient, apart from the engine */
    ok = cpo_parse_real(value, &d) && d > 0 && ((o->els_ambient_k = d), true);
  else if (KEY("model", "noise_sigma"))
    ok = cpo_parse_real(value, &d) && d >= 0 && d < 10 && ((o->noise_sigma = d), true);
  else if (KEY("bridge", "timeout_ms"))
    ok = s_uint(value, 3600000, &u) && u >= 10 && ((o->timeout_ms = (uint32_t)u), true);
  else if (KEY("host", "enabled"))
    ok = (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) &&
         ((o->with_host = strcmp(value, "true") == 0), true);
  else if (KEY("expect", "max_ber"))
    ok = cpo_parse_real(value, &d) && d >= 0 && ((o->expect_max_ber = d), true);
  else if (KEY("expect", "min_locked_lanes"))
    ok = s_uint(value, CPO_PROTO_MAX_LANES, &u) && ((o->expect_min_locked = (int)u), true);
  else
    known = false;
  if (!known)
    snprintf(l->why, sizeof l->why, "unknown key '%s' in section [%s]", name, section);
  else if (!ok && strcmp(name, "profile") == 0) {
    char profiles[200];
    cpo_scenario_profiles(profiles, sizeof profiles);
    snprintf(l->why, sizeof l->why, "[model] profile = '%s' is not one of: %s", value, profiles);
  } else if (!ok)
    snprintf(l->why, sizeof l->why, "[%s] %s = '%s' is not a valid value", section, name, value);
  return known && ok;
}

cpo_status_t cpo_scenario_load(const char *path, cpo_run_opts_t *o, char *why, size_t why_len) {
  load_t l = {.o = o};
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, why_len, "cannot open scenario %s: %s", path, strerror(errno));
    return CPO_ERR_IO;
  }
  int line = ini_parse_file(f, s_handler, &l);
  fclose(f);
  if (line != 0) {
    snprintf(why, why_len, "%s:%d: %s", path, line, l.why[0] ? l.why : "syntax error");
    return CPO_ERR_PARSE;
  }
  snprintf(o->scenario, sizeof o->scenario, "%s", path);
  return CPO_OK;
}
