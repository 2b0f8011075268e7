#include "trace_file.h"

#include <ctype.h>
#include <errno.h>
#include <fstapi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the time axis and the window ----------------------------------------------------- */

void cpo_trace_fs_per_half_cycle(const cpo_config_t *cfg, uint64_t *num, uint64_t *den) {
  /* half of symbols_per_cycle / baud_hz seconds, in fs: symbols * 1e15 / (2 * baud) */
  *num = (uint64_t)(cfg->symbols_per_cycle ? cfg->symbols_per_cycle : 1) * 1000000000000000ull;
  *den = 2 * (cfg->baud_hz ? cfg->baud_hz : 1000000000ull); /* unsettled: 1 GHz */
}

uint64_t cpo_trace_fs(uint64_t units, uint64_t num, uint64_t den) {
  return (uint64_t)((unsigned __int128)units * num / den);
}

/* A bound: a whole number of cycles, or a number with a time unit (into fs). */
static bool s_bound(const char *text, size_t len, bool *in_fs, uint64_t *out) {
  static const struct {
    const char *unit;
    double fs;
  } units[] = {{"fs", 1}, {"ps", 1e3}, {"ns", 1e6}, {"us", 1e9}, {"ms", 1e12}, {"s", 1e15}};
  char buf[CPO_TRACE_WINDOW_MAX];
  if (len == 0 || len >= sizeof buf || !isdigit((unsigned char)text[0]))
    return false;
  memcpy(buf, text, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  if (strspn(buf, "0123456789") == len) { /* cycles */
    unsigned long long c = strtoull(buf, &end, 10);
    *in_fs = false;
    *out = c;
    return errno == 0;
  }
  double v = strtod(buf, &end);
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (errno == 0 && end != buf && strcmp(end, units[i].unit) == 0 && isfinite(v) &&
        v * units[i].fs < 1.8e19) {
      *in_fs = true;
      *out = (uint64_t)llround(v * units[i].fs);
      return true;
    }
  return false;
}

bool cpo_trace_window_parse(const char *text, cpo_trace_window_t *w) {
  memset(w, 0, sizeof *w);
  if (strcmp(text, "all") == 0) {
    w->all = true;
    return true;
  }
  const char *colon = strchr(text, ':');
  if (!colon || strchr(colon + 1, ':'))
    return false;
  bool fs_a = false, fs_b = false;
  if (!s_bound(text, (size_t)(colon - text), &fs_a, &w->first))
    return false;
  w->in_fs = fs_a;
  if (colon[1] == '\0') {
    w->end = UINT64_MAX;
    return true;
  }
  if (!s_bound(colon + 1, strlen(colon + 1), &fs_b, &w->end) || fs_a != fs_b)
    return false; /* one kind on both sides: 10us:12us or 100:200, not 10us:200 */
  return w->first < w->end;
}

void cpo_trace_window_cycles(const cpo_trace_window_t *w, const cpo_config_t *cfg, uint64_t *first,
                             uint64_t *end) {
  if (w->all) {
    *first = 0, *end = UINT64_MAX;
    return;
  }
  if (!w->in_fs) {
    *first = w->first, *end = w->end;
    return;
  }
  uint64_t num, den; /* fs per half cycle: a cycle is 2 * num / den fs */
  cpo_trace_fs_per_half_cycle(cfg, &num, &den);
  unsigned __int128 per = 2 * (unsigned __int128)num;
  *first = (uint64_t)(((unsigned __int128)w->first * den + per - 1) / per);
  *end = w->end == UINT64_MAX ? UINT64_MAX
                              : (uint64_t)(((unsigned __int128)w->end * den + per - 1) / per);
}

void cpo_trace_gtkw_path(const char *fst_path, char *out, size_t len) {
  size_t n = strlen(fst_path);
  int stem = n > 4 && strcmp(fst_path + n - 4, ".fst") == 0 ? (int)(n - 4) : (int)n;
  snprintf(out, len, "%.*s.gtkw", stem, fst_path);
}

/* ---- one file: the RTL's, each lane split out, the model's ------------------------------ */

/* The top's packed per-lane ports (both designs' names), and what each lane's slice is called. */
typedef enum { PER_HOST, PER_MEDIA } per_t;
static const struct {
  const char *port, *name;
  per_t per;
} s_splits[] = {
    {"media_tx_o", "tx_word", PER_MEDIA},  {"media_rx_i", "rx_word", PER_MEDIA},
    {"tx_data_o", "tx_word", PER_MEDIA},   {"rx_data_i", "rx_word", PER_MEDIA},
    {"lane_locked_o", "locked", PER_HOST}, {"lane_bits_o", "bits", PER_HOST},
    {"lane_errors_o", "errors", PER_HOST},
};
#define N_SPLITS (sizeof s_splits / sizeof s_splits[0])

typedef struct {
  uint64_t time;
  fstHandle handle;
  double value;
} model_change_t;

typedef struct {
  void *wr;
  uint64_t now;
  bool started;
  /* per RTL handle: the split it feeds (index + 1, 0: none) */
  uint8_t *split_of;
  fstHandle split_src[N_SPLITS];
  uint32_t split_len[N_SPLITS], split_lanes[N_SPLITS];
  fstHandle *split_dst[N_SPLITS]; /* [lane] */
  /* the model's changes, in time order, with the merged file's handles */
  model_change_t *model;
  size_t n_model, cap_model, next_model;
  fstHandle *model_map; /* model handle -> merged handle */
  char *slice;
} merge_t;

static void s_time(merge_t *m, uint64_t t) {
  if (!m->started || t > m->now)
    fstWriterEmitTimeChange(m->wr, t);
  m->started = true;
  m->now = t;
}

/* The model's changes before @p t (and at it, if @p at). */
static void s_model_until(merge_t *m, uint64_t t, bool at) {
  while (m->next_model < m->n_model) {
    const model_change_t *c = &m->model[m->next_model];
    if (c->time > t || (c->time == t && !at))
      break;
    s_time(m, c->time);
    fstWriterEmitValueChange(m->wr, c->handle, &c->value);
    m->next_model++;
  }
}

static void s_rtl_change(void *user, uint64_t t, fstHandle h, const unsigned char *v) {
  merge_t *m = user;
  if (!m->started || t > m->now) {
    s_model_until(m, t, false);
    s_time(m, t);
    s_model_until(m, t, true);
  }
  fstWriterEmitValueChange(m->wr, h, v);
  unsigned s = m->split_of[h];
  if (!s--)
    return;
  uint32_t w = m->split_len[s] / m->split_lanes[s];
  for (uint32_t l = 0; l < m->split_lanes[s]; l++) { /* MSB first: lane 0 is at the end */
    memcpy(m->slice, v + m->split_len[s] - (size_t)(l + 1) * w, w);
    fstWriterEmitValueChange(m->wr, m->split_dst[s][l], m->slice);
  }
}

static void s_rtl_change_varlen(void *user, uint64_t t, fstHandle h, const unsigned char *v,
                                uint32_t len) {
  merge_t *m = user;
  s_rtl_change(m, t, h, NULL == v ? (const unsigned char *)"" : v); /* keeps time in order */
  (void)len;
}

static void s_model_change(void *user, uint64_t t, fstHandle h, const unsigned char *v) {
  merge_t *m = user;
  if (m->n_model == m->cap_model) {
    size_t cap = m->cap_model ? 2 * m->cap_model : 4096;
    model_change_t *p = realloc(m->model, cap * sizeof *p);
    if (!p)
      return; /* out of memory: later samples are lost, the rest stands */
    m->model = p, m->cap_model = cap;
  }
  model_change_t *c = &m->model[m->n_model++];
  c->time = t;
  c->handle = m->model_map[h];
  memcpy(&c->value, v, sizeof c->value);
}

/* Copy @p rd's hierarchy into the writer; @p map (or NULL: handles stay as they are) gets each
 * variable's new handle. With @p m, the top's packed per-lane ports are noted. */
static void s_copy_hier(void *rd, void *wr, fstHandle *map, merge_t *m) {
  struct fstHier *h;
  int depth = 0;
  fstReaderIterateHierRewind(rd);
  while ((h = fstReaderIterateHier(rd))) {
    switch (h->htyp) {
    case FST_HT_SCOPE:
      depth++;
      fstWriterSetScope(wr, h->u.scope.typ, h->u.scope.name, h->u.scope.component);
      break;
    case FST_HT_UPSCOPE:
      depth--;
      fstWriterSetUpscope(wr);
      break;
    case FST_HT_ATTRBEGIN:
      fstWriterSetAttrBegin(wr, h->u.attr.typ, h->u.attr.subtype, h->u.attr.name, h->u.attr.arg);
      break;
    case FST_HT_ATTREND:
      fstWriterSetAttrEnd(wr);
      break;
    case FST_HT_VAR: {
      fstHandle alias = h->u.var.is_alias ? (map ? map[h->u.var.handle] : h->u.var.handle) : 0;
      fstHandle got = fstWriterCreateVar(wr, h->u.var.typ, h->u.var.direction, h->u.var.length,
                                         h->u.var.name, alias);
      if (map)
        map[h->u.var.handle] = got;
      if (!m || depth < 1 || depth > 2) /* the top's ports: in "top", or its instance */
        break;
      size_t base = strcspn(h->u.var.name, " [");
      for (size_t s = 0; s < N_SPLITS; s++)
        if (strlen(s_splits[s].port) == base &&
            strncmp(h->u.var.name, s_splits[s].port, base) == 0) {
          m->split_src[s] = h->u.var.is_alias ? h->u.var.handle : got; /* the one that changes */
          m->split_len[s] = h->u.var.length;
        }
      break;
    }
    default:
      break;
    }
  }
}

/* The scope "lanes": host<l> and media<l>, with each split port's slice. */
static bool s_split_vars(merge_t *m, uint32_t host_lanes, uint32_t media_lanes) {
  fstWriterSetScope(m->wr, FST_ST_VCD_MODULE, "lanes", NULL);
  for (per_t per = PER_HOST; per <= PER_MEDIA; per++) {
    uint32_t lanes = per == PER_HOST ? host_lanes : media_lanes;
    for (uint32_t l = 0; l < lanes; l++) {
      char scope[32];
      snprintf(scope, sizeof scope, "%s%u", per == PER_HOST ? "host" : "media", l);
      bool opened = false;
      for (size_t s = 0; s < N_SPLITS; s++) {
        if (s_splits[s].per != per || !m->split_src[s] || m->split_len[s] % lanes)
          continue;
        if (!m->split_dst[s] && !(m->split_dst[s] = calloc(lanes, sizeof(fstHandle))))
          return false;
        if (!opened)
          fstWriterSetScope(m->wr, FST_ST_VCD_MODULE, scope, NULL);
        opened = true;
        uint32_t w = m->split_len[s] / lanes;
        char name[48];
        if (w > 1)
          snprintf(name, sizeof name, "%s [%u:0]", s_splits[s].name, w - 1);
        else
          snprintf(name, sizeof name, "%s", s_splits[s].name);
        m->split_lanes[s] = lanes;
        m->split_dst[s][l] =
            fstWriterCreateVar(m->wr, FST_VT_VCD_WIRE, FST_VD_IMPLICIT, w, name, 0);
      }
      if (opened)
        fstWriterSetUpscope(m->wr);
    }
  }
  fstWriterSetUpscope(m->wr);
  return true;
}

static void s_merge_free(merge_t *m) {
  for (size_t s = 0; s < N_SPLITS; s++)
    free(m->split_dst[s]);
  free(m->split_of);
  free(m->model);
  free(m->model_map);
  free(m->slice);
}

/* @p width gets each split's bits per lane (0: not split). */
static cpo_status_t s_merge(const char *rtl_path, const char *model_path, const char *out,
                            uint32_t host_lanes, uint32_t media_lanes, uint32_t *width, char *why,
                            size_t len) {
  cpo_status_t rc = CPO_ERR_IO;
  merge_t m = {0};
  void *rd = fstReaderOpen(rtl_path), *md = model_path ? fstReaderOpen(model_path) : NULL;
  if (!rd || (model_path && !md)) {
    snprintf(why, len, "cannot read %s", !rd ? rtl_path : model_path);
    goto done;
  }
  if (md && fstReaderGetTimescale(md) != fstReaderGetTimescale(rd)) {
    snprintf(why, len, "%s and %s have different timescales", rtl_path, model_path);
    goto done;
  }
  m.wr = fstWriterCreate(out, 1);
  fstHandle rtl_max = fstReaderGetMaxHandle(rd);
  m.split_of = calloc((size_t)rtl_max + 1, 1);
  m.model_map = calloc((md ? fstReaderGetMaxHandle(md) : 0) + 1, sizeof(fstHandle));
  if (!m.wr || !m.split_of || !m.model_map) {
    snprintf(why, len, "cannot write %s", out);
    goto done;
  }
  fstWriterSetPackType(m.wr, FST_WR_PT_LZ4);
  fstWriterSetTimescale(m.wr, fstReaderGetTimescale(rd));
  fstWriterSetVersion(m.wr, "cpoemu: RTL, lanes and model on one time axis");
  s_copy_hier(rd, m.wr, NULL, &m);
  uint32_t longest = 0;
  for (size_t s = 0; s < N_SPLITS; s++)
    longest = m.split_len[s] > longest ? m.split_len[s] : longest;
  m.slice = calloc((size_t)longest + 1, 1);
  if (!m.slice || !s_split_vars(&m, host_lanes, media_lanes)) {
    snprintf(why, len, "out of memory");
    goto done;
  }
  for (size_t s = 0; s < N_SPLITS; s++)
    if (m.split_src[s] && m.split_dst[s])
      m.split_of[m.split_src[s]] = (uint8_t)(s + 1);
  if (md) {
    s_copy_hier(md, m.wr, m.model_map, NULL);
    fstReaderSetFacProcessMaskAll(md);
    fstReaderIterBlocksSetNativeDoublesOnCallback(md, 1);
    fstReaderIterBlocks(md, s_model_change, &m, NULL);
  }
  fstReaderSetFacProcessMaskAll(rd);
  fstReaderIterBlocksSetNativeDoublesOnCallback(rd, 1);
  fstReaderIterBlocks2(rd, s_rtl_change, s_rtl_change_varlen, &m, NULL);
  s_model_until(&m, UINT64_MAX, true);
  for (size_t s = 0; s < N_SPLITS; s++)
    width[s] = m.split_dst[s] ? m.split_len[s] / m.split_lanes[s] : 0;
  rc = CPO_OK;
done:
  if (m.wr)
    fstWriterClose(m.wr);
  if (rd)
    fstReaderClose(rd);
  if (md)
    fstReaderClose(md);
  s_merge_free(&m);
  if (rc != CPO_OK)
    unlink(out);
  return rc;
}

/* ---- the GTKWave save file -------------------------------------------------------------- */

/* The first scope under "top" (the design's instance), or "" if none. */
static void s_design_scope(const char *fst_path, char *out, size_t len) {
  out[0] = '\0';
  void *rd = fstReaderOpen(fst_path);
  if (!rd)
    return;
  struct fstHier *h;
  int depth = 0;
  while ((h = fstReaderIterateHier(rd)) && !out[0]) {
    if (h->htyp == FST_HT_SCOPE && ++depth == 2)
      snprintf(out, len, "%s", h->u.scope.name);
    else if (h->htyp == FST_HT_UPSCOPE)
      depth--;
  }
  fstReaderClose(rd);
}

/* A signal's name as GTKWave lists it: a vector with its range. */
static void s_sig(FILE *f, const char *name, uint32_t width) {
  if (width > 1)
    fprintf(f, "%s[%u:0]\n", name, width - 1);
  else
    fprintf(f, "%s\n", name);
}

/* A default view: the clock and reset, the D2D link, the bus, then per lane (the first 8) its
 * media words, lock and error count (@p width: the splits' bits per lane, 0 if not split), then
 * the model's quantities per lane (the first 4) as analog traces. */
static cpo_status_t s_write_gtkw(const char *fst_path, uint32_t host_lanes, uint32_t media_lanes,
                                 const uint32_t *width, bool model, char *why, size_t len) {
  char gtkw[1100], design[128], abs_fst[4096];
  cpo_trace_gtkw_path(fst_path, gtkw, sizeof gtkw);
  s_design_scope(fst_path, design, sizeof design);
  if (!realpath(fst_path, abs_fst))
    snprintf(abs_fst, sizeof abs_fst, "%s", fst_path);
  FILE *f = fopen(gtkw, "w");
  if (!f) {
    snprintf(why, len, "cannot write %s", gtkw);
    return CPO_ERR_IO;
  }
  fprintf(f,
          "[*] cpoemu: a default view of %s (File > Write Save File keeps your own)\n"
          "[dumpfile] \"%s\"\n[timestart] 0\n[size] 1600 1000\n[sst_expanded] 1\n"
          "[signals_width] 320\n[treeopen] top.\n[treeopen] lanes.\n",
          fst_path, abs_fst);
  const bool engine = strstr(design, "engine") != NULL;
  fprintf(f, "@28\ntop.clk_i\ntop.rst_ni\n");
  if (engine)
    fprintf(f,
            "@200\n-D2D link\n@24\ntop.%s.asic_state_o[4:0]\ntop.%s.oe_state_o[4:0]\n"
            "@28\ntop.%s.asic_link_up_o\ntop.%s.oe_link_up_o\n@22\ntop.%s.media_stream_o[%u:0]\n",
            design, design, design, design, design, media_lanes - 1);
  fprintf(f,
          "@200\n-Management bus\n@28\ntop.%s.psel_i\ntop.%s.pwrite_i\n@22\ntop.%s.paddr_i\n"
          "top.%s.pwdata_i[31:0]\ntop.%s.prdata_o[31:0]\n",
          design, design, design, design, design);
  fprintf(f, "@200\n-Media lanes (words at the analog boundary)\n@22\n");
  for (uint32_t l = 0; l < media_lanes && l < 8; l++)
    for (size_t s = 0; s < N_SPLITS; s++)
      if (s_splits[s].per == PER_MEDIA && width[s]) {
        char name[64];
        snprintf(name, sizeof name, "lanes.media%u.%s", l, s_splits[s].name);
        s_sig(f, name, width[s]);
      }
  fprintf(f, "@200\n-Host lanes (PRBS checkers)\n");
  for (uint32_t l = 0; l < host_lanes && l < 8; l++)
    for (size_t s = 0; s < N_SPLITS; s++)
      if (s_splits[s].per == PER_HOST && width[s] && strcmp(s_splits[s].name, "bits") != 0) {
        char name[64];
        snprintf(name, sizeof name, "lanes.host%u.%s", l, s_splits[s].name);
        fprintf(f, width[s] > 1 ? "@24\n" : "@28\n");
        s_sig(f, name, width[s]);
      }
  if (model) {
    fprintf(f, "@200\n-Model (SI units; detuning in pm)\n");
    static const char *const q[] = {"rx_power_w", "detuning_pm", "heater_w", "temp_k",
                                    "laser_power_w"};
    for (uint32_t l = 0; l < media_lanes && l < 4; l++)
      for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        fprintf(f, "@8420\nmodel.lane%u.%s\n@20000\n-\n", l, q[i]);
  }
  if (fclose(f) != 0) {
    snprintf(why, len, "cannot write %s", gtkw);
    return CPO_ERR_IO;
  }
  return CPO_OK;
}

cpo_status_t cpo_trace_finish(const char *rtl_path, const char *model_path, uint32_t host_lanes,
                              uint32_t media_lanes, char *why, size_t why_len) {
  char tmp[1100];
  snprintf(tmp, sizeof tmp, "%s.merging", rtl_path);
  if (model_path && access(model_path, R_OK) != 0)
    model_path = NULL; /* a model without analog quantities (the loopback) writes none */
  uint32_t width[N_SPLITS] = {0};
  cpo_status_t rc =
      s_merge(rtl_path, model_path, tmp, host_lanes, media_lanes, width, why, why_len);
  if (rc == CPO_OK && rename(tmp, rtl_path) != 0) {
    snprintf(why, why_len, "cannot replace %s: %s", rtl_path, strerror(errno));
    unlink(tmp);
    rc = CPO_ERR_IO;
  }
  if (rc == CPO_OK && model_path)
    unlink(model_path);
  char gwhy[1200];
  cpo_status_t g = s_write_gtkw(rtl_path, host_lanes, media_lanes, width,
                                rc == CPO_OK && model_path, gwhy, sizeof gwhy);
  if (rc == CPO_OK && g != CPO_OK)
    snprintf(why, why_len, "%s", gwhy);
  return rc != CPO_OK ? rc : g;
}
