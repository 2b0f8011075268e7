#include "scenario.h"

#include "cpo/profile.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* testbenches/scenarios/default.ini, compiled in (default_ini.c is generated from it). */
extern const char cpo_default_ini[];

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

bool cpo_parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out) {
  /* Decimal, or hex with 0x; never octal: a seed of 010 is ten, as a person reads it. */
  bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  if (!(hex ? isxdigit((unsigned char)v[2]) : isdigit((unsigned char)v[0])))
    return false;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(hex ? v + 2 : v, &end, hex ? 16 : 10);
  if (errno || *end != '\0' || x < min || x > max)
    return false;
  *out = x;
  return true;
}

bool cpo_parse_real(const char *v, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end != '\0' || !isfinite(x) || isspace((unsigned char)v[0]))
    return false;
  *out = x;
  return true;
}

/* ---- the keys: one table for scenario files and the options that override them ---- */

typedef bool (*setter_t)(cpo_run_opts_t *o, const char *value);

/* A setter of a whole-number field: parse within [min, max], then assign. */
#define SET_U64(o, v, min, max, field, type)                                                       \
  do {                                                                                             \
    uint64_t u_;                                                                                   \
    if (!cpo_parse_u64(v, min, max, &u_))                                                          \
      return false;                                                                                \
    (o)->field = (type)u_;                                                                         \
    return true;                                                                                   \
  } while (0)

static bool s_cycles(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 1, CPO_SCENARIO_MAX_CYCLES, config.total_cycles, uint64_t);
}
static bool s_seed(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 0, UINT64_MAX, config.seed, uint64_t);
}
static bool s_lanes(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 1, CPO_PROTO_MAX_LANES, config.lanes, uint16_t);
}
static bool s_symbols(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 1, 64, config.symbols_per_cycle, uint16_t);
}
static bool s_bits(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 1, 2, config.bits_per_symbol, uint8_t);
}
static bool s_baud(cpo_run_opts_t *o, const char *v) {
  double d; /* written either way: 106250000000 or 106.25e9, but a whole number */
  if (!cpo_parse_real(v, &d) || !(d >= 1 && d <= CPO_SCENARIO_MAX_BAUD_HZ) || d != floor(d))
    return false;
  o->config.baud_hz = (uint64_t)d;
  return true;
}
static bool s_latency(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 1, 1u << 20, config.latency_cycles, uint32_t);
}
static bool s_quantum(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 1, 1u << 20, config.quantum_cycles, uint32_t);
}
static bool s_noise(cpo_run_opts_t *o, const char *v) {
  double d;
  return cpo_parse_real(v, &d) && d >= 0 && d < 10 && ((o->noise_sigma = d), true);
}
/* The external laser's faceplate ambient, apart from the engine's case: "profile" keeps the
 * profile's (0 in cpo_run_opts_t). The range is the one the laser model accepts. */
static bool s_els_ambient(cpo_run_opts_t *o, const char *v) {
  double d;
  if (strcmp(v, "profile") == 0) {
    o->els_ambient_k = 0;
    return true;
  }
  return cpo_parse_real(v, &d) && d >= 200 && d <= 450 && ((o->els_ambient_k = d), true);
}
static bool s_timeout(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 10, 3600000, timeout_ms, uint32_t);
}
static bool s_host(cpo_run_opts_t *o, const char *v) {
  return s_set_choice(&o->with_host, v, "false", "true");
}
static bool s_max_ber(cpo_run_opts_t *o, const char *v) {
  double d;
  return cpo_parse_real(v, &d) && d >= 0 && d <= 1 && ((o->expect_max_ber = d), true);
}
static bool s_min_locked(cpo_run_opts_t *o, const char *v) {
  if (strcmp(v, "all") == 0) {
    o->expect_min_locked = CPO_EXPECT_ALL_LANES;
    return true;
  }
  SET_U64(o, v, 0, CPO_PROTO_MAX_LANES, expect_min_locked, int);
}
static bool s_min_bits(cpo_run_opts_t *o, const char *v) {
  SET_U64(o, v, 0, UINT64_MAX, expect_min_bits, uint64_t);
}

typedef struct {
  const char *section, *name;
  setter_t set;
  const char *expected; /* what a valid value looks like, for the error */
} scenario_key_t;

#define MAX_CYCLES_TEXT "9223372036854775807"
static const scenario_key_t s_keys[] = {
    {"run", "cycles", s_cycles, "a whole number from 1 to " MAX_CYCLES_TEXT},
    {"run", "seed", s_seed, "a whole number (decimal, or hex with 0x) from 0 to 2^64-1"},
    {"link", "lanes", s_lanes, "a whole number from 1 to 64"},
    {"link", "symbols_per_cycle", s_symbols, "a whole number from 1 to 64"},
    {"link", "bits_per_symbol", s_bits, "1 (NRZ) or 2 (PAM4)"},
    {"link", "baud_hz", s_baud, "a whole number of symbols per second from 1 to 1e15"},
    {"link", "latency_cycles", s_latency, "a whole number from 1 to 1048576"},
    {"link", "quantum_cycles", s_quantum, "a whole number from 1 to 1048576"},
    {"model", "profile", cpo_scenario_set_profile, NULL /* the list of profiles */},
    {"model", "fidelity", cpo_scenario_set_fidelity, "statistical or bit-true"},
    {"model", "start", cpo_scenario_set_start, "calibrated or power-on"},
    {"model", "topology", cpo_scenario_set_topology, "loopback or two-engines"},
    {"model", "noise_sigma", s_noise, "a number from 0 to 10 (eye units)"},
    {"model", "els_ambient_k", s_els_ambient, "profile, or a temperature from 200 to 450 K"},
    {"bridge", "timeout_ms", s_timeout, "a whole number of milliseconds from 10 to 3600000"},
    {"host", "enabled", s_host, "true or false"},
    {"expect", "max_ber", s_max_ber, "a number from 0 to 1"},
    {"expect", "min_locked_lanes", s_min_locked, "all, or a whole number from 0 to 64"},
    {"expect", "min_bits", s_min_bits, "a whole number from 0 to 2^64-1"},
};
#define N_KEYS (sizeof s_keys / sizeof s_keys[0])

static const scenario_key_t *s_find(const char *section, const char *name) {
  for (size_t k = 0; k < N_KEYS; k++)
    if (strcmp(s_keys[k].section, section) == 0 && strcmp(s_keys[k].name, name) == 0)
      return &s_keys[k];
  return NULL;
}

/* The error for a value @p key refused. */
static void s_refused(const scenario_key_t *key, const char *value, char *why, size_t why_len) {
  char profiles[200];
  const char *expected = key->expected;
  if (!expected) {
    cpo_scenario_profiles(profiles, sizeof profiles);
    expected = profiles;
  }
  snprintf(why, why_len, "'%s': expected %s", value, expected);
}

bool cpo_scenario_set(cpo_run_opts_t *o, const char *section, const char *name, const char *value,
                      char *why, size_t why_len) {
  const scenario_key_t *key = s_find(section, name);
  assert(key); /* the options name keys of the table */
  if (key->set(o, value))
    return true;
  s_refused(key, value, why, why_len);
  return false;
}

/* ---- reading a file ---------------------------------------------------------------- */

typedef struct {
  cpo_run_opts_t *o;
  /* the reader's side: the text, where it is, which line it gave inih last */
  const char *text, *at, *end;
  int line;
  /* the first error (later ones are consequences or can wait) */
  int err_line;
  char why[400];
  /* which keys were given, and on which line */
  int given[N_KEYS];
  int n_given;
} load_t;

static void s_error(load_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_error(load_t *l, const char *fmt, ...) {
  if (l->err_line)
    return;
  l->err_line = l->line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->why, sizeof l->why, fmt, ap);
  va_end(ap);
}

/* inih's reader: one line per call, so inih's line numbers are ours. Lines inih would
 * misread are refused here, by name: a line longer than its buffer (inih splits it and
 * counts the rest as more lines), a NUL byte (inih stops the line there), an indented line
 * (inih appends it to the previous value). Comments and blank lines go to inih empty. */
static char *s_read_line(char *str, int num, void *stream) {
  load_t *l = stream;
  if (l->at >= l->end)
    return NULL;
  const char *nl = memchr(l->at, '\n', (size_t)(l->end - l->at));
  const char *line = l->at, *stop = nl ? nl : l->end;
  l->at = nl ? nl + 1 : l->end;
  l->line++;
  size_t len = (size_t)(stop - line);
  if (len && line[len - 1] == '\r')
    len--;
  size_t lead = 0;
  while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
    lead++;
  const char *poison = "=\n"; /* a line inih hands to the handler, which then refuses it */
  if (memchr(line, '\0', len)) {
    s_error(l, "a NUL byte: this is not a text file");
    return strcpy(str, poison);
  }
  if (lead == len || line[lead] == ';' || line[lead] == '#')
    return strcpy(str, "\n");
  if (lead > 0) {
    s_error(l, "an indented line: INI reads it as more of the previous line's value, which a "
               "scenario may not do; remove the indentation");
    return strcpy(str, poison);
  }
  if (len + 2 > (size_t)num) {
    s_error(l, "a line longer than %d characters (comment lines may be longer)", num - 2);
    return strcpy(str, poison);
  }
  memcpy(str, line, len);
  str[len] = '\n';
  str[len + 1] = '\0';
  return str;
}

static int s_handler(void *user, const char *section, const char *name, const char *value) {
  load_t *l = user;
  if (l->err_line)
    return 0;
  if (!section[0]) {
    s_error(l, "'%s' is outside a section (a [run], [link], ... line comes first)", name);
    return 0;
  }
  const scenario_key_t *key = s_find(section, name);
  if (!key) {
    s_error(l, "unknown key '%s' in section [%s]", name, section);
    return 0;
  }
  size_t k = (size_t)(key - s_keys);
  if (l->given[k]) {
    s_error(l, "[%s] %s given twice: here and on line %d", section, name, l->given[k]);
    return 0;
  }
  l->given[k] = l->line;
  l->n_given++;
  if (!key->set(l->o, value)) {
    char refused[300];
    s_refused(key, value, refused, sizeof refused);
    s_error(l, "[%s] %s = %s", section, name, refused);
    return 0;
  }
  return 1;
}

/* Parse @p text (@p len bytes) over @p o; @p path names it in errors. */
static cpo_status_t s_load_text(const char *text, size_t len, const char *path, cpo_run_opts_t *o,
                                load_t *l, char *why, size_t why_len) {
  memset(l, 0, sizeof *l);
  l->o = o;
  l->text = l->at = text;
  l->end = text + len;
  int line = ini_parse_stream(s_read_line, l, s_handler, l);
  if (line < 0) {
    snprintf(why, why_len, "cannot read scenario %s", path);
    return CPO_ERR_IO;
  }
  if (line > 0) {
    /* inih's first error is ours if we saw one there; earlier, it is a syntax error of its own */
    if (l->err_line == line)
      snprintf(why, why_len, "%s:%d: %s", path, line, l->why);
    else
      snprintf(why, why_len, "%s:%d: expected '[section]' or 'key = value'", path, line);
    return CPO_ERR_PARSE;
  }
  if (l->n_given == 0) {
    snprintf(why, why_len, "%s: no settings in it: not a scenario", path);
    return CPO_ERR_PARSE;
  }
  return CPO_OK;
}

#define MAX_SCENARIO_BYTES (1u << 20)

cpo_status_t cpo_scenario_load(const char *path, cpo_run_opts_t *o, char *why, size_t why_len) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, why_len, "cannot open scenario %s: %s", path, strerror(errno));
    return CPO_ERR_IO;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SCENARIO_BYTES) {
    snprintf(why, why_len, "scenario %s: %s", path,
             S_ISDIR(st.st_mode)    ? "is a directory, not a file"
             : !S_ISREG(st.st_mode) ? "is not a regular file"
                                    : "is over 1 MiB: not a scenario");
    fclose(f);
    return CPO_ERR_PARSE;
  }
  char *text = malloc((size_t)st.st_size + 1);
  size_t len = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
  bool bad = !text || ferror(f);
  fclose(f);
  if (bad) {
    snprintf(why, why_len, "cannot read scenario %s", path);
    free(text);
    return CPO_ERR_IO;
  }
  load_t *l = malloc(sizeof *l);
  cpo_status_t rc = l ? s_load_text(text, len, path, o, l, why, why_len) : CPO_ERR_NO_MEMORY;
  free(l);
  free(text);
  if (rc == CPO_OK)
    snprintf(o->scenario, sizeof o->scenario, "%s", path);
  return rc;
}

void cpo_scenario_defaults(cpo_run_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->ready_fd = -1;
  load_t l;
  char why[500];
  cpo_status_t rc =
      s_load_text(cpo_default_ini, strlen(cpo_default_ini), "default.ini", o, &l, why, sizeof why);
  if (rc != CPO_OK) /* a build from a broken default.ini: tests/cosim says so first */
    fprintf(stderr, "cpoemu: the built-in %s\n", why);
  assert(rc == CPO_OK);
  for (size_t k = 0; k < N_KEYS; k++) {
    if (!l.given[k])
      fprintf(stderr, "cpoemu: the built-in default.ini does not set [%s] %s\n", s_keys[k].section,
              s_keys[k].name);
    assert(l.given[k]); /* every key has its default there, and only there */
  }
}
