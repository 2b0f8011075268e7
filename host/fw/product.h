/* The firmware's design table: what a product's firmware image is built with (its modulator,
 * laser drive, the monitors' design ratios and the operating point its characterisation chose),
 * one entry per shipped engine profile (model/profiles). Firmware-internal. */
#ifndef CPO_FW_PRODUCT_H
#define CPO_FW_PRODUCT_H

#include <stdbool.h>

typedef struct {
  const char *name;          /* the engine profile the image is built for */
  bool ring;                 /* micro-ring modulators (else Mach-Zehnder) */
  bool els;                  /* the lasers are an external source's (OIF ELSFP): the CMIS host
                                controls them through OE ELS_CTRL/ELS_SETPOINT (laser_ctl.h);
                                an engine without one never has those registers touched */
  double laser_nominal_a;    /* laser drive at the beginning of life: APC's reference is the
                                monitor power this gives once warm */
  double laser_check_a;      /* fibre check: a low drive, well below eye-safety limits, that must
                                show light at the lanes' taps before the ramp goes on */
  double laser_max_a;        /* APC never drives above this */
  double ring_bias_margin_v; /* ring reverse bias: half the driver swing plus this */
  /* Ring lock point: the drop/tap monitor ratio with the resonance the design detuning red of
   * the laser line (laser on the blue, self-heating-stable side), tests/fw checks it against
   * the ring model. */
  double ring_lock_ratio;
  double mzm_heater_rad_per_w; /* MZM phase heater efficiency */
  double heater_max_w;         /* the heater DAC's safe limit */
  double heater_step_w;        /* search step: about a fifth of the ring's linewidth */
} cpo_fw_product_t;

/** The design table of profile @p name; NULL if the firmware has none. */
const cpo_fw_product_t *cpo_fw_product_find(const char *name);

#endif /* CPO_FW_PRODUCT_H */
