/* One optical engine: its lasers (on the engine or in an external laser source), the ring or
 * Mach-Zehnder modulator of each TX lane, the receiver of each RX lane, the tap/drop monitors,
 * its DAC registers and its monitor ADC converters. The link composes N engines and one fibre
 * plant; an engine knows nothing of the fibres or of the other engines. Lanes and lasers are
 * numbered from 0 within the engine. Private to the model library. */
#ifndef CPO_MODEL_ENGINE_H
#define CPO_MODEL_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/analog_channels.h"
#include "cpo/laser.h"
#include "cpo/mzm.h"
#include "cpo/profile.h"
#include "cpo/ring.h"
#include "cpo/status.h"
#include "lane.h"

#define CPO_ENGINE_MAX_LANES 128

/* Settle a first-order state: one step far longer than its time constant lands on the target. */
#define CPO_ENGINE_SETTLE_S 1.0

typedef struct {
  const cpo_profile_t *prof; /* borrowed: must outlive the engine */
  uint32_t lanes;            /* 1..CPO_ENGINE_MAX_LANES */
  uint32_t first_lane;       /* its first lane in the link's numbering: the random streams' ids */
  uint32_t levels;           /* 2 or 4 */
  const double *level_amp;   /* drive amplitude per level, -1..1 (borrowed) */
  uint64_t seed;
  double ambient_k;       /* the engine's case */
  double laser_ambient_k; /* its lasers' (the external source's faceplate when they are apart) */
} cpo_engine_cfg_t;

typedef struct cpo_engine cpo_engine_t;

/** Lasers of an external source (ELSFP) sit in the faceplate: they follow their own ambient,
 *  not the engine's case. */
static inline bool cpo_engine_lasers_external(const cpo_profile_t *prof) {
  return prof->els_ambient_k > 0.0;
}

/** Create the engine at power-on: lasers off, heaters and bias 0, nominal driver swing and
 *  evenly spaced slicer thresholds. Its rings carry a per-ring
 *  fabrication offset drawn from the seed's stream for each lane.
 *  @param[out] out unchanged on error */
CPO_MUST_USE cpo_status_t cpo_engine_create(const cpo_engine_cfg_t *cfg, cpo_engine_t **out);
/** Free the engine; sets *e = NULL; safe twice. */
void cpo_engine_destroy(cpo_engine_t **e);

const cpo_profile_t *cpo_engine_profile(const cpo_engine_t *e);
uint32_t cpo_engine_levels(const cpo_engine_t *e);
const double *cpo_engine_level_amp(const cpo_engine_t *e);
uint32_t cpo_engine_lanes(const cpo_engine_t *e);
uint32_t cpo_engine_lasers(const cpo_engine_t *e);
/** The laser feeding lane @p lane. */
uint32_t cpo_engine_laser_of(const cpo_engine_t *e, uint32_t lane);
cpo_laser_t *cpo_engine_laser(const cpo_engine_t *e, uint32_t laser);
/** The lane's modulator: a ring (NULL for an MZM engine) or an MZM (NULL for a ring engine). */
cpo_ring_t *cpo_engine_ring(const cpo_engine_t *e, uint32_t lane);
cpo_mzm_t *cpo_engine_mzm(const cpo_engine_t *e, uint32_t lane);
cpo_tx_lane_t *cpo_engine_tx(cpo_engine_t *e, uint32_t lane);
cpo_rx_lane_t *cpo_engine_rx(cpo_engine_t *e, uint32_t lane);

/** DAC register @p ch of lane (or laser, for per-laser channels) @p index: its code, and in SI. */
uint16_t cpo_engine_dac(const cpo_engine_t *e, uint32_t ch, uint32_t index);
double cpo_engine_dac_si(const cpo_engine_t *e, uint32_t ch, uint32_t index);
void cpo_engine_set_dac(cpo_engine_t *e, uint32_t ch, uint32_t index, uint16_t code);
void cpo_engine_set_dac_si(cpo_engine_t *e, uint32_t ch, uint32_t index, double value);
/** Push the DAC registers into the lasers' currents and the modulators' heaters. */
void cpo_engine_apply_dacs(cpo_engine_t *e);

/** Faults (cpo/link_fault.h): laser @p laser dark for good, whatever its current DAC; lane
 *  @p lane's heater open, whatever its DAC. Both act from the next cpo_engine_apply_dacs. */
void cpo_engine_fail_laser(cpo_engine_t *e, uint32_t laser);
void cpo_engine_fail_heater(cpo_engine_t *e, uint32_t lane);

/** The case temperature: moves the modulators, and the lasers unless they are external. */
void cpo_engine_set_ambient(cpo_engine_t *e, double temp_k);
/** The lasers' ambient alone (an external source's faceplate). */
void cpo_engine_set_laser_ambient(cpo_engine_t *e, double temp_k);
/** Integrate the slow state (laser junctions, modulator temperatures) over @p dt_s, with each
 *  ring heated by what it absorbed in the interval just ended. */
void cpo_engine_step(cpo_engine_t *e, double dt_s);

/** The same over a parked step, which may be as long as the ring's thermal time constant:
 *  each ring's self-heating taken implicitly, linearised about the interval just ended
 *  (cpo_engine_absorbed_slopes), so that its loop settles instead of cycling. */
void cpo_engine_step_parked(cpo_engine_t *e, double dt_s);

/** Whether any slow input of the eyes (laser power and line, ring thermal shift, MZM heater
 *  phase) moved beyond the tolerances since cpo_engine_record_inputs. */
bool cpo_engine_inputs_moved(const cpo_engine_t *e);
void cpo_engine_record_inputs(cpo_engine_t *e);

/** The power ratios of the laser-to-lane path (split excess and coupler) and of the
 *  modulator's insertion loss, kept from the profile. */
double cpo_engine_coupling_ratio(const cpo_engine_t *e);
double cpo_engine_mod_il_ratio(const cpo_engine_t *e);
/** Laser power reaching lane @p lane's tap: the laser's share after split and coupling. */
double cpo_engine_lane_input_w(const cpo_engine_t *e, uint32_t lane);
/** Rebuild every TX lane's light for the current state (engine_tx.c); the fibre plant then
 *  carries it to the receivers. Without @p for_eyes (a parked step) the modulators' response
 *  times, which only the eyes use, are left as they were. */
void cpo_engine_build_tx(cpo_engine_t *e, bool for_eyes);
/** After cpo_engine_build_tx: each ring lane's absorbed power's slope against its thermal
 *  shift, for cpo_engine_step_parked. */
void cpo_engine_absorbed_slopes(cpo_engine_t *e);

/** The modulator's temperature (a ring's own; an MZM sits at the case temperature). */
double cpo_engine_mod_temp_k(const cpo_engine_t *e, uint32_t lane);
/** The heater power applied to the lane's modulator. */
double cpo_engine_heater_w(const cpo_engine_t *e, uint32_t lane);
/** The converter's code for ADC channel @p ch of lane (or laser) @p index, with @p noise a
 *  standard normal sample for the converter's noise. */
uint16_t cpo_engine_adc_convert(const cpo_engine_t *e, uint32_t ch, uint32_t index, double noise);
/** Every lane's (or laser's) code of ADC channel @p ch at once, as cpo_engine_adc_convert
 *  gives them: index k with noise[k] into codes[k]; returns how many (lanes or lasers). */
uint32_t cpo_engine_adc_convert_all(const cpo_engine_t *e, uint32_t ch, const double *noise,
                                    uint16_t *codes);

#endif /* CPO_MODEL_ENGINE_H */
