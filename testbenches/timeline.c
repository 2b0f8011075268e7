#include "timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

/* ---- the keys of an [event.NAME] section --------------------------------------------- */

typedef enum {
  K_AT,
  K_WHAT,
  K_LANE,
  K_LASER,
  K_WIRE,
  K_ENGINE,
  K_MODULE,
  K_DIRECTION,
  K_TEMP_C,
  K_OVER,
  K_LENGTH,
  K_LOSS_DB,
  K_HOURS,
  K_SKEW_UI,
  K_VALUE,
  K_KEYS
} key_t_;

static const char *const s_key_names[K_KEYS] = {
    "at",     "what", "lane",   "laser",   "wire",  "engine",  "module", "direction",
    "temp_c", "over", "length", "loss_db", "hours", "skew_ui", "value"};

#define B(k) (1u << (k))

/* Each kind: its word, the keys it requires and the keys it also takes (at, what: always). */
static const struct {
  const char *word;
  unsigned need, may;
  bool model;
} s_kinds[CPO_TL_KINDS] = {
    [CPO_TL_AMBIENT_STEP] = {"ambient_step", B(K_TEMP_C), B(K_ENGINE), true},
    [CPO_TL_AMBIENT_RAMP] = {"ambient_ramp", B(K_TEMP_C) | B(K_OVER), B(K_ENGINE), true},
    [CPO_TL_LASER_AGEING] = {"laser_ageing", B(K_HOURS), B(K_LASER), true},
    [CPO_TL_LASER_FAIL] = {"laser_fail", B(K_LASER), 0, true},
    [CPO_TL_FIBRE_LOSS] = {"fibre_loss", B(K_LOSS_DB), B(K_ENGINE), true},
    [CPO_TL_CONNECTOR_DIRT] = {"connector_dirt", B(K_LOSS_DB) | B(K_LANE), 0, true},
    [CPO_TL_HEATER_FAIL] = {"heater_fail", B(K_LANE), 0, true},
    [CPO_TL_D2D_WIRE_STUCK] = {"d2d_wire_stuck", B(K_WIRE),
                               B(K_VALUE) | B(K_DIRECTION) | B(K_MODULE), false},
    [CPO_TL_D2D_WIRE_SKEW] = {"d2d_wire_skew", B(K_WIRE) | B(K_SKEW_UI),
                              B(K_DIRECTION) | B(K_MODULE), false},
    [CPO_TL_D2D_ERROR_BURST] = {"d2d_error_burst", B(K_LENGTH), B(K_DIRECTION) | B(K_MODULE),
                                false},
    [CPO_TL_D2D_SIDEBAND_DEAD] = {"d2d_sideband_dead", 0, B(K_DIRECTION) | B(K_MODULE), false},
    [CPO_TL_PEER_RESET] = {"peer_reset", 0, B(K_MODULE), false},
    [CPO_TL_CMIS_ILLEGAL] = {"cmis_illegal", 0, 0, false},
    [CPO_TL_LANES_PARK] = {"lanes_park", 0, 0, false},
    [CPO_TL_LANES_STREAM] = {"lanes_stream", 0, 0, false},
    [CPO_TL_COUNTERS_CLEAR] = {"counters_clear", 0, 0, false},
    [CPO_TL_CMIS_MANAGED] = {"cmis_managed", 0, 0, false},
    [CPO_TL_ELS_DISABLE] = {"els_disable", B(K_LASER), 0, false},
    [CPO_TL_ELS_ENABLE] = {"els_enable", B(K_LASER), 0, false},
};

const char *cpo_timeline_kind_name(cpo_tl_kind_t kind) {
  return kind < CPO_TL_KINDS ? s_kinds[kind].word : "?";
}

int cpo_timeline_key_line(const cpo_tl_event_t *e, const char *key) {
  for (int k = 0; k < K_KEYS; k++)
    if (strcmp(s_key_names[k], key) == 0 && e->key_line[k])
      return e->key_line[k];
  return e->line;
}

bool cpo_timeline_kind_model(cpo_tl_kind_t kind) {
  return kind < CPO_TL_KINDS && s_kinds[kind].model;
}

_Static_assert(K_KEYS <= sizeof((cpo_tl_event_t *)0)->key_line / sizeof(int), "key_line");

bool cpo_timeline_parse_time(const char *text, double *seconds, uint64_t *cycles, bool *in_cycles) {
  static const struct {
    const char *unit;
    double s;
  } units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}};
  char *end;
  double v = strtod(text, &end);
  if (end == text || !isfinite(v) || v < 0)
    return false;
  while (*end == ' ')
    end++;
  if (strcmp(end, "cycles") == 0) {
    if (v != floor(v) || v > (double)CPO_PARAMS_MAX_CYCLES)
      return false;
    *cycles = (uint64_t)v, *in_cycles = true;
    return true;
  }
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(end, units[i].unit) == 0) {
      *seconds = v * units[i].s, *in_cycles = false;
      return true;
    }
  return false;
}

/* The event of section [event.NAME], made on its first key. */
static cpo_tl_event_t *s_event(cpo_timeline_t *tl, const char *name, int line, char *why,
                               size_t why_len) {
  for (uint32_t i = 0; i < tl->n; i++)
    if (strcmp(tl->ev[i].name, name) == 0)
      return &tl->ev[i];
  if (tl->n == CPO_TIMELINE_MAX_EVENTS) {
    snprintf(why, why_len, "more than %d events", CPO_TIMELINE_MAX_EVENTS);
    return NULL;
  }
  if (!name[0] || strlen(name) >= sizeof tl->ev[0].name) {
    snprintf(why, why_len, "an event section is [event.NAME], NAME 1 to %zu characters",
             sizeof tl->ev[0].name - 1);
    return NULL;
  }
  cpo_tl_event_t *e = &tl->ev[tl->n];
  memset(e, 0, sizeof *e);
  e->kind = CPO_TL_KINDS;
  e->index = CPO_TIMELINE_ALL;
  e->a2o = true;
  e->value = 1;
  e->line = line;
  snprintf(e->name, sizeof e->name, "%s", name);
  tl->n++;
  return e;
}

static bool s_real(const char *v, double min, double max, double *out) {
  return cpo_parse_real(v, out) && *out >= min && *out <= max;
}

/* Set key @p k of @p e from @p v; false with what a valid value looks like in @p why. */
static bool s_set(cpo_tl_event_t *e, key_t_ k, const char *v, char *why, size_t why_len) {
  uint64_t u = 0;
  bool ok = true;
  const char *expected = "";
  switch (k) {
  case K_AT:
    ok = cpo_timeline_parse_time(v, &e->at_s, &e->at_cycles_given, &e->at_in_cycles);
    expected = "a time: a number and cycles, ns, us, ms or s (2ms, 150 us, 4000 cycles)";
    break;
  case K_OVER:
  case K_LENGTH:
    ok = cpo_timeline_parse_time(v, &e->over_s, &e->over_cycles_given, &e->over_in_cycles);
    expected = "a time: a number and cycles, ns, us, ms or s (2ms, 150 us, 4000 cycles)";
    break;
  case K_WHAT:
    e->kind = CPO_TL_KINDS;
    for (int i = 0; i < CPO_TL_KINDS; i++)
      if (strcmp(v, s_kinds[i].word) == 0)
        e->kind = (cpo_tl_kind_t)i;
    ok = e->kind != CPO_TL_KINDS;
    expected = "ambient_step, ambient_ramp, laser_ageing, laser_fail, fibre_loss, "
               "connector_dirt, heater_fail, d2d_wire_stuck, d2d_wire_skew, d2d_error_burst, "
               "d2d_sideband_dead, peer_reset, cmis_illegal, lanes_park, lanes_stream, "
               "counters_clear, cmis_managed, els_disable or els_enable";
    break;
  case K_LANE:
  case K_LASER:
  case K_WIRE:
    if (strcmp(v, "all") == 0 && k != K_WIRE)
      e->index = CPO_TIMELINE_ALL;
    else if ((ok = cpo_parse_u64(v, 0, 127, &u)))
      e->index = (int64_t)u;
    expected = k == K_WIRE ? "a wire number from 0 to 39" : "all, or a number from 0 to 127";
    ok = ok && !(k == K_WIRE && u > 39);
    break;
  case K_ENGINE:
  case K_MODULE:
    ok = cpo_parse_u64(v, 0, 1, &u);
    *(k == K_ENGINE ? &e->engine : &e->module) = (uint32_t)u;
    expected = "0 or 1";
    break;
  case K_DIRECTION:
    ok = strcmp(v, "a2o") == 0 || strcmp(v, "o2a") == 0;
    e->a2o = strcmp(v, "a2o") == 0;
    expected = "a2o (ASIC to OE) or o2a";
    break;
  case K_TEMP_C:
    ok = s_real(v, -73.15, 176.85, &e->temp_c); /* the laser model's 200-450 K */
    expected = "a case temperature in degC from -73.15 to 176.85";
    break;
  case K_LOSS_DB:
    ok = s_real(v, 0, 60, &e->loss_db);
    expected = "an added loss in dB from 0 to 60";
    break;
  case K_HOURS:
    ok = s_real(v, 0, 1e7, &e->hours);
    expected = "operating hours from 0 to 1e7";
    break;
  case K_SKEW_UI:
    ok = s_real(v, 0, 63.9375, &e->skew_ui);
    expected = "a delay in UI from 0 to 63.9375 (sixteenths)";
    break;
  case K_VALUE:
    ok = cpo_parse_u64(v, 0, 1, &u);
    e->value = (uint32_t)u;
    expected = "0 or 1";
    break;
  case K_KEYS:
    break;
  }
  if (!ok)
    snprintf(why, why_len, "'%s': expected %s", v, expected);
  return ok;
}

bool cpo_timeline_key(cpo_timeline_t *tl, int line, const char *section, const char *key,
                      const char *value, char *why, size_t why_len) {
  cpo_tl_event_t *e = s_event(tl, section + strlen("event."), line, why, why_len);
  if (!e)
    return false;
  int *lines = e->key_line;
  key_t_ k = K_KEYS;
  for (int i = 0; i < K_KEYS; i++)
    if (strcmp(key, s_key_names[i]) == 0)
      k = (key_t_)i;
  if (k == K_KEYS) {
    snprintf(why, why_len,
             "unknown key '%s' in section [%s] (an event takes at, what, lane, laser, wire, "
             "engine, module, direction, temp_c, over, length, loss_db, hours, skew_ui, value)",
             key, section);
    return false;
  }
  if (lines[k]) {
    snprintf(why, why_len, "[%s] %s given twice: here and on line %d", section, key, lines[k]);
    return false;
  }
  lines[k] = line;
  char bad[400];
  if (!s_set(e, k, value, bad, sizeof bad)) {
    snprintf(why, why_len, "[%s] %s = %s", section, key, bad);
    return false;
  }
  return true;
}

cpo_status_t cpo_timeline_finish(cpo_timeline_t *tl, const char *file, char *why, size_t why_len) {
  snprintf(tl->file, sizeof tl->file, "%s", file);
  for (uint32_t i = 0; i < tl->n; i++) {
    const cpo_tl_event_t *e = &tl->ev[i];
    const int *lines = e->key_line;
    if (!lines[K_WHAT] || !lines[K_AT]) {
      snprintf(why, why_len, "%s:%d: [event.%s] has no '%s' (every event says what and at)", file,
               e->line, e->name, lines[K_WHAT] ? "at" : "what");
      return CPO_ERR_PARSE;
    }
    const unsigned need = s_kinds[e->kind].need, may = need | s_kinds[e->kind].may;
    for (int k = K_LANE; k < K_KEYS; k++) {
      if ((need & B(k)) && !lines[k]) {
        snprintf(why, why_len, "%s:%d: [event.%s] what = %s needs '%s'", file, e->line, e->name,
                 s_kinds[e->kind].word, s_key_names[k]);
        return CPO_ERR_PARSE;
      }
      if (lines[k] && !(may & B(k))) {
        snprintf(why, why_len, "%s:%d: [event.%s] '%s' does not apply to what = %s", file, lines[k],
                 e->name, s_key_names[k], s_kinds[e->kind].word);
        return CPO_ERR_PARSE;
      }
    }
  }
  return CPO_OK;
}

static uint64_t s_cycles(double s, uint64_t given, bool in_cycles, double cycle_s) {
  return in_cycles ? given : (uint64_t)llround(s / cycle_s);
}

static int s_by_cycle(const void *a, const void *b) {
  const cpo_tl_event_t *x = a, *y = b;
  if (x->at_cycle != y->at_cycle)
    return x->at_cycle < y->at_cycle ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line; /* stable: the file's order */
}

cpo_status_t cpo_timeline_resolve(cpo_timeline_t *tl, double cycle_s, uint64_t total_cycles,
                                  uint32_t lanes, uint32_t engines, uint32_t modules, char *why,
                                  size_t why_len) {
  for (uint32_t i = 0; i < tl->n; i++) {
    cpo_tl_event_t *e = &tl->ev[i];
    e->at_cycle = s_cycles(e->at_s, e->at_cycles_given, e->at_in_cycles, cycle_s);
    e->over_cycles = s_cycles(e->over_s, e->over_cycles_given, e->over_in_cycles, cycle_s);
    const char *bad = NULL;
    char text[200];
    if (e->at_cycle >= total_cycles) {
      snprintf(text, sizeof text, "at cycle %llu, not within the run's %llu cycles",
               (unsigned long long)e->at_cycle, (unsigned long long)total_cycles);
      bad = text;
    } else if ((e->kind == CPO_TL_CONNECTOR_DIRT || e->kind == CPO_TL_HEATER_FAIL) &&
               e->index != CPO_TIMELINE_ALL && e->index >= (int64_t)lanes) {
      snprintf(text, sizeof text, "lane %lld: the run has lanes 0 to %u", (long long)e->index,
               lanes - 1);
      bad = text;
    } else if (cpo_timeline_kind_model(e->kind) && e->engine >= engines) {
      snprintf(text, sizeof text, "engine %u: the run has %u engine%s", e->engine, engines,
               engines > 1 ? "s" : "");
      bad = text;
    } else if (!cpo_timeline_kind_model(e->kind) && e->module >= modules) {
      snprintf(text, sizeof text, "D2D module %u: the run's design has %u", e->module, modules);
      bad = text;
    } else if ((e->kind == CPO_TL_AMBIENT_RAMP || e->kind == CPO_TL_D2D_ERROR_BURST) &&
               e->over_cycles == 0) {
      bad = "its duration is shorter than a cycle";
    } else if (e->kind == CPO_TL_D2D_ERROR_BURST && e->over_cycles >= (1u << 24)) {
      bad = "a burst lasts at most 2^24 - 1 cycles (the channel's BURST.LEN)";
    }
    if (bad) {
      snprintf(why, why_len, "%s:%d: [event.%s] %s", tl->file, e->line, e->name, bad);
      return CPO_ERR_INVALID_ARG;
    }
  }
  /* insertion sort: stable, and the timeline is short */
  for (uint32_t i = 1; i < tl->n; i++)
    for (uint32_t j = i; j > 0 && s_by_cycle(&tl->ev[j - 1], &tl->ev[j]) > 0; j--) {
      cpo_tl_event_t t = tl->ev[j];
      tl->ev[j] = tl->ev[j - 1];
      tl->ev[j - 1] = t;
    }
  return CPO_OK;
}

/* ---- writing a timeline back (--print-scenario) ---------------------------------------- */

/* A time as written: in cycles, or in the largest unit it is at least one of ("20us"). */
static void s_write_time(FILE *f, double s, uint64_t cycles, bool in_cycles) {
  static const struct {
    const char *unit;
    double s;
  } units[] = {{"s", 1.0}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
  if (in_cycles) {
    fprintf(f, "%llu cycles", (unsigned long long)cycles);
    return;
  }
  size_t i = 0;
  while (i + 1 < sizeof units / sizeof units[0] && s < units[i].s)
    i++;
  fprintf(f, "%.15g%s", s / units[i].s, units[i].unit);
}

/* Key @p k of @p e as its section's line "key = value". */
static void s_write_key(FILE *f, const cpo_tl_event_t *e, key_t_ k) {
  fprintf(f, "%s = ", s_key_names[k]);
  switch (k) {
  case K_AT:
    s_write_time(f, e->at_s, e->at_cycles_given, e->at_in_cycles);
    break;
  case K_OVER:
  case K_LENGTH:
    s_write_time(f, e->over_s, e->over_cycles_given, e->over_in_cycles);
    break;
  case K_WHAT:
    fprintf(f, "%s", s_kinds[e->kind].word);
    break;
  case K_LANE:
  case K_LASER:
  case K_WIRE:
    if (e->index == CPO_TIMELINE_ALL)
      fprintf(f, "all");
    else
      fprintf(f, "%lld", (long long)e->index);
    break;
  case K_ENGINE:
    fprintf(f, "%u", e->engine);
    break;
  case K_MODULE:
    fprintf(f, "%u", e->module);
    break;
  case K_DIRECTION:
    fprintf(f, "%s", e->a2o ? "a2o" : "o2a");
    break;
  case K_TEMP_C:
    fprintf(f, "%.15g", e->temp_c);
    break;
  case K_LOSS_DB:
    fprintf(f, "%.15g", e->loss_db);
    break;
  case K_HOURS:
    fprintf(f, "%.15g", e->hours);
    break;
  case K_SKEW_UI:
    fprintf(f, "%.15g", e->skew_ui);
    break;
  case K_VALUE:
    fprintf(f, "%u", e->value);
    break;
  case K_KEYS:
    break;
  }
  fputc('\n', f);
}

void cpo_timeline_write_ini(const cpo_timeline_t *tl, FILE *f) {
  for (uint32_t i = 0; i < tl->n; i++) {
    const cpo_tl_event_t *e = &tl->ev[i];
    fprintf(f, "\n[event.%s]\n", e->name);
    s_write_key(f, e, K_AT);
    s_write_key(f, e, K_WHAT);
    for (int k = K_LANE; k < K_KEYS; k++)
      if (e->key_line[k]) /* the keys the file gave; the others keep their defaults */
        s_write_key(f, e, (key_t_)k);
  }
}
