#include "scenario.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cpo_scenario_defaults(cpo_run_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->config.lanes = 8;
  o->config.symbols_per_cycle = 32;
  o->config.bits_per_symbol = 1;
  o->config.latency_cycles = 4096; /* lookahead: see bench/cosim for the sweep behind it */
  o->config.quantum_cycles = 1024; /* L/4: four quanta in flight */
  o->config.seed = 1;
  o->config.total_cycles = 2000000;
  o->config.baud_hz = 53125000000ull; /* 53.125 GBd: the 106.25 Gb/s PAM4 lane's symbol rate */
  snprintf(o->config.profile, sizeof o->config.profile, "loopback");
  o->timeout_ms = 5000;
  o->noise_sigma = 0.1; /* Q = 0.5/0.1 = 5: BER 2.9e-7, a few errors per lane per run */
  o->with_host = true;
  o->ready_fd = -1;
  o->expect_max_ber = -1;
  o->expect_min_locked = -1;
}

typedef struct {
  cpo_run_opts_t *o;
  char why[300];
} load_t;

static bool s_uint(const char *v, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 0);
  if (errno || end == v || *end != '\0' || v[0] == '-' || x > max)
    return false;
  *out = x;
  return true;
}

static bool s_real(const char *v, double *out) {
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
    ok = s_real(value, &d) && d >= 1 && ((o->config.baud_hz = (uint64_t)d), true);
  else if (KEY("link", "latency_cycles"))
    ok = s_uint(value, 1u << 20, &u) && u > 0 && ((o->config.latency_cycles = (uint32_t)u), true);
  else if (KEY("link", "quantum_cycles"))
    ok = s_uint(value, 1u << 20, &u) && u > 0 && ((o->config.quantum_cycles = (uint32_t)u), true);
  else if (KEY("model", "profile"))
    ok = strlen(value) < sizeof o->config.profile && strcmp(value, "loopback") == 0 &&
         (snprintf(o->config.profile, sizeof o->config.profile, "%s", value), true);
  else if (KEY("model", "noise_sigma"))
    ok = s_real(value, &d) && d >= 0 && d < 10 && ((o->noise_sigma = d), true);
  else if (KEY("bridge", "timeout_ms"))
    ok = s_uint(value, 3600000, &u) && u >= 10 && ((o->timeout_ms = (uint32_t)u), true);
  else if (KEY("host", "enabled"))
    ok = (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) &&
         ((o->with_host = strcmp(value, "true") == 0), true);
  else if (KEY("expect", "max_ber"))
    ok = s_real(value, &d) && d >= 0 && ((o->expect_max_ber = d), true);
  else if (KEY("expect", "min_locked_lanes"))
    ok = s_uint(value, CPO_PROTO_MAX_LANES, &u) && ((o->expect_min_locked = (int)u), true);
  else
    known = false;
  if (!known)
    snprintf(l->why, sizeof l->why, "unknown key '%s' in section [%s]", name, section);
  else if (!ok)
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
