/* The fibre plant between the engines: which engine's TX fibre reaches which engine's
 * receivers, the path's transmission, and the adjacent-lane crosstalk within a fibre. Each
 * engine's TX lanes go, lane i to lane i, to the receivers of the engine it feeds: the feeds
 * form a permutation of the engines (loopback: engine 0 feeds itself; two engines
 * cross-connected: 0 feeds 1 and 1 feeds 0). Lanes are numbered as in the link: engine e's
 * lane i is e * lanes_per_engine + i. Private to the model library. */
#ifndef CPO_MODEL_FIBRE_PLANT_H
#define CPO_MODEL_FIBRE_PLANT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/fibre.h"
#include "cpo/status.h"
#include "lane.h"

#define CPO_FIBRE_PLANT_MAX_LANES 128

typedef struct {
  const cpo_fibre_params_t *fibre; /* every path's fibre (copied) */
  uint32_t engines;
  uint32_t lanes_per_engine; /* engines x lanes_per_engine <= CPO_FIBRE_PLANT_MAX_LANES */
  const uint32_t *feeds;     /* [engines]: the engine whose receivers engine e's TX reaches */
} cpo_fibre_plant_cfg_t;

typedef struct cpo_fibre_plant cpo_fibre_plant_t;

/** @param[out] out unchanged on error
 *  @return CPO_OK; CPO_ERR_INVALID_ARG (feeds not a permutation); CPO_ERR_NO_MEMORY */
CPO_MUST_USE cpo_status_t cpo_fibre_plant_create(const cpo_fibre_plant_cfg_t *cfg,
                                                 cpo_fibre_plant_t **out);
/** Free the plant; sets *fp = NULL; safe twice. */
void cpo_fibre_plant_destroy(cpo_fibre_plant_t **fp);

/** The TX lane whose light reaches RX lane @p rx_lane. */
uint32_t cpo_fibre_plant_source(const cpo_fibre_plant_t *fp, uint32_t rx_lane);
/** Whether every RX lane sees its own lane's TX (a loopback). */
bool cpo_fibre_plant_is_identity(const cpo_fibre_plant_t *fp);
/** Whether the TX lane beside @p tx_lane in its fibre (side 0 below, 1 above) exists and leaks
 *  light into the receiver @p tx_lane reaches; @p nb_lane is set to it when it does. */
bool cpo_fibre_plant_neighbour(const cpo_fibre_plant_t *fp, uint32_t tx_lane, int side,
                               uint32_t *nb_lane);
/** Adjacent-lane crosstalk as a power ratio (0 when the profile has none). */
double cpo_fibre_plant_crosstalk_ratio(const cpo_fibre_plant_t *fp);
/** Carry a TX lane's launched light to its far receiver: sets @p tx's rx_w. */
void cpo_fibre_plant_carry(const cpo_fibre_plant_t *fp, cpo_tx_lane_t *tx, uint32_t levels);

#endif /* CPO_MODEL_FIBRE_PLANT_H */
