#include "model_trace.h"

#include <fstapi.h>
#include <stdio.h>
#include <stdlib.h>

/* Per lane, in SI units as the names say (detuning in picometres reads better on a scale). */
enum { Q_LASER_W, Q_TX_W, Q_RX_W, Q_DETUNING_PM, Q_MZM_PHASE_RAD, Q_TEMP_K, Q_HEATER_W, Q_COUNT };
static const char *const s_names[Q_COUNT] = {"laser_power_w", "tx_power_w",    "rx_power_w",
                                             "detuning_pm",   "mzm_phase_rad", "temp_k",
                                             "heater_w"};

struct cpo_model_trace {
  void *fst;
  uint32_t lanes;
  fstHandle *vars; /* [lane][Q_COUNT] */
};

cpo_status_t cpo_model_trace_open(const char *path, uint32_t lanes, cpo_model_trace_t **out) {
  *out = NULL;
  cpo_model_trace_t *t = calloc(1, sizeof *t);
  if (!t)
    return CPO_ERR_NO_MEMORY;
  t->fst = fstWriterCreate(path, 1);
  t->vars = calloc((size_t)lanes * Q_COUNT, sizeof *t->vars);
  if (!t->fst || !t->vars) {
    fprintf(stderr, "cpoemu[model] error: cannot create the model trace %s\n", path);
    if (t->fst)
      fstWriterClose(t->fst);
    free(t->vars);
    free(t);
    return CPO_ERR_IO;
  }
  t->lanes = lanes;
  fstWriterSetTimescale(t->fst, -12); /* the RTL trace's unit; 2 units per datapath cycle */
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

void cpo_model_trace_sample(void *user, const cpo_link_trace_t *s) {
  cpo_model_trace_t *t = user;
  fstWriterEmitTimeChange(t->fst, s->cycle * 2);
  for (uint32_t l = 0; l < t->lanes && l < s->lanes; l++) {
    double v[Q_COUNT] = {s->laser_power_w[l],     s->tx_power_w[l],    s->rx_power_w[l],
                         s->detuning_m[l] * 1e12, s->mzm_phase_rad[l], s->temp_k[l],
                         s->heater_w[l]};
    for (int q = 0; q < Q_COUNT; q++)
      fstWriterEmitValueChange(t->fst, t->vars[l * Q_COUNT + q], &v[q]);
  }
}

void cpo_model_trace_close(cpo_model_trace_t **pt) {
  if (!pt || !*pt)
    return;
  fstWriterClose((*pt)->fst);
  free((*pt)->vars);
  free(*pt);
  *pt = NULL;
}
