/* Engine profiles: each a complete, named parameter set for a class of real optical engines,
 * written as data: one INI file per profile. The shipped ones are model/profiles/<name>.ini,
 * built into the library (so a build tree, a fresh clone's build and an installed program all
 * find them); a user's own file is read by path. model/profiles/README.md lists every key.
 *   "mrm-els-8x200g" (default): micro-ring modulators fed by an external laser source split 1:8,
 *                    8 x 200G PAM4 (106.25 GBd), NVIDIA/TSMC-class 1.6T engine;
 *   "mzm-6.4t":      Mach-Zehnder engine of the 51.2T-switch class, 64 x 100G PAM4
 *                    (53.125 GBd), per-lane DFB lasers;
 *   "oif-3.2t":      the OIF 3.2T module, 8 x 400G PAM4 optical lanes (212.5 GBd), 32 host
 *                    lanes, Mach-Zehnder modulators, external laser source split 1:4.
 * A scenario may start from a profile and change single fields before creating the link. */
#ifndef CPO_PROFILE_H
#define CPO_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/fibre.h"
#include "cpo/laser.h"
#include "cpo/mzm.h"
#include "cpo/receiver.h"
#include "cpo/ring.h"
#include "cpo/status.h"

typedef enum { CPO_MODULATOR_RING = 0, CPO_MODULATOR_MZM = 1 } cpo_modulator_t;

#define CPO_PROFILE_NAME_MAX 32
#define CPO_PROFILE_DESCRIPTION_MAX 128
#define CPO_PROFILE_PATH_MAX 512

typedef struct {
  char name[CPO_PROFILE_NAME_MAX];
  char description[CPO_PROFILE_DESCRIPTION_MAX];
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
  double mgmt_bus_clock_hz;     /* CMIS management bus: its bit clock (two-wire SCL, I3C SDR) */
  double mgmt_header_clock_hz;  /* that of a frame's START and address header (I3C: open drain) */
  double adc_noise_lsb;         /* rms noise of the monitor ADCs */
  double electronics_latency_s; /* SerDes, driver, TIA and CDR latency on the path */
} cpo_profile_t;

/** Where a profile came from: a shipped one, or a user's file. */
typedef struct {
  bool shipped;                    /* one of model/profiles/ */
  char path[CPO_PROFILE_PATH_MAX]; /* its file (shipped: as in the source tree) */
  uint64_t content_hash;           /* FNV-1a 64 of the file's bytes: what a result is traced to */
} cpo_profile_source_t;

/** Number of shipped profiles. */
uint32_t cpo_profile_count(void);
/** Name of shipped profile @p i (NULL past the end). */
const char *cpo_profile_name(uint32_t i);
/** The default profile's name. */
const char *cpo_profile_default_name(void);
/** The shipped profiles' names, comma separated, into @p out. */
void cpo_profile_names(char *out, size_t len);

/**
 * Fill @p out with the named shipped profile (NULL or "" for the default).
 * @return CPO_OK; CPO_ERR_INVALID_ARG (unknown name: an error listing the known ones is
 *         logged through cpo_log), and then @p out is unchanged
 */
CPO_MUST_USE cpo_status_t cpo_profile_load(const char *name, cpo_profile_t *out);

/** True if @p spec names a file rather than a shipped profile: it has a '/' or ends in ".ini". */
bool cpo_profile_is_path(const char *spec);

/**
 * Fill @p out from @p spec: a shipped profile's name, or the path of a profile file (see
 * cpo_profile_is_path). Every key of the reference must be given once, in its section, within its
 * physical range; @p src (may be NULL) says where it came from.
 * @return CPO_OK; CPO_ERR_INVALID_ARG (unknown name: @p why lists the shipped ones);
 *         CPO_ERR_IO (unreadable file); CPO_ERR_PARSE (@p why: "FILE:LINE: key = value: reason",
 *         or "FILE: ... missing"); @p out unchanged on error
 */
CPO_MUST_USE cpo_status_t cpo_profile_open(const char *spec, cpo_profile_t *out,
                                           cpo_profile_source_t *src, char *why, size_t why_len);

/** Parse profile text @p text (@p len bytes), named @p path in errors, as cpo_profile_open. */
CPO_MUST_USE cpo_status_t cpo_profile_parse(const char *text, size_t len, const char *path,
                                            cpo_profile_t *out, char *why, size_t why_len);

/** Write @p p as a profile file (every key, in the reference's order) to @p f. */
void cpo_profile_write(const cpo_profile_t *p, FILE *f);

/** Write the reference of the keys (Markdown: section, key, unit, range, meaning) to @p f. */
void cpo_profile_write_reference(FILE *f);

#endif
