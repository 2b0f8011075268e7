/* Engine profiles as data; see cpo/profile.h. The keys, their types and ranges are the rows of
 * profile_keys.def; the shipped files are built in by model/profiles/embed.py. */
#include "cpo/profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpo/ini.h"
#include "cpo/log.h"
#include "cpo/units.h"
#include "profile_embedded.h"

/* ---- the table ----------------------------------------------------------------------- */

typedef enum { S_F64, S_F64Z, S_U32, S_STR, S_MOD } s_type_t;

typedef struct {
  const char *section, *key, *unit, *help;
  size_t offset;
  s_type_t type;
  double lo, hi;
  cpo_range_ends_t ends;
} s_key_t;

#define S_ROW(sec, k, field, t, lo_, hi_, ends_, unit_, help_)                                     \
  {.section = #sec,                                                                                \
   .key = #k,                                                                                      \
   .unit = unit_,                                                                                  \
   .help = help_,                                                                                  \
   .offset = offsetof(cpo_profile_t, field),                                                       \
   .type = S_##t,                                                                                  \
   .lo = (lo_),                                                                                    \
   .hi = (hi_),                                                                                    \
   .ends = (ends_)},
static const s_key_t s_keys[] = {
#define CPO_PROFILE_KEY(sec, k, field, ...) S_ROW(sec, k, field, __VA_ARGS__)
#define CPO_PROFILE_LASER(k, ...) S_ROW(laser, k, laser.k, __VA_ARGS__)
#define CPO_PROFILE_RING(k, ...) S_ROW(ring, k, ring.k, __VA_ARGS__)
#define CPO_PROFILE_MZM(k, ...) S_ROW(mzm, k, mzm.k, __VA_ARGS__)
#define CPO_PROFILE_FIBRE(k, ...) S_ROW(fibre, k, fibre.k, __VA_ARGS__)
#define CPO_PROFILE_RECEIVER(k, ...) S_ROW(receiver, k, receiver.k, __VA_ARGS__)
#include "profile_keys.def"
};
#undef S_ROW
#define N_KEYS (sizeof s_keys / sizeof s_keys[0])

static const char *const s_modulators[] = {"ring", "mzm"}; /* cpo_modulator_t's values */

/* The range of @p k as text: "(0, 1.6] W/A", "0, or [200, 450] K", "1 to 128". */
static void s_range_text(const s_key_t *k, char *out, size_t len) {
  const char *sp = k->unit[0] ? " " : "";
  if (k->type == S_U32)
    snprintf(out, len, "%g to %g", k->lo, k->hi);
  else if (k->type == S_STR)
    snprintf(out, len, "%g to %g characters", k->lo, k->hi);
  else if (k->type == S_MOD)
    snprintf(out, len, "ring or mzm");
  else
    snprintf(out, len, "%s%c%g, %g%c%s%s", k->type == S_F64Z ? "0, or " : "",
             (k->ends & CPO_RANGE_OPEN_LO) ? '(' : '[', k->lo, k->hi,
             (k->ends & CPO_RANGE_OPEN_HI) ? ')' : ']', sp, k->unit);
}

static bool s_in_range(const s_key_t *k, double v) {
  if (k->type == S_F64Z && v == 0.0)
    return true;
  const bool lo_ok = (k->ends & CPO_RANGE_OPEN_LO) ? v > k->lo : v >= k->lo;
  const bool hi_ok = (k->ends & CPO_RANGE_OPEN_HI) ? v < k->hi : v <= k->hi;
  return lo_ok && hi_ok;
}

/* Set @p k of @p p from @p text; false with @p why ("must be in ...") if it is not valid. */
static bool s_set(const s_key_t *k, cpo_profile_t *p, const char *text, char *why, size_t len) {
  char *field = (char *)p + k->offset, range[120], *end;
  s_range_text(k, range, sizeof range);
  switch (k->type) {
  case S_STR: {
    size_t n = strlen(text);
    if (n < k->lo || n > k->hi) {
      snprintf(why, len, "must be %s", range);
      return false;
    }
    memcpy(field, text, n + 1);
    return true;
  }
  case S_MOD:
    for (size_t i = 0; i < sizeof s_modulators / sizeof s_modulators[0]; i++)
      if (strcmp(text, s_modulators[i]) == 0) {
        cpo_modulator_t m = (cpo_modulator_t)i;
        memcpy(field, &m, sizeof m);
        return true;
      }
    snprintf(why, len, "must be ring or mzm");
    return false;
  case S_U32: {
    unsigned long long u = strtoull(text, &end, 10);
    if (end == text || *end || text[0] == '-' || u < k->lo || u > k->hi) {
      snprintf(why, len, "must be a whole number from %s", range);
      return false;
    }
    uint32_t v = (uint32_t)u;
    memcpy(field, &v, sizeof v);
    return true;
  }
  case S_F64:
  case S_F64Z: {
    double v = strtod(text, &end);
    if (end == text || *end || isnan(v) || !s_in_range(k, v)) {
      snprintf(why, len, "must be in %s", range);
      return false;
    }
    memcpy(field, &v, sizeof v);
    return true;
  }
  }
  return false;
}

/* ---- parsing ------------------------------------------------------------------------- */

typedef struct {
  cpo_profile_t p;
  int line[N_KEYS]; /* where each key was given; 0: not yet */
  int last_line;
} s_load_t;

static bool s_key(void *user, int line, const char *section, const char *name, const char *value,
                  char *why, size_t why_len) {
  s_load_t *l = user;
  l->last_line = line;
  for (size_t i = 0; i < N_KEYS; i++) {
    const s_key_t *k = &s_keys[i];
    if (strcmp(k->section, section) != 0 || strcmp(k->key, name) != 0)
      continue;
    if (l->line[i]) {
      snprintf(why, why_len, "%s.%s given twice: here and on line %d", section, name, l->line[i]);
      return false;
    }
    l->line[i] = line;
    char reason[200];
    if (!s_set(k, &l->p, value, reason, sizeof reason)) {
      snprintf(why, why_len, "%s.%s = %s: %s", section, name, value, reason);
      return false;
    }
    return true;
  }
  snprintf(why, why_len, "unknown key %s.%s (model/profiles/README.md lists the keys)", section,
           name);
  return false;
}

/* The line of key @p section.@p key in @p l. */
static int s_line_of(const s_load_t *l, const char *section, const char *key) {
  for (size_t i = 0; i < N_KEYS; i++)
    if (strcmp(s_keys[i].section, section) == 0 && strcmp(s_keys[i].key, key) == 0)
      return l->line[i];
  return 0;
}

/* Rules between keys, each reported at the line of the key it refuses. */
static bool s_check_between(const s_load_t *l, const char *path, char *why, size_t len) {
  const cpo_profile_t *p = &l->p;
  /* at most one photon h c / lambda per electron */
  const double quantum_w_per_a = CPO_H_J_S * CPO_C_M_PER_S / (CPO_Q_E_C * p->laser.wavelength_m);
  if (p->laser.slope_w_per_a > quantum_w_per_a)
    snprintf(why, len,
             "%s:%d: laser.slope_w_per_a = %g: must be at most h c / (q lambda) = %g W/A "
             "at laser.wavelength_m",
             path, s_line_of(l, "laser", "slope_w_per_a"), p->laser.slope_w_per_a, quantum_w_per_a);
  else if (p->laser_nominal_current_a > p->laser.max_current_a)
    snprintf(why, len,
             "%s:%d: laser_source.nominal_current_a = %g: must be at most "
             "laser.max_current_a (%g A)",
             path, s_line_of(l, "laser_source", "nominal_current_a"), p->laser_nominal_current_a,
             p->laser.max_current_a);
  else if (p->ring_fab_offset_max_m < p->ring_fab_offset_min_m)
    snprintf(why, len,
             "%s:%d: ring.fab_offset_max_m = %g: must be at least ring.fab_offset_min_m "
             "(%g m)",
             path, s_line_of(l, "ring", "fab_offset_max_m"), p->ring_fab_offset_max_m,
             p->ring_fab_offset_min_m);
  else if (p->mgmt_header_clock_hz > p->mgmt_bus_clock_hz)
    snprintf(why, len,
             "%s:%d: management.header_clock_hz = %g: must be at most management.bus_clock_hz "
             "(%g Hz)",
             path, s_line_of(l, "management", "header_clock_hz"), p->mgmt_header_clock_hz,
             p->mgmt_bus_clock_hz);
  else if (p->lanes_per_laser > p->lanes)
    snprintf(why, len,
             "%s:%d: laser_source.lanes_per_laser = %u: must be at most engine.lanes (%u)", path,
             s_line_of(l, "laser_source", "lanes_per_laser"), p->lanes_per_laser, p->lanes);
  else
    return true;
  return false;
}

cpo_status_t cpo_profile_parse(const char *text, size_t len, const char *path, cpo_profile_t *out,
                               char *why, size_t why_len) {
  if (!text || !path || !out || !why)
    return CPO_ERR_INVALID_ARG;
  s_load_t *l = calloc(1, sizeof *l);
  if (!l)
    return CPO_ERR_NO_MEMORY;
  cpo_status_t rc = cpo_ini_parse(text, len, path, s_key, l, why, why_len);
  for (size_t i = 0; rc == CPO_OK && i < N_KEYS; i++)
    if (!l->line[i]) {
      snprintf(why, why_len, "%s:%d: %s.%s missing: every key is required (%s)", path,
               l->last_line + 1, s_keys[i].section, s_keys[i].key, s_keys[i].help);
      rc = CPO_ERR_PARSE;
    }
  if (rc == CPO_OK && !s_check_between(l, path, why, why_len))
    rc = CPO_ERR_PARSE;
  if (rc == CPO_OK)
    *out = l->p;
  free(l);
  return rc;
}

/* ---- the shipped profiles ------------------------------------------------------------ */

uint32_t cpo_profile_count(void) {
  return cpo_profile_embedded_count;
}

const char *cpo_profile_name(uint32_t i) {
  return i < cpo_profile_embedded_count ? cpo_profile_embedded[i].name : NULL;
}

const char *cpo_profile_default_name(void) {
  return cpo_profile_embedded[0].name;
}

void cpo_profile_names(char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (uint32_t i = 0; i < cpo_profile_embedded_count && used < len; i++)
    used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "",
                             cpo_profile_embedded[i].name);
}

bool cpo_profile_is_path(const char *spec) {
  size_t n = strlen(spec);
  return strchr(spec, '/') || (n > 4 && strcmp(spec + n - 4, ".ini") == 0);
}

/* FNV-1a, 64 bits. */
static uint64_t s_fnv1a64(const char *text, size_t len) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (uint8_t)text[i]) * 0x100000001B3ull;
  return h;
}

#define MAX_PROFILE_BYTES (1u << 20)

cpo_status_t cpo_profile_open(const char *spec, cpo_profile_t *out, cpo_profile_source_t *src,
                              char *why, size_t why_len) {
  if (!out || !why)
    return CPO_ERR_INVALID_ARG;
  if (!spec || !*spec)
    spec = cpo_profile_default_name();
  cpo_profile_source_t s = {0};
  cpo_status_t rc;
  if (cpo_profile_is_path(spec)) {
    char *text;
    size_t len;
    CPO_TRY(cpo_ini_read_file(spec, "profile", MAX_PROFILE_BYTES, &text, &len, why, why_len));
    snprintf(s.path, sizeof s.path, "%s", spec);
    s.content_hash = s_fnv1a64(text, len);
    rc = cpo_profile_parse(text, len, spec, out, why, why_len);
    free(text);
  } else {
    const cpo_profile_embedded_t *e = NULL;
    for (uint32_t i = 0; i < cpo_profile_embedded_count && !e; i++)
      if (strcmp(spec, cpo_profile_embedded[i].name) == 0)
        e = &cpo_profile_embedded[i];
    if (!e) {
      char known[300];
      cpo_profile_names(known, sizeof known);
      snprintf(why, why_len,
               "unknown profile \"%s\": the shipped ones are %s (or give a profile file's path)",
               spec, known);
      return CPO_ERR_INVALID_ARG;
    }
    s.shipped = true;
    snprintf(s.path, sizeof s.path, "%s", e->path);
    s.content_hash = s_fnv1a64(e->text, strlen(e->text));
    rc = cpo_profile_parse(e->text, strlen(e->text), e->path, out, why, why_len);
  }
  if (rc == CPO_OK && src)
    *src = s;
  return rc;
}

cpo_status_t cpo_profile_load(const char *name, cpo_profile_t *out) {
  char why[600];
  if (name && *name && cpo_profile_is_path(name)) {
    cpo_log(CPO_LOG_ERROR, "cpo_profile", "\"%s\" is a file: not a shipped profile's name", name);
    return CPO_ERR_INVALID_ARG;
  }
  cpo_status_t rc = cpo_profile_open(name, out, NULL, why, sizeof why);
  if (rc != CPO_OK) {
    cpo_log(CPO_LOG_ERROR, "cpo_profile", "%s", why);
    return CPO_ERR_INVALID_ARG;
  }
  return CPO_OK;
}

/* ---- writing ------------------------------------------------------------------------- */

/* The shortest decimal that reads back as exactly @p v. */
static void s_exact(double v, char *out, size_t len) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, len, "%.*g", prec, v);
    if (strtod(out, NULL) == v)
      return;
  }
}

void cpo_profile_write(const cpo_profile_t *p, FILE *f) {
  const char *section = "";
  for (size_t i = 0; i < N_KEYS; i++) {
    const s_key_t *k = &s_keys[i];
    const char *field = (const char *)p + k->offset;
    char value[CPO_PROFILE_DESCRIPTION_MAX];
    if (strcmp(k->section, section) != 0)
      fprintf(f, "%s[%s]\n", i ? "\n" : "", section = k->section);
    if (k->type == S_STR) {
      snprintf(value, sizeof value, "%s", field);
    } else if (k->type == S_MOD || k->type == S_U32) {
      uint32_t u;
      memcpy(&u, field, sizeof u);
      if (k->type == S_MOD)
        snprintf(value, sizeof value, "%s", u < 2 ? s_modulators[u] : "?");
      else
        snprintf(value, sizeof value, "%u", u);
    } else {
      double d;
      memcpy(&d, field, sizeof d);
      s_exact(d, value, sizeof value);
    }
    fprintf(f, "%s = %s\n", k->key, value);
  }
}

void cpo_profile_write_reference(FILE *f) {
  fputs("# Engine profile keys\n\n"
        "<!-- Written by build/model/cpo_profile_reference from model/src/profile_keys.def; the "
        "test\n"
        "     profiles_reference checks that this file matches it. -->\n\n"
        "An engine profile is an INI file giving every key below once, in its section; a value\n"
        "outside its range, an unknown key, a missing key or a key given twice is refused with\n"
        "the file, the line and the reason. The shipped profiles are the files in this\n"
        "directory (`--profile NAME`); `--profile FILE` (a path: it has a `/` or ends in `.ini`)\n"
        "runs a profile of your own.\n",
        f);
  const char *section = "";
  for (size_t i = 0; i < N_KEYS; i++) {
    const s_key_t *k = &s_keys[i];
    char range[120];
    if (strcmp(k->section, section) != 0)
      fprintf(f, "\n## [%s]\n\n| key | unit | range | meaning |\n|---|---|---|---|\n",
              section = k->section);
    s_range_text(k, range, sizeof range);
    fprintf(f, "| `%s` | %s | %s | %s |\n", k->key, k->unit, range, k->help);
  }
}
