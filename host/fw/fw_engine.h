/* The engine as the bring-up firmware sees it (rtl/engine through the HAL): the OE controller's
 * converter bank (DAC and ADC windows, addressed by the channel names of
 * rtl/lanes/analog_channels.toml), its media-lane streaming switch, the ASIC's traffic
 * counters and the D2D endpoints' status. Nothing here reads the run's configuration: what the
 * firmware knows of the engine it reads from the engine's registers, or from its product table
 * (product.h). Firmware-internal, not an interface. */
#ifndef CPO_FW_ENGINE_H
#define CPO_FW_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/addrmap.h"
#include "cpo/analog_channels.h"
#include "cpo/hal.h"
#include "product.h"

#define CPO_FW_MAX_LANES 64u    /* media lanes (STREAM_EN_LO/HI) */
#define CPO_FW_MAX_MODULES 2u   /* D2D modules (cpo_engine_top) */
#define CPO_FW_MAX_ELS_LANES 8u /* OE ELS_SETPOINT: an external source's lasers */

/* What the firmware keeps per media lane. */
typedef struct {
  bool lit;            /* the fibre check saw light at this lane's tap */
  bool light;          /* its laser's last fibre check (bring-up, adoption, a re-ramp) saw light
                          at this lane's tap: what a calibration may count on (dpinit.c) */
  bool dark;           /* its ELS lane is off (disabled by the CMIS host, or no light after a
                          re-ramp): lock and tracking leave it, its heater as it was */
  bool locked;         /* modulator at its operating point */
  double heater_w;     /* the heater DAC as last written */
  double bias_v;       /* the bias DAC as last written */
  double ratio;        /* last monitor ratio (ring: drop/tap; MZM: dump/tap) */
  double slope;        /* d ratio / d heater (1/W) measured near the lock point; 0: none yet */
  double slope_dh;     /* the heater's last move (W), for the slope */
  double peak;         /* the highest ratio the search has seen */
  uint32_t state;      /* the lock algorithm's state (ring_lock.c, mzm_bias.c) */
  uint32_t relocks;    /* lock lost and found again since bring-up */
  double lock_ratio;   /* the ratio the lock holds: the product's, or the one found on adoption */
  uint64_t lost_cycle; /* when it fell off its lock (0: not off) */
  double thr[3];       /* RX slicer thresholds (eye units): lo, mid, hi */
  double rx_ffe;       /* RX FFE post-cursor */
} cpo_fw_lane_t;

#define CPO_FW_RELOCK_LOG 16u /* relocks recorded with their times (later ones only counted) */

/* A ring that fell off its line and locked again. */
typedef struct {
  uint32_t lane;
  uint64_t lost_cycle, back_cycle;
} cpo_fw_relock_t;

/* The external laser source as the CMIS host set it (OE ELS_CTRL, ELS_SETPOINT) and as the
 * firmware reports it (ELS_STATUS); ELS lane k is laser k. Read only on a product with one
 * (product.h: els), so an engine without one sees no access to these registers. */
typedef struct {
  uint32_t lanes;                          /* ELS_CONFIG.LANES; 0: none, the rest unused */
  uint32_t ctrl;                           /* ELS_CTRL as last read */
  uint32_t setpoint[CPO_FW_MAX_ELS_LANES]; /* ELS_SETPOINT as last read */
  uint32_t status;                         /* ELS_STATUS as last written, or found at adoption */
  /* in service: the lanes found disabled and not yet ON again (bit k: lane k), how often each
   * was ramped again after the host disabled it, when the supervisor last found it disabled, and
   * when its ramp last ended ON (cycles) */
  uint32_t went_dark;
  uint32_t relit[CPO_FW_MAX_ELS_LANES];
  uint64_t dark_cycle[CPO_FW_MAX_ELS_LANES], lit_cycle[CPO_FW_MAX_ELS_LANES];
} cpo_fw_els_t;

/* The firmware's working state for one engine. */
typedef struct {
  cpo_hal_t *hal;
  const cpo_fw_product_t *product;
  uint32_t lanes;           /* media lanes (OE CONFIG) */
  uint32_t host_lanes;      /* host lanes (OE CONFIG): host_lanes / lanes per media lane */
  uint32_t lasers;          /* lasers that answer (a laser that does not exist reads 0 K) */
  uint32_t modules;         /* D2D modules (OE D2D) */
  uint64_t deadline_cycles; /* bring-up gives up (CPO_ERR_TIMEOUT) rather than pass this */
  double apc_target_w[CPO_FW_MAX_LANES]; /* per laser: the power APC holds (0: no APC) */
  double nominal_w[CPO_FW_MAX_LANES];    /* per laser: its warm power at the nominal drive, as
                                            bring-up measured it (adoption: as found) */
  double laser_current_a[CPO_FW_MAX_LANES];
  cpo_fw_els_t els;
  cpo_fw_lane_t lane[CPO_FW_MAX_LANES];
  double track_err_rel;         /* worst |ratio - lock| / lock of the last tracking round's lanes */
  double worst_track_err_rel;   /* the worst track_err_rel of any round since bring-up */
  uint32_t relocks_done;        /* rings locked again after falling off in service */
  uint32_t relocks_logged;      /* entries of relock_log (at most its size) */
  uint64_t worst_relock_cycles; /* the longest time a ring was off its lock */
  cpo_fw_relock_t relock_log[CPO_FW_RELOCK_LOG]; /* the first relocks, in order */
  char why[240]; /* the first failure, naming the lane or laser and the cause */
} cpo_fw_engine_t;

/** Read what the engine is (OE CONFIG and D2D) into @p e. */
CPO_MUST_USE cpo_status_t cpo_fw_engine_probe(cpo_fw_engine_t *e, cpo_hal_t *hal);
/** Count the lasers that answer (laser_temp above 0 K), once the monitors have converted. */
CPO_MUST_USE cpo_status_t cpo_fw_engine_count_lasers(cpo_fw_engine_t *e);

/** Address of DAC @p ch of lane (or laser) @p index in the OE's DAC window. */
uint32_t cpo_fw_dac_addr(cpo_dac_channel_t ch, uint32_t index);

/** The engine address of OE controller register @p offset (cpo/oe_regs.h). */
#define CPO_FW_OE_MGMT(offset) (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE + (offset))

/** Address of ADC @p ch of lane (or laser) @p index in the OE's ADC window. */
uint32_t cpo_fw_adc_addr(cpo_adc_channel_t ch, uint32_t index);
/** Write DAC @p ch of @p index to the code nearest @p value (SI units). */
CPO_MUST_USE cpo_status_t cpo_fw_dac_write(cpo_fw_engine_t *e, cpo_dac_channel_t ch, uint32_t index,
                                           double value);
/** Read DAC @p ch of @p index back, in SI units. */
CPO_MUST_USE cpo_status_t cpo_fw_dac_read(cpo_fw_engine_t *e, cpo_dac_channel_t ch, uint32_t index,
                                          double *value);
/** Read ADC @p ch of @p index, in SI units. */
CPO_MUST_USE cpo_status_t cpo_fw_adc_read(cpo_fw_engine_t *e, cpo_adc_channel_t ch, uint32_t index,
                                          double *value);

/** Let @p us microseconds pass; CPO_ERR_TIMEOUT (nothing slept) if that would pass the
 * deadline. */
CPO_MUST_USE cpo_status_t cpo_fw_wait_us(cpo_fw_engine_t *e, double us);
/** Wait until the monitor ADCs show the effect of a DAC write made now: the converters'
 * latency both ways, the heater's settling and one conversion period. */
CPO_MUST_USE cpo_status_t cpo_fw_wait_monitors(cpo_fw_engine_t *e);

/** Stream the media lanes in @p mask_lo / @p mask_hi (bits of STREAM_EN_LO/HI); 0 parks. */
CPO_MUST_USE cpo_status_t cpo_fw_stream(cpo_fw_engine_t *e, uint32_t mask_lo, uint32_t mask_hi);
/** Stream every media lane. */
CPO_MUST_USE cpo_status_t cpo_fw_stream_all(cpo_fw_engine_t *e);

/** Zero every host lane's PRBS counters on the ASIC. */
CPO_MUST_USE cpo_status_t cpo_fw_counters_clear(cpo_fw_engine_t *e);
/** Bits and errors counted on the host lanes of media lane @p lane since the last clear. */
CPO_MUST_USE cpo_status_t cpo_fw_counters_read(cpo_fw_engine_t *e, uint32_t lane, uint64_t *bits,
                                               uint64_t *errors);

/** Record the first failure in e->why (later ones are dropped) and return @p rc. */
cpo_status_t cpo_fw_engine_fail(cpo_fw_engine_t *e, cpo_status_t rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* CPO_FW_ENGINE_H */
