/* Engine profiles: each a complete, named parameter set for a class of real optical engines.
 *   "mrm-els-8x200g" (default): micro-ring modulators fed by an external laser source split 1:8,
 *                    8 x 200G PAM4 (106.25 GBd), NVIDIA/TSMC-class 1.6T engine;
 *   "mzm-6.4t":      Mach-Zehnder engine of the 51.2T-switch class, 64 x 100G PAM4
 *                    (53.125 GBd), per-lane DFB lasers;
 *   "oif-3.2t":      the OIF 3.2T module, 8 x 400G PAM4 optical lanes (212.5 GBd), 32 host
 *                    lanes, Mach-Zehnder modulators, external laser source split 1:4.
 * A scenario may start from a profile and change single fields before creating the link. */
#ifndef CPO_PROFILE_H
#define CPO_PROFILE_H

#include <stdint.h>

#include "cpo/fibre.h"
#include "cpo/laser.h"
#include "cpo/mzm.h"
#include "cpo/receiver.h"
#include "cpo/ring.h"
#include "cpo/status.h"

typedef enum { CPO_MODULATOR_RING = 0, CPO_MODULATOR_MZM = 1 } cpo_modulator_t;

#define CPO_PROFILE_NAME_MAX 32

typedef struct {
  char name[CPO_PROFILE_NAME_MAX];
  const char *description;
  uint32_t lanes;      /* optical lanes per engine */
  uint32_t host_lanes; /* electrical host lanes (the RTL side; informational) */
  double baud_hz;
  uint32_t bits_per_symbol; /* 2: PAM4, 1: NRZ */
  cpo_modulator_t modulator;
  uint32_t lanes_per_laser;       /* 1: a laser per lane; N: one source split 1:N */
  double laser_split_excess_db;   /* splitter excess loss beyond 1/N */
  double laser_coupling_db;       /* laser (or ELS fibre) into the chip */
  double laser_nominal_current_a; /* bring-up set point */
  cpo_laser_params_t laser;
  cpo_ring_params_t ring;
  double ring_fab_offset_min_m; /* each ring's cold resonance lies this far ... */
  double ring_fab_offset_max_m; /* ... to this far below the laser line (uniform per ring) */
  double ring_detuning_fwhm;    /* bring-up operating point: laser this many FWHM blue of
                                   resonance (0.29 FWHM is the Lorentzian's steepest slope) */
  cpo_mzm_params_t mzm;
  double mzm_phase_spread_rad; /* per-MZM fabrication spread of phi_0 (uniform +-) */
  double driver_swing_v;       /* nominal peak-to-peak drive */
  double driver_bandwidth_hz;  /* driver + modulator electro-optic bandwidth (ring: the
                                  photon lifetime is added by the model) */
  cpo_fibre_params_t fibre;
  cpo_receiver_params_t receiver;
  double tap_ratio;             /* monitor tap before the modulator */
  double ambient_k;             /* default case temperature of the engine */
  double els_ambient_k;         /* external laser source (ELSFP at the faceplate): the
                                   ambient its lasers follow, apart from the engine's case;
                                   0 when the lasers sit on the engine (they follow
                                   ambient_k) */
  double adc_noise_lsb;         /* rms noise of the monitor ADCs */
  double electronics_latency_s; /* SerDes, driver, TIA and CDR latency on the path */
} cpo_profile_t;

/** Number of built-in profiles. */
uint32_t cpo_profile_count(void);
/** Name of built-in profile @p i (NULL past the end). */
const char *cpo_profile_name(uint32_t i);
/** The default profile's name. */
const char *cpo_profile_default_name(void);

/**
 * Fill @p out with the named profile (NULL or "" for the default).
 * @return CPO_OK; CPO_ERR_INVALID_ARG (unknown name: an error listing the known ones is
 *         logged through cpo_log), and then @p out is unchanged
 */
CPO_MUST_USE cpo_status_t cpo_profile_load(const char *name, cpo_profile_t *out);

#endif
