#include "model_trace.h"

#include <fstapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_file.h"

/* Per lane, in SI units as the names say (detuning in picometres reads better on a scale). */
enum { Q_LASER_W, Q_TX_W, Q_RX_W, Q_DETUNING_PM, Q_MZM_PHASE_RAD, Q_TEMP_K, Q_HEATER_W, Q_COUNT };
static const char *const s_names[Q_COUNT] = {"laser_power_w", "tx_power_w",    "rx_power_w",
                                             "detuning_pm",   "mzm_phase_rad", "temp_k",
                                             "heater_w"};

struct cpo_model_trace {
  void *fst;
  uint32_t lanes;
  fstHandle *vars;                 /* [lane][Q_COUNT] */
  uint64_t fs_num, fs_den;         /* fs per half cycle */
  uint64_t first_cycle, end_cycle; /* the window */
  double *before;                  /* the last grid point before the window: [lane][Q_COUNT] */
  bool have_before, started;
};

cpo_status_t cpo_model_trace_open(const char *path, uint32_t lanes, const cpo_config_t *cfg,
                                  const char *window, cpo_model_trace_t **out) {
  *out = NULL;
  cpo_trace_window_t w;
  if (!cpo_trace_window_parse(window ? window : "all", &w)) {
    fprintf(stderr, "cpoemu[model] error: bad trace window '%s'\n", window);
    return CPO_ERR_INVALID_ARG;
  }
  cpo_model_trace_t *t = calloc(1, sizeof *t);
  if (!t)
    return CPO_ERR_NO_MEMORY;
  t->fst = fstWriterCreate(path, 1);
  t->vars = calloc((size_t)lanes * Q_COUNT, sizeof *t->vars);
  t->before = calloc((size_t)lanes * Q_COUNT, sizeof *t->before);
  if (!t->fst || !t->vars || !t->before) {
    fprintf(stderr, "cpoemu[model] error: cannot create the model trace %s\n", path);
    if (t->fst)
      fstWriterClose(t->fst);
    free(t->vars);
    free(t->before);
    free(t);
    return CPO_ERR_IO;
  }
  t->lanes = lanes;
  cpo_trace_fs_per_half_cycle(cfg, &t->fs_num, &t->fs_den);
  cpo_trace_window_cycles(&w, cfg, &t->first_cycle, &t->end_cycle);
  fstWriterSetTimescale(t->fst, CPO_TRACE_TIMESCALE_EXP); /* the RTL trace's: real time, fs */
  fstWriterSetScope(t->fst, FST_ST_VCD_MODULE, "model", NULL);
  for (uint32_t l = 0; l < lanes; l++) {
    char scope[16];
    snprintf(scope, sizeof scope, "lane%u", l);
    fstWriterSetScope(t->fst, FST_ST_VCD_MODULE, scope, NULL);
    for (int q = 0; q < Q_COUNT; q++)
      t->vars[l * Q_COUNT + q] =
          fstWriterCreateVar(t->fst, FST_VT_VCD_REAL, FST_VD_IMPLICIT, 64, s_names[q], 0);
    fstWriterSetUpscope(t->fst);
  }
  fstWriterSetUpscope(t->fst);
  *out = t;
  return CPO_OK;
}

static void s_emit(cpo_model_trace_t *t, uint64_t cycle, const double *v) {
  fstWriterEmitTimeChange(t->fst, cpo_trace_fs(2 * cycle, t->fs_num, t->fs_den));
  for (size_t i = 0; i < (size_t)t->lanes * Q_COUNT; i++)
    fstWriterEmitValueChange(t->fst, t->vars[i], &v[i]);
  t->started = true;
}

/* A grid point before the window is kept: the window starts with the values then in force. */
void cpo_model_trace_sample(void *user, const cpo_link_trace_t *s) {
  cpo_model_trace_t *t = user;
  if (s->cycle >= t->end_cycle)
    return;
  if (!t->started && t->have_before && s->cycle > t->first_cycle)
    s_emit(t, t->first_cycle, t->before); /* the values in force when the window starts */
  double *v = t->before;
  for (uint32_t l = 0; l < t->lanes && l < s->lanes; l++) {
    double q[Q_COUNT] = {s->laser_power_w[l],     s->tx_power_w[l],    s->rx_power_w[l],
                         s->detuning_m[l] * 1e12, s->mzm_phase_rad[l], s->temp_k[l],
                         s->heater_w[l]};
    memcpy(&v[l * Q_COUNT], q, sizeof q);
  }
  if (s->cycle < t->first_cycle) {
    t->have_before = true;
    return;
  }
  s_emit(t, s->cycle, v);
}

void cpo_model_trace_close(cpo_model_trace_t **pt) {
  if (!pt || !*pt)
    return;
  fstWriterClose((*pt)->fst);
  free((*pt)->vars);
  free((*pt)->before);
  free(*pt);
  *pt = NULL;
}
