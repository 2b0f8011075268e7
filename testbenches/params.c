#include "params.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/fibre.h"
#include "cpo/profile.h"
#include "trace_file.h"

const cpo_param_word_t cpo_param_fidelities[] = {
    {"statistical", CPO_FIDELITY_STATISTICAL}, {"bit-true", CPO_FIDELITY_BIT_TRUE}, {NULL, 0}};
const cpo_param_word_t cpo_param_starts[] = {
    {"calibrated", CPO_START_CALIBRATED}, {"power-on", CPO_START_POWER_ON}, {NULL, 0}};
const cpo_param_word_t cpo_param_topologies[] = {
    {"loopback", CPO_TOPOLOGY_LOOPBACK}, {"two-engines", CPO_TOPOLOGY_TWO_ENGINES}, {NULL, 0}};
const cpo_param_word_t cpo_param_bools[] = {{"true", 1}, {"false", 0}, {NULL, 0}};
/* 0 in cpo_run_opts_t: keep the profile's value */
const cpo_param_word_t cpo_param_profile_word[] = {{"profile", 0}, {NULL, 0}};
const cpo_param_word_t cpo_param_all_word[] = {{"all", CPO_EXPECT_ALL_LANES}, {NULL, 0}};
const cpo_param_word_t cpo_param_designs[] = {
    {"engine", CPO_DESIGN_ENGINE}, {"lanes", CPO_DESIGN_LANES}, {NULL, 0}};
const cpo_param_word_t cpo_param_harnesses[] = {
    {"cpp", CPO_HARNESS_CPP}, {"systemc", CPO_HARNESS_SYSTEMC}, {NULL, 0}};
/* 0 in cpo_run_opts_t: the design's media word over bits_per_symbol */
const cpo_param_word_t cpo_param_design_word[] = {{"design", 0}, {NULL, 0}};
/* 0: the profile's optical path latency in cycles; L/4 of it */
const cpo_param_word_t cpo_param_path_word[] = {{"path", 0}, {NULL, 0}};
const cpo_param_word_t cpo_param_quarter_word[] = {{"L/4", 0}, {NULL, 0}};
const cpo_param_word_t cpo_param_host_programs[] = {{"firmware", CPO_HOST_FIRMWARE},
                                                    {"cmis", CPO_HOST_CMIS},
                                                    {"none", CPO_HOST_NONE},
                                                    {"python", CPO_HOST_PYTHON},
                                                    {"cmis+firmware", CPO_HOST_CMIS_FW},
                                                    {NULL, 0}};
const cpo_param_word_t cpo_param_d2d_expect[] = {{"any", CPO_EXPECT_D2D_ANY},
                                                 {"active", CPO_EXPECT_D2D_ACTIVE},
                                                 {"down", CPO_EXPECT_D2D_DOWN},
                                                 {NULL, 0}};
const cpo_param_word_t cpo_param_none_word[] = {{"none", 0}, {NULL, 0}};
/* [expect] CMIS states: any (0), or the state's CMIS code (cpo/cmis_map.h) */
const cpo_param_word_t cpo_param_cmis_module_states[] = {
    {"any", 0}, {"lowpwr", 1}, {"pwrup", 2}, {"ready", 3}, {"pwrdn", 4}, {"fault", 5}, {NULL, 0}};
const cpo_param_word_t cpo_param_cmis_dp_states[] = {
    {"any", 0},      {"deactivated", 1}, {"init", 2},        {"deinit", 3}, {"activated", 4},
    {"txturnon", 5}, {"txturnoff", 6},   {"initialized", 7}, {NULL, 0}};

/* ---- the table, and each entry's access to its field -------------------------------- */

/* How a kind's value goes into and out of its field. */
#define S_STORE_UINT(f, v) ((f) = (v)->u) /* a word: its value, cast */
#define S_STORE_WHOLE(f, v) ((f) = (v)->u)
#define S_STORE_REAL(f, v) ((f) = (v)->d)
#define S_STORE_WORDS(f, v) ((f) = (v)->i)
#define S_STORE_BOOL(f, v) ((f) = (v)->i != 0)
#define S_STORE_PROFILE(f, v) snprintf((f), sizeof(f), "%s", (v)->s)
#define S_STORE_SCRIPT(f, v) snprintf((f), sizeof(f), "%s", (v)->word ? (v)->word : (v)->s)
#define S_STORE_WINDOW(f, v) snprintf((f), sizeof(f), "%s", (v)->s)
#define S_LOAD_UINT(f, v) ((v)->u = (uint64_t)(f), (v)->i = (int64_t)(f))
#define S_LOAD_WHOLE(f, v) ((v)->u = (uint64_t)(f))
#define S_LOAD_REAL(f, v) ((v)->d = (f))
#define S_LOAD_WORDS(f, v) ((v)->i = (int64_t)(f))
#define S_LOAD_BOOL(f, v) ((v)->i = (f) ? 1 : 0)
#define S_LOAD_PROFILE(f, v) ((v)->s = (f))
#define S_LOAD_SCRIPT(f, v) ((v)->s = (f))
#define S_LOAD_WINDOW(f, v) ((v)->s = (f))

#define CPO_PARAM(id, sec, key, opt, kind, field, min, max, words, def, json, help)                \
  static void s_store_##id(cpo_run_opts_t *o, const cpo_param_value_t *v) {                        \
    S_STORE_##kind(o->field, v);                                                                   \
  }                                                                                                \
  static void s_load_##id(const cpo_run_opts_t *o, cpo_param_value_t *v) {                         \
    S_LOAD_##kind(o->field, v);                                                                    \
  }
#include "params.def"
#undef CPO_PARAM

static const cpo_param_t s_params[] = {
#define CPO_PARAM(id, sec, key_, opt, kind_, field, min, max, words_, def, json_, help_)           \
  {.section = sec,                                                                                 \
   .key = key_,                                                                                    \
   .option = opt,                                                                                  \
   .help = help_,                                                                                  \
   .default_text = def,                                                                            \
   .kind = CPO_PARAM_##kind_,                                                                      \
   .min_u = (uint64_t)(min),                                                                       \
   .max_u = (uint64_t)(max),                                                                       \
   .min_d = (double)(min),                                                                         \
   .max_d = (double)(max),                                                                         \
   .words = words_,                                                                                \
   .json = json_},
#include "params.def"
#undef CPO_PARAM
};
#define N_PARAMS (sizeof s_params / sizeof s_params[0])
_Static_assert(N_PARAMS == CPO_PARAMS_N, "params.def read alike");

static void (*const s_store[])(cpo_run_opts_t *, const cpo_param_value_t *) = {
#define CPO_PARAM(id, ...) s_store_##id,
#include "params.def"
#undef CPO_PARAM
};
static void (*const s_load[])(const cpo_run_opts_t *, cpo_param_value_t *) = {
#define CPO_PARAM(id, ...) s_load_##id,
#include "params.def"
#undef CPO_PARAM
};

size_t cpo_params_count(void) {
  return N_PARAMS;
}

const cpo_param_t *cpo_params_at(size_t i) {
  return i < N_PARAMS ? &s_params[i] : NULL;
}

size_t cpo_params_index(const cpo_param_t *p) {
  assert(p >= s_params && p < s_params + N_PARAMS);
  return (size_t)(p - s_params);
}

const cpo_param_t *cpo_params_find(const char *section, const char *key) {
  for (size_t i = 0; i < N_PARAMS; i++)
    if (strcmp(s_params[i].section, section) == 0 && strcmp(s_params[i].key, key) == 0)
      return &s_params[i];
  return NULL;
}

/* ---- text to value, value to text ---------------------------------------------------- */

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

/* True if @p name is "loopback", a shipped engine profile or a file's path (read once all
 * parameters are set: cpo_params_settle). */
static bool s_known_profile(const char *name) {
  if (strcmp(name, "loopback") == 0 || cpo_profile_is_path(name))
    return true;
  for (uint32_t i = 0; i < cpo_profile_count(); i++)
    if (strcmp(name, cpo_profile_name(i)) == 0)
      return true;
  return false;
}

void cpo_params_profiles(char *out, size_t len) {
  size_t n = (size_t)snprintf(out, len, "loopback");
  for (uint32_t i = 0; i < cpo_profile_count() && n < len; i++)
    n += (size_t)snprintf(out + n, len - n, ", %s", cpo_profile_name(i));
  if (n < len)
    snprintf(out + n, len - n, " or a profile file's path (with a '/' or ending in .ini)");
}

/* Parse @p text as @p p's kind and range; false if it is not a valid value. */
static bool s_parse(const cpo_param_t *p, const char *text, cpo_param_value_t *v) {
  memset(v, 0, sizeof *v);
  for (const cpo_param_word_t *w = p->words; w && w->word; w++)
    if (strcmp(text, w->word) == 0) {
      v->word = w->word;
      v->i = w->value;
      v->u = (uint64_t)w->value;
      v->d = (double)w->value;
      return true;
    }
  switch (p->kind) {
  case CPO_PARAM_UINT:
    return cpo_parse_u64(text, p->min_u, p->max_u, &v->u);
  case CPO_PARAM_WHOLE: /* written either way: 106250000000 or 106.25e9, but a whole number */
    if (!cpo_parse_real(text, &v->d) || !(v->d >= p->min_d && v->d <= p->max_d) ||
        v->d != floor(v->d))
      return false;
    v->u = (uint64_t)v->d;
    return true;
  case CPO_PARAM_REAL:
    return cpo_parse_real(text, &v->d) && v->d >= p->min_d && v->d <= p->max_d;
  case CPO_PARAM_PROFILE:
    v->s = text;
    return strlen(text) < CPO_PROFILE_PATH_MAX && s_known_profile(text);
  case CPO_PARAM_SCRIPT:
    v->s = text;
    return strlen(text) < CPO_PROFILE_PATH_MAX && cpo_params_is_script_path(text);
  case CPO_PARAM_WINDOW: {
    cpo_trace_window_t w;
    v->s = text;
    return strlen(text) < CPO_TRACE_WINDOW_MAX && cpo_trace_window_parse(text, &w);
  }
  case CPO_PARAM_WORDS:
  case CPO_PARAM_BOOL:
    return false;
  }
  return false;
}

/* @p words as a list: "a", "a or b", "a, b or c". */
static size_t s_word_list(const cpo_param_word_t *words, char *out, size_t len) {
  size_t n = 0;
  for (const cpo_param_word_t *w = words; w && w->word && n < len; w++)
    n += (size_t)snprintf(out + n, len - n, "%s%s", w != words ? (w[1].word ? ", " : " or ") : "",
                          w->word);
  return n;
}

void cpo_params_expected(const cpo_param_t *p, char *out, size_t len) {
  size_t n = s_word_list(p->words, out, len);
  if (p->kind == CPO_PARAM_WORDS || p->kind == CPO_PARAM_BOOL || n >= len)
    return;
  if (n)
    n += (size_t)snprintf(out + n, len - n, ", or ");
  if (p->kind == CPO_PARAM_UINT)
    snprintf(out + n, len - n, "a whole number from %llu to %llu", (unsigned long long)p->min_u,
             (unsigned long long)p->max_u);
  else if (p->kind == CPO_PARAM_WHOLE)
    snprintf(out + n, len - n, "a whole number from %g to %g", p->min_d, p->max_d);
  else if (p->kind == CPO_PARAM_REAL)
    snprintf(out + n, len - n, "a number from %g to %g", p->min_d, p->max_d);
  else if (p->kind == CPO_PARAM_SCRIPT)
    snprintf(out + n, len - n, "a script's path: it has a '/' or ends in .py");
  else if (p->kind == CPO_PARAM_WINDOW)
    snprintf(out + n, len - n,
             "all or 100000:120000 or 10us:12.5us (FROM:TO with FROM < TO, or FROM: to the end; "
             "cycles, or times with a unit fs/ps/ns/us/ms/s on both sides)");
  else {
    char known[200];
    cpo_params_profiles(known, sizeof known);
    snprintf(out + n, len - n, "one of %s", known);
  }
}

bool cpo_params_is_script_path(const char *text) {
  const size_t n = strlen(text);
  return strchr(text, '/') || (n > 3 && strcmp(text + n - 3, ".py") == 0);
}

bool cpo_params_set(cpo_run_opts_t *o, const cpo_param_t *p, const char *text, char *why,
                    size_t why_len) {
  cpo_param_value_t v;
  if (s_parse(p, text, &v)) {
    s_store[cpo_params_index(p)](o, &v);
    return true;
  }
  char expected[300];
  cpo_params_expected(p, expected, sizeof expected);
  snprintf(why, why_len, "'%s': expected %s", text, expected);
  return false;
}

cpo_param_value_t cpo_params_get(const cpo_run_opts_t *o, const cpo_param_t *p) {
  cpo_param_value_t v;
  memset(&v, 0, sizeof v);
  s_load[cpo_params_index(p)](o, &v);
  bool whole = p->kind == CPO_PARAM_UINT || p->kind == CPO_PARAM_WHOLE;
  for (const cpo_param_word_t *w = p->words; w && w->word && !v.word; w++)
    if (p->kind == CPO_PARAM_SCRIPT ? strcmp(v.s, w->word) == 0
        : whole                     ? v.u == (uint64_t)w->value
        : p->kind == CPO_PARAM_REAL ? v.d == (double)w->value
                                    : v.i == w->value)
      v.word = w->word;
  return v;
}

/* The shortest decimal that reads back as exactly @p v, with no exponent for a whole number
 * (10, not 1e+01). */
static void s_exact_double(double v, char *out, size_t len) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, len, "%.*g", prec, v);
    if (strtod(out, NULL) == v && (!strstr(out, "e+") || prec == 17))
      return;
  }
}

void cpo_params_format(const cpo_run_opts_t *o, const cpo_param_t *p, char *out, size_t len) {
  cpo_param_value_t v = cpo_params_get(o, p);
  if (v.word)
    snprintf(out, len, "%s", v.word);
  else if (p->kind == CPO_PARAM_REAL)
    s_exact_double(v.d, out, len);
  else if (p->kind == CPO_PARAM_PROFILE || p->kind == CPO_PARAM_SCRIPT ||
           p->kind == CPO_PARAM_WINDOW)
    snprintf(out, len, "%s", v.s);
  else
    snprintf(out, len, "%llu", (unsigned long long)v.u);
}

/* ---- defaults, rules between parameters ---------------------------------------------- */

/* The table checks itself: a range upside down or a default outside its own range is a defect
 * of params.def, reported by every run (exit 2) rather than compiled out with assert(). */
static bool s_check_entry(const cpo_param_t *p, char *why, size_t len) {
  if ((p->kind == CPO_PARAM_UINT && p->min_u > p->max_u) ||
      ((p->kind == CPO_PARAM_WHOLE || p->kind == CPO_PARAM_REAL) && !(p->min_d <= p->max_d))) {
    snprintf(why, len, "params.def: [%s] %s: its range is empty (min > max)", p->section, p->key);
    return false;
  }
  return true;
}

bool cpo_params_defaults(cpo_run_opts_t *o, char *why, size_t len) {
  memset(o, 0, sizeof *o);
  o->ready_fd = -1;
  o->board = (cpo_board_t)CPO_BOARD_DEFAULT; /* an engine profile's replaces it */
  for (size_t i = 0; i < N_PARAMS; i++) {
    char bad[300];
    if (!s_check_entry(&s_params[i], why, len))
      return false;
    if (!cpo_params_set(o, &s_params[i], s_params[i].default_text, bad, sizeof bad)) {
      snprintf(why, len, "params.def: the default of [%s] %s: %s", s_params[i].section,
               s_params[i].key, bad);
      return false;
    }
  }
  return true;
}

#define LOOPBACK_LANES 8                 /* the loopback's lanes when the run does not say */
#define LOOPBACK_LATENCY 4096u           /* and its L: it has no optical path */
#define LOOPBACK_BAUD_HZ 106250000000ull /* and its symbol rate */

/* The design of the run's kind and lanes, or NULL with @p why naming the designs there are
 * (and the profile that asked). */
static const cpo_design_info_t *s_design_find(const cpo_run_opts_t *o, char *why, size_t len) {
  const cpo_design_info_t *d =
      cpo_designs_find(o->design, o->host_lanes, o->config.lanes, why, len);
  if (!d && strcmp(o->config.profile, "loopback") != 0) {
    size_t n = strlen(why);
    snprintf(why + n, len - n, " (profile %s: %u host lanes over %u media lanes)",
             o->config.profile, o->host_lanes, o->config.lanes);
  }
  return d;
}

/* symbols_per_cycle = design: as many as fill the design's media word; then latency_cycles =
 * path: the optical path's latency (@p path_s, 0 for none) in those cycles; quantum = L/4. */
static bool s_settle_timing(cpo_run_opts_t *o, double path_s, char *why, size_t len) {
  cpo_config_t *c = &o->config;
  if (c->symbols_per_cycle == 0) {
    const cpo_design_info_t *d = s_design_find(o, why, len);
    if (!d)
      return false;
    c->symbols_per_cycle = (uint16_t)(d->word_bits / c->bits_per_symbol);
  }
  if (c->latency_cycles == 0) {
    double cycle_s = (double)c->symbols_per_cycle / (double)c->baud_hz;
    c->latency_cycles = path_s > 0 ? (uint32_t)floor(path_s / cycle_s) : LOOPBACK_LATENCY;
  }
  if (c->quantum_cycles == 0)
    c->quantum_cycles = c->latency_cycles / 4 ? c->latency_cycles / 4 : 1;
  return true;
}

/* The board of the profile's engine (cpo_board_t), but for its Tx power calibration (the rtl
 * role's, cpo_role_tx_tap_scale):
 * - the external laser source CMIS describes (pages 1Ah/1Bh): the lasers of the run's lanes when
 *   the profile's source sits at the faceplate (els_ambient_k set), at most the 8 ELS lanes the
 *   pages have; their frequency c / wavelength at the reference temperature;
 * - the management bus's bit times. */
static void s_settle_board(cpo_run_opts_t *o, const cpo_profile_t *p) {
  const double c_m_per_s = 299792458.0;
  uint32_t per = p->lanes_per_laser ? p->lanes_per_laser : 1;
  uint32_t lasers = (o->config.lanes + per - 1) / per;
  cpo_board_t *b = &o->board;
  b->els_lanes = p->els_ambient_k > 0 ? (lasers < 8 ? lasers : 8) : 0;
  b->els_freq_10ghz = b->els_lanes ? (uint32_t)lround(c_m_per_s / p->laser.wavelength_m / 10e9) : 0;
  b->bus_bit_ps = (uint32_t)lround(1e12 / p->mgmt_bus_clock_hz);
  b->bus_header_bit_ps = (uint32_t)lround(1e12 / p->mgmt_header_clock_hz);
}

bool cpo_params_settle(cpo_run_opts_t *o, char *why, size_t len) {
  memset(&o->profile_source, 0, sizeof o->profile_source);
  if (o->host_program == CPO_HOST_NONE) /* [host] program = none: the run has no host */
    o->with_host = false;
  if (o->host_program == CPO_HOST_PYTHON && strcmp(o->host_script, "none") == 0) {
    snprintf(why, len, "[host] program = python needs [host] script (--host-script FILE)");
    return false;
  }
  if (strcmp(o->profile, "loopback") == 0) {
    o->fidelity = CPO_FIDELITY_BIT_TRUE; /* it draws noise on every symbol */
    snprintf(o->config.profile, sizeof o->config.profile, "loopback");
    if (o->config.lanes == 0)
      o->config.lanes = LOOPBACK_LANES;
    o->host_lanes = o->config.lanes;
    if (o->config.baud_hz == 0)
      o->config.baud_hz = LOOPBACK_BAUD_HZ;
    return s_settle_timing(o, 0, why, len);
  }
  cpo_profile_t p;
  if (cpo_profile_open(o->profile, &p, &o->profile_source, why, len) != CPO_OK)
    return false;
  snprintf(o->config.profile, sizeof o->config.profile, "%s", p.name);
  if (o->config.lanes == 0)
    o->config.lanes = p.lanes;
  if (o->config.baud_hz == 0) { /* the profile's rate, a whole number of symbols per second */
    o->config.baud_hz = (uint64_t)llround(p.baud_hz);
    if (o->config.baud_hz == 0) {
      snprintf(why, len, "profile %s: baud_hz %g is below 1 symbol per second", p.name, p.baud_hz);
      return false;
    }
  }
  s_settle_board(o, &p);
  /* the profile's own lanes run on its design; fewer run 1:1 on a design of that many */
  o->host_lanes = o->config.lanes == p.lanes ? p.host_lanes : o->config.lanes;
  return s_settle_timing(o, cpo_fibre_latency_s(&p.fibre) + p.electronics_latency_s, why, len);
}

const cpo_design_info_t *cpo_run_design(const cpo_run_opts_t *o, char *why, size_t why_len) {
  const cpo_design_info_t *d = s_design_find(o, why, why_len);
  uint32_t word = o->config.symbols_per_cycle * o->config.bits_per_symbol;
  if (d && word != d->word_bits) {
    snprintf(why, why_len,
             "design %s carries %u bits per media lane per cycle; the configuration asks for %u "
             "(symbols_per_cycle x bits_per_symbol; symbols_per_cycle = design fits it)",
             d->name, d->word_bits, word);
    return NULL;
  }
  return d;
}

/* ---- the command line ---------------------------------------------------------------- */

const char *cpo_params_option(const cpo_param_t *p, bool value, char *out, size_t len) {
  if (p->kind == CPO_PARAM_BOOL)
    snprintf(out, len, "--%s-%s", value ? "with" : "no", p->option);
  else
    snprintf(out, len, "--%s", p->option);
  return out;
}

int cpo_params_to_argv(const cpo_run_opts_t *o, char **argv, int n,
                       char buf[][CPO_PARAMS_ARG_MAX]) {
  for (size_t i = 0; i < N_PARAMS; i++) {
    const cpo_param_t *p = &s_params[i];
    /* the option is in buf[i] up to its NUL, the value after it */
    cpo_param_value_t v = cpo_params_get(o, p);
    cpo_params_option(p, v.i != 0, buf[i], CPO_PARAMS_ARG_MAX);
    argv[n++] = buf[i];
    if (p->kind != CPO_PARAM_BOOL) {
      char *value = buf[i] + strlen(buf[i]) + 1;
      cpo_params_format(o, p, value, (size_t)(CPO_PARAMS_ARG_MAX - (value - buf[i])));
      argv[n++] = value;
    }
  }
  return n;
}

/* The metavariable of @p p's option: N, X, NAME, or its words (a|b). */
static void s_metavar(const cpo_param_t *p, char *out, size_t len) {
  size_t n = 0;
  out[0] = '\0';
  for (const cpo_param_word_t *w = p->words; w && w->word && n < len; w++)
    n += (size_t)snprintf(out + n, len - n, "%s%s", w->word, w[1].word ? "|" : "");
  const char *number = p->kind == CPO_PARAM_REAL      ? "X"
                       : p->kind == CPO_PARAM_PROFILE ? "NAME"
                       : p->kind == CPO_PARAM_SCRIPT  ? "FILE"
                       : p->kind == CPO_PARAM_WINDOW  ? "FROM:TO"
                                                      : "N";
  if (p->kind != CPO_PARAM_WORDS && p->kind != CPO_PARAM_BOOL && n < len)
    snprintf(out + n, len - n, "%s%s", n ? "|" : "", number);
}

#define USAGE_INDENT 31 /* where the help column starts, as in cpoemu's other options */
#define USAGE_WIDTH 100

/* Print @p left, then @p text in the help column, wrapped at USAGE_WIDTH. */
static void s_usage_entry(FILE *f, const char *left, const char *text) {
  int col = fprintf(f, "  %s", left);
  if (col >= USAGE_INDENT) {
    fputc('\n', f);
    col = 0;
  }
  while (*text) {
    size_t word = strcspn(text, " ");
    if (col > USAGE_INDENT && col + 1 + (int)word > USAGE_WIDTH) {
      fputc('\n', f);
      col = 0;
    }
    if (col < USAGE_INDENT)
      col += fprintf(f, "%*s", USAGE_INDENT - col, "");
    else
      col += fprintf(f, " ");
    col += fprintf(f, "%.*s", (int)word, text);
    text += word + strspn(text + word, " ");
  }
  fputc('\n', f);
}

void cpo_params_usage(FILE *f) {
  for (size_t i = 0; i < N_PARAMS; i++) {
    const cpo_param_t *p = &s_params[i];
    char opt[200], metavar[100], expected[300], where[600];
    if (p->kind == CPO_PARAM_BOOL)
      snprintf(opt, sizeof opt, "--with-%s | --no-%s", p->option, p->option);
    else {
      s_metavar(p, metavar, sizeof metavar);
      snprintf(opt, sizeof opt, "--%s %s", p->option, metavar);
    }
    s_usage_entry(f, opt, p->help);
    cpo_params_expected(p, expected, sizeof expected);
    snprintf(where, sizeof where, "[%s] %s: %s; default %s", p->section, p->key, expected,
             p->default_text);
    s_usage_entry(f, "", where);
  }
}

void cpo_params_write_ini(const cpo_run_opts_t *o, FILE *f) {
  const char *section = "";
  for (size_t i = 0; i < N_PARAMS; i++) {
    const cpo_param_t *p = &s_params[i];
    char value[CPO_PARAMS_ARG_MAX];
    cpo_params_format(o, p, value, sizeof value);
    if (strcmp(p->section, section) != 0)
      fprintf(f, "%s[%s]\n", i ? "\n" : "", section = p->section);
    fprintf(f, "%s = %s\n", p->key, value);
  }
}
