/* The fibres between the engines; see fibre_plant.h. */
#include "fibre_plant.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "cpo/log.h"

struct cpo_fibre_plant {
  uint32_t lanes_per_engine;
  double transmission; /* path power transmission */
  double xt_ratio;     /* adjacent-lane crosstalk */
  bool identity;
  uint32_t source[CPO_FIBRE_PLANT_MAX_LANES];
};

cpo_status_t cpo_fibre_plant_create(const cpo_fibre_plant_cfg_t *cfg, cpo_fibre_plant_t **out) {
  assert(cfg && cfg->fibre && cfg->feeds && out && cfg->engines >= 1);
  assert(cfg->lanes_per_engine >= 1 &&
         cfg->engines * cfg->lanes_per_engine <= CPO_FIBRE_PLANT_MAX_LANES);
  cpo_fibre_plant_t *fp = calloc(1, sizeof *fp);
  if (!fp)
    return CPO_ERR_NO_MEMORY;
  fp->lanes_per_engine = cfg->lanes_per_engine;
  fp->identity = true;
  bool fed[CPO_FIBRE_PLANT_MAX_LANES] = {false};
  for (uint32_t e = 0; e < cfg->engines; e++) {
    const uint32_t to = cfg->feeds[e];
    if (to >= cfg->engines || fed[to]) {
      cpo_log(CPO_LOG_ERROR, "cpo_fibre_plant",
              "engine %u's fibre: feeds engine %u, which "
              "is not an engine or already fed",
              e, to);
      free(fp);
      return CPO_ERR_INVALID_ARG;
    }
    fed[to] = true;
    fp->identity = fp->identity && to == e;
    for (uint32_t i = 0; i < cfg->lanes_per_engine; i++)
      fp->source[to * cfg->lanes_per_engine + i] = e * cfg->lanes_per_engine + i;
  }
  fp->transmission = cpo_fibre_transmission(cfg->fibre);
  fp->xt_ratio = cfg->fibre->crosstalk_db < 0.0 ? cpo_fibre_crosstalk_ratio(cfg->fibre) : 0.0;
  if (!isfinite(cfg->fibre->crosstalk_db))
    fp->xt_ratio = 0.0;
  *out = fp;
  return CPO_OK;
}

void cpo_fibre_plant_destroy(cpo_fibre_plant_t **fp) {
  if (!fp || !*fp)
    return;
  free(*fp);
  *fp = NULL;
}

uint32_t cpo_fibre_plant_source(const cpo_fibre_plant_t *fp, uint32_t rx_lane) {
  return fp->source[rx_lane];
}

bool cpo_fibre_plant_is_identity(const cpo_fibre_plant_t *fp) {
  return fp->identity;
}

bool cpo_fibre_plant_neighbour(const cpo_fibre_plant_t *fp, uint32_t tx_lane, int side,
                               uint32_t *nb_lane) {
  const uint32_t j = tx_lane % fp->lanes_per_engine;
  const bool exists = side == 0 ? j > 0 : j + 1 < fp->lanes_per_engine;
  if (!exists || !(fp->xt_ratio > 0.0))
    return false;
  *nb_lane = side == 0 ? tx_lane - 1 : tx_lane + 1;
  return true;
}

double cpo_fibre_plant_crosstalk_ratio(const cpo_fibre_plant_t *fp) {
  return fp->xt_ratio;
}

void cpo_fibre_plant_carry(const cpo_fibre_plant_t *fp, cpo_tx_lane_t *tx, uint32_t levels) {
  for (uint32_t k = 0; k < levels * levels; k++)
    tx->rx_w[k] = tx->launch_w[k] * fp->transmission;
}
