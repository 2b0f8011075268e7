/* An engine without its RTL, for firmware tests: see fw_model_hal.h. */
#include "fw_model_hal.h"

#include <stdlib.h>
#include <string.h>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/d2d_regs.h"
#include "cpo/lanes_afe.h"
#include "cpo/oe_regs.h"
#include "cpo/profile.h"
#include "cpo/traffic_regs.h"

#define OE_MGMT(offset) (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE + (offset))
#define TRAFFIC(offset) (CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + (offset))
#define DAC_BASE (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_DAC_BASE)
#define ADC_BASE (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADC_BASE)
#define CHUNK 1024u
#define SYMBOLS_PER_CYCLE 8u

struct cpo_fw_model_hal {
  cpo_config_t cfg;
  cpo_link_t *link;
  cpo_link_info_t info;
  uint64_t now;
  uint64_t stream_en; /* STREAM_EN_HI:LO */
  uint64_t parked;    /* lanes parked (bit per lane) */
  uint64_t dark_taps; /* lanes whose tap reads no light */
  uint16_t dac[CPO_DAC_COUNT][CPO_LINK_MAX_LANES];
  uint64_t streamed[CPO_LINK_MAX_LANES]; /* cycles streamed since the counters' clear */
  uint64_t errs_at_clear[CPO_LINK_MAX_LANES];
  uint64_t rng;
  uint64_t *tx, *rx;

  uint64_t dp_init, dp_active, cal_done, tx_lol; /* CMIS's data paths, played by the test */

  /* The external laser source as the engine shows it (OE ELS_*), its CMIS host played by the
   * test; els_lanes 0 (a profile whose lasers sit on the engine): every ELS register reads 0. */
  uint32_t els_lanes;                     /* ELS_CONFIG */
  uint32_t els_enable, els_power_mode;    /* ELS_CTRL (ro) */
  uint32_t els_changed, els_was_disabled; /* ELS_CTRL (w1c): SETPOINT_CHANGED, WAS_DISABLED */
  uint32_t els_status;                    /* ELS_STATUS (rws) */
  uint32_t els_setpoint[CPO_OE_ELS_SETPOINT_COUNT];
};

static uint64_t s_next(cpo_fw_model_hal_t *m) { /* xorshift64: any traffic will do */
  m->rng ^= m->rng << 13;
  m->rng ^= m->rng >> 7;
  m->rng ^= m->rng << 17;
  return m->rng;
}

static bool s_window(uint32_t addr, uint32_t base, uint32_t *ch, uint32_t *idx) {
  if (addr < base || addr >= base + CPO_LANES_AFE_CH_STRIDE * 16)
    return false;
  *ch = (addr - base) / CPO_LANES_AFE_CH_STRIDE;
  *idx = (addr - base) % CPO_LANES_AFE_CH_STRIDE / CPO_LANES_AFE_INDEX_STRIDE;
  return true;
}

/* Whether @p addr is ELS_SETPOINT[i]. */
static bool s_els_setpoint(uint32_t addr, uint32_t *i) {
  for (*i = 0; *i < CPO_OE_ELS_SETPOINT_COUNT; ++*i)
    if (addr == OE_MGMT(CPO_OE_ELS_SETPOINT_OFFSET_N(*i)))
      return true;
  return false;
}

static cpo_status_t s_read(void *self, uint32_t addr, uint32_t *data) {
  cpo_fw_model_hal_t *m = self;
  const uint32_t lanes = m->info.lanes;
  uint32_t ch, idx;
  *data = 0;
  if (addr == OE_MGMT(CPO_OE_ELS_CTRL_OFFSET)) {
    if (m->els_lanes)
      *data = m->els_enable << CPO_OE_ELS_CTRL_ENABLE_SHIFT |
              m->els_power_mode << CPO_OE_ELS_CTRL_POWER_MODE_SHIFT |
              m->els_changed << CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT |
              m->els_was_disabled << CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT;
  } else if (addr == OE_MGMT(CPO_OE_ELS_CONFIG_OFFSET)) {
    *data = m->els_lanes << CPO_OE_ELS_CONFIG_LANES_SHIFT;
  } else if (addr == OE_MGMT(CPO_OE_ELS_STATUS_OFFSET)) {
    *data = m->els_status;
  } else if (s_els_setpoint(addr, &idx)) {
    *data = idx < m->els_lanes ? m->els_setpoint[idx] : 0;
  } else if (addr == OE_MGMT(CPO_OE_CONFIG_OFFSET)) {
    const uint32_t bits = SYMBOLS_PER_CYCLE * m->info.bits_per_symbol;
    *data = lanes << CPO_OE_CONFIG_HOST_LANES_SHIFT | lanes << CPO_OE_CONFIG_MEDIA_LANES_SHIFT |
            bits << CPO_OE_CONFIG_HOST_WORD_BITS_SHIFT |
            bits << CPO_OE_CONFIG_MEDIA_WORD_BITS_SHIFT;
  } else if (addr == OE_MGMT(CPO_OE_CAL_REQ_LO_OFFSET) ||
             addr == OE_MGMT(CPO_OE_CAL_REQ_HI_OFFSET)) {
    const uint64_t req = m->dp_init & ~m->cal_done;
    *data = (uint32_t)(addr == OE_MGMT(CPO_OE_CAL_REQ_HI_OFFSET) ? req >> 32 : req);
  } else if (addr == OE_MGMT(CPO_OE_DP_ACTIVE_LO_OFFSET) ||
             addr == OE_MGMT(CPO_OE_DP_ACTIVE_HI_OFFSET)) {
    *data =
        (uint32_t)(addr == OE_MGMT(CPO_OE_DP_ACTIVE_HI_OFFSET) ? m->dp_active >> 32 : m->dp_active);
  } else if (addr == OE_MGMT(CPO_OE_D2D_OFFSET)) {
    *data = 1u << CPO_OE_D2D_MODULES_SHIFT;
  } else if (addr == CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE + CPO_D2D_STATUS_OFFSET) {
    *data = CPO_D2D_LTSM_STATE_ACTIVE << CPO_D2D_STATUS_STATE_SHIFT | CPO_D2D_STATUS_LINK_UP_MASK;
  } else if (s_window(addr, DAC_BASE, &ch, &idx)) {
    *data = ch < CPO_DAC_COUNT && idx < CPO_LINK_MAX_LANES ? m->dac[ch][idx] : 0;
  } else if (s_window(addr, ADC_BASE, &ch, &idx)) {
    const uint64_t at = m->now > m->info.latency_cycles ? m->now - m->info.latency_cycles : 0;
    if (m->now == 0 || cpo_link_adc(m->link, at, ch, idx, data) != CPO_OK ||
        (ch == CPO_ADC_TAP_PD && idx < 64 && (m->dark_taps >> idx & 1u)))
      *data = 0;
  } else {
    for (uint32_t l = 0; l < lanes; l++) {
      const uint32_t bits = SYMBOLS_PER_CYCLE * m->info.bits_per_symbol;
      if (addr == TRAFFIC(CPO_TRAFFIC_LANE_BITS_OFFSET_N(l)))
        *data = (uint32_t)(m->streamed[l] * bits);
      else if (addr == TRAFFIC(CPO_TRAFFIC_LANE_ERRS_OFFSET_N(l)))
        *data = (uint32_t)(cpo_link_bit_errors(m->link, l) - m->errs_at_clear[l]);
    }
  }
  return CPO_OK;
}

static cpo_status_t s_write(void *self, uint32_t addr, uint32_t data) {
  cpo_fw_model_hal_t *m = self;
  uint32_t ch, idx;
  if (s_window(addr, DAC_BASE, &ch, &idx)) {
    if (ch >= CPO_DAC_COUNT || idx >= CPO_LINK_MAX_LANES)
      return CPO_OK;
    m->dac[ch][idx] = (uint16_t)data;
    /* a disabled ELS lane's drive stays 0: the write is dropped (the register keeps it) */
    if (ch == CPO_DAC_LASER_CURRENT && idx < m->els_lanes && !(m->els_enable >> idx & 1u))
      return CPO_OK;
    return cpo_link_set_dac(m->link, ch, idx, data & 0xFFFFu, m->now + m->info.latency_cycles);
  }
  if (addr == OE_MGMT(CPO_OE_ELS_CTRL_OFFSET)) { /* write 1 to clear; ENABLE, POWER_MODE ro */
    m->els_changed &=
        ~((data & CPO_OE_ELS_CTRL_SETPOINT_CHANGED_MASK) >> CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT);
    m->els_was_disabled &=
        ~((data & CPO_OE_ELS_CTRL_WAS_DISABLED_MASK) >> CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT);
    return CPO_OK;
  }
  if (addr == OE_MGMT(CPO_OE_ELS_STATUS_OFFSET)) {
    if (m->els_lanes)
      m->els_status = data & (CPO_OE_ELS_STATUS_STATE_MASK | CPO_OE_ELS_STATUS_FIBRE_CHECKED_MASK);
    return CPO_OK;
  }
  if (addr == OE_MGMT(CPO_OE_STREAM_EN_LO_OFFSET) || addr == OE_MGMT(CPO_OE_STREAM_EN_HI_OFFSET)) {
    const uint64_t all = m->info.lanes >= 64 ? ~0ull : (1ull << m->info.lanes) - 1;
    const bool hi = addr == OE_MGMT(CPO_OE_STREAM_EN_HI_OFFSET);
    m->stream_en = hi ? (m->stream_en & 0xFFFFFFFFull) | (uint64_t)data << 32
                      : (m->stream_en & ~0xFFFFFFFFull) | data;
    m->parked = ~m->stream_en & all;
    return cpo_link_park_lanes(m->link, m->parked);
  }
  uint64_t *mask =
      addr == OE_MGMT(CPO_OE_CAL_DONE_LO_OFFSET) || addr == OE_MGMT(CPO_OE_CAL_DONE_HI_OFFSET)
          ? &m->cal_done
      : addr == OE_MGMT(CPO_OE_TX_LOL_LO_OFFSET) || addr == OE_MGMT(CPO_OE_TX_LOL_HI_OFFSET)
          ? &m->tx_lol
          : NULL;
  if (mask) {
    const bool hi =
        addr == OE_MGMT(CPO_OE_CAL_DONE_HI_OFFSET) || addr == OE_MGMT(CPO_OE_TX_LOL_HI_OFFSET);
    *mask = hi ? (*mask & 0xFFFFFFFFull) | (uint64_t)data << 32 : (*mask & ~0xFFFFFFFFull) | data;
    return CPO_OK;
  }
  if (addr == TRAFFIC(CPO_TRAFFIC_CNT_CLEAR_OFFSET)) {
    for (uint32_t l = 0; l < m->info.lanes; l++) {
      m->streamed[l] = 0;
      m->errs_at_clear[l] = cpo_link_bit_errors(m->link, l);
    }
  }
  return CPO_OK;
}

static cpo_status_t s_sleep(void *self, uint64_t cycles) {
  cpo_fw_model_hal_t *m = self;
  const uint32_t lanes = m->info.lanes;
  const uint64_t all = lanes >= 64 ? ~0ull : (1ull << lanes) - 1;
  if ((m->parked & all) == all) {
    CPO_TRY(cpo_link_advance(m->link, m->now, cycles));
    m->now += cycles;
    return CPO_OK;
  }
  while (cycles > 0) {
    const uint32_t n = cycles < CHUNK ? (uint32_t)cycles : CHUNK;
    for (uint64_t i = 0; i < (uint64_t)n * lanes; i++)
      m->tx[i] = s_next(m);
    CPO_TRY(cpo_link_process(m->link, m->now, n, m->tx, m->rx));
    for (uint32_t l = 0; l < lanes; l++)
      if (!(m->parked >> l & 1u))
        m->streamed[l] += n;
    m->now += n;
    cycles -= n;
  }
  return CPO_OK;
}

static uint64_t s_now(const void *self) {
  return ((const cpo_fw_model_hal_t *)self)->now;
}
static const cpo_config_t *s_config(const void *self) {
  return &((const cpo_fw_model_hal_t *)self)->cfg;
}
static const char *s_error(const void *self) {
  (void)self;
  return "";
}
static void s_close(void *self) {
  cpo_fw_model_hal_t *m = self;
  cpo_link_destroy(&m->link);
  free(m->tx);
  free(m->rx);
  free(m);
}

static const cpo_hal_ops_t s_ops = {s_read, s_write, s_sleep, s_now, s_config, s_error, s_close};

cpo_status_t cpo_fw_model_hal_create(const char *profile, uint64_t seed, bool calibrated,
                                     cpo_fw_model_hal_t **out, cpo_hal_t **hal) {
  cpo_fw_model_hal_t *m = calloc(1, sizeof *m);
  if (!m)
    return CPO_ERR_NO_MEMORY;
  cpo_link_cfg_t lc = {.profile = profile,
                       .symbols_per_cycle = SYMBOLS_PER_CYCLE,
                       .seed = seed,
                       .fidelity = CPO_FIDELITY_STATISTICAL,
                       .start_calibrated = calibrated};
  cpo_status_t rc = cpo_link_create(&lc, &m->link);
  if (rc != CPO_OK) {
    free(m);
    return rc;
  }
  cpo_link_get_info(m->link, &m->info);
  m->cfg.lanes = m->info.lanes;
  m->cfg.symbols_per_cycle = SYMBOLS_PER_CYCLE;
  m->cfg.bits_per_symbol = m->info.bits_per_symbol;
  m->cfg.baud_hz = (uint64_t)m->info.baud_hz;
  m->cfg.latency_cycles = (uint32_t)m->info.latency_cycles;
  m->cfg.seed = seed;
  m->cfg.total_cycles = UINT64_MAX / 4;
  snprintf(m->cfg.profile, sizeof m->cfg.profile, "%s", m->info.profile);
  m->rng = 0x9E3779B97F4A7C15ull ^ seed;
  m->stream_en = ~0ull;
  if (calibrated) /* as the engine's first cycle presets OE CAL_DONE (rtl/engine) */
    m->cal_done = m->info.lanes >= 64 ? ~0ull : (1ull << m->info.lanes) - 1;
  /* an external laser source: the profile's lasers sit apart from the engine (OE ELS_CTRL) */
  cpo_profile_t prof;
  if (cpo_profile_load(m->info.profile, &prof) == CPO_OK && prof.els_ambient_k > 0.0) {
    m->els_lanes =
        m->info.lasers < CPO_OE_ELS_SETPOINT_COUNT ? m->info.lasers : CPO_OE_ELS_SETPOINT_COUNT;
    m->els_enable = m->els_power_mode = (1u << m->els_lanes) - 1; /* CMIS's reset: all */
    for (uint32_t k = 0; calibrated && k < m->els_lanes; k++)     /* the engine's cycle-0 preset */
      m->els_status |= (uint32_t)CPO_CMIS_ELS_LANE_STATE_ON << 2 * k |
                       1u << (CPO_OE_ELS_STATUS_FIBRE_CHECKED_SHIFT + k);
  }
  m->tx = calloc((size_t)CHUNK * m->info.lanes, sizeof *m->tx);
  m->rx = calloc((size_t)CHUNK * m->info.lanes, sizeof *m->rx);
  for (uint32_t c = 0; c < CPO_DAC_COUNT; c++)
    for (uint32_t i = 0; i < m->info.lanes; i++)
      m->dac[c][i] = (uint16_t)cpo_link_dac(m->link, c, i);
  if (!m->tx || !m->rx || (rc = cpo_hal_create(&s_ops, m, hal)) != CPO_OK) {
    s_close(m);
    return rc != CPO_OK ? rc : CPO_ERR_NO_MEMORY;
  }
  *out = m;
  return CPO_OK;
}

uint32_t cpo_fw_model_hal_els_lanes(const cpo_fw_model_hal_t *m) {
  return m->els_lanes;
}

cpo_status_t cpo_fw_model_hal_set_els(cpo_fw_model_hal_t *m, uint32_t enable, uint32_t power_mode) {
  const uint32_t all = (1u << m->els_lanes) - 1;
  const uint32_t changed = (enable ^ m->els_enable) & all;
  m->els_was_disabled |= m->els_enable & ~enable & all;     /* fell, as the engine latches it */
  m->els_changed |= (power_mode ^ m->els_power_mode) & all; /* the mode byte's bits written */
  m->els_enable = enable & all;
  m->els_power_mode = power_mode & all;
  /* off at once; enabled again it stays dark until the firmware drives it */
  for (uint32_t k = 0; k < m->els_lanes; k++)
    if ((changed & ~m->els_enable) >> k & 1u)
      CPO_TRY(
          cpo_link_set_dac(m->link, CPO_DAC_LASER_CURRENT, k, 0, m->now + m->info.latency_cycles));
  return CPO_OK;
}

void cpo_fw_model_hal_set_els_setpoint(cpo_fw_model_hal_t *m, uint32_t lane, uint32_t bias_code,
                                       uint32_t power_code) {
  if (lane >= m->els_lanes)
    return;
  m->els_setpoint[lane] =
      (bias_code << CPO_OE_ELS_SETPOINT_BIAS_SHIFT & CPO_OE_ELS_SETPOINT_BIAS_MASK) |
      (power_code << CPO_OE_ELS_SETPOINT_POWER_SHIFT & CPO_OE_ELS_SETPOINT_POWER_MASK);
  m->els_changed |= 1u << lane; /* written, even with the same values */
}

uint32_t cpo_fw_model_hal_els_status(const cpo_fw_model_hal_t *m) {
  return m->els_status;
}

void cpo_fw_model_hal_open_fibre(cpo_fw_model_hal_t *m, uint64_t mask) {
  m->dark_taps = mask;
}

void cpo_fw_model_hal_set_dp(cpo_fw_model_hal_t *m, uint64_t dp_init, uint64_t dp_active) {
  m->dp_init = dp_init;
  m->dp_active = dp_active;
}

uint64_t cpo_fw_model_hal_cal_done(const cpo_fw_model_hal_t *m) {
  return m->cal_done;
}

uint64_t cpo_fw_model_hal_tx_lol(const cpo_fw_model_hal_t *m) {
  return m->tx_lol;
}

uint64_t cpo_fw_model_hal_stream_en(const cpo_fw_model_hal_t *m) {
  return m->stream_en;
}

cpo_link_t *cpo_fw_model_hal_link(cpo_fw_model_hal_t *m) {
  return m->link;
}

uint64_t cpo_fw_model_hal_now(const cpo_fw_model_hal_t *m) {
  return m->now;
}
