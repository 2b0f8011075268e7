#include "run_observer.h"

#include <algorithm>
#include <ctime>

#include "cpo/d2d_regs.h"

namespace {
cpo_series_t s_series; // one rtl role per process: its series outlives the role for the JSON

uint64_t s_now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// "12.3 us" and the like, for a time in seconds.
void s_time(char *out, size_t len, double s) {
  static const struct {
    double scale;
    const char *unit;
  } units[] = {{1, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}, {1e-12, "ps"}};
  for (const auto &u : units)
    if (s >= u.scale || u.scale == 1e-12) {
      snprintf(out, len, "%.4g %s", s / u.scale, u.unit);
      return;
    }
}

const char *s_state_name(int state) {
  const char *n = state >= 0 ? cpo_d2d_ltsm_state_name(static_cast<unsigned>(state)) : nullptr;
  return n ? n : "?";
}

} // namespace

CpoRunObserver::CpoRunObserver(CpoDesign &design, cpo_design_ops_t inner, const cpo_config_t &cfg,
                               FILE *progress)
    : CpoOpsDecorator(inner), design_(design), cfg_(cfg), out_(progress),
      interval_(cfg.total_cycles / (CPO_SERIES_MAX - 1) + 1), start_us_(s_now_us()),
      last_us_(start_us_), series_(&s_series) {
  *series_ = cpo_series_t{};
  series_->host_lanes = design.hostLanes();
  series_->media_lanes = cfg.lanes;
  noteCmis(); // the states out of reset, at cycle 0
}

// Each call goes to the design's own; the calls that move time or converters are noted.
cpo_design_ops_t CpoRunObserver::ops() {
  using O = CpoRunObserver;
  cpo_design_ops_t o = forwarding();
  o.step = [](void *p, uint32_t count, const uint64_t *rx, uint64_t *tx) {
    O *s = self<O>(p);
    s->inner_.step(s->inner_.self, count, rx, tx);
    s->advanced(count);
  };
  if (inner_.dac_preset)
    o.dac_preset = [](void *p, uint16_t channel, uint16_t index, uint32_t code) {
      O *s = self<O>(p);
      const bool ok = s->inner_.dac_preset(s->inner_.self, channel, index, code);
      if (ok)
        s->noteDac(channel, index, code);
      return ok;
    };
  if (inner_.adc_set)
    o.adc_set = [](void *p, uint16_t channel, uint16_t index, uint32_t code) {
      O *s = self<O>(p);
      const bool ok = s->inner_.adc_set(s->inner_.self, channel, index, code);
      if (ok)
        s->noteAdc(channel, index, code);
      return ok;
    };
  if (inner_.adc_set)
    o.adc_set_many = [](void *p, const cpo_analog_write_t *w, uint32_t n, bool *ok) {
      O *s = self<O>(p);
      setMany(s->inner_, w, n, ok);
      for (uint32_t i = 0; i < n; i++)
        if (ok[i])
          s->noteAdc(w[i].channel, w[i].index, w[i].code);
    };
  if (inner_.dac_take)
    o.dac_take = [](void *p, cpo_analog_write_t *out, uint32_t max) {
      O *s = self<O>(p);
      const uint32_t n = s->inner_.dac_take(s->inner_.self, out, max);
      for (uint32_t i = 0; i < n; i++)
        s->noteDac(out[i].channel, out[i].index, out[i].code);
      return n;
    };
  if (inner_.skip)
    o.skip = [](void *p, uint64_t count) {
      O *s = self<O>(p);
      s->inner_.skip(s->inner_.self, count);
      s->advanced(count);
    };
  return o;
}

// A converter's code in force, for the series (the lanes the summary has room for).
void CpoRunObserver::noteDac(uint32_t channel, uint32_t index, uint32_t code) {
  if (channel >= CPO_DAC_COUNT || index >= CPO_MAX_LANES_SUMMARY)
    return;
  dac_[channel][index] = static_cast<uint16_t>(code);
  series_->dac_indices[channel] = std::max(series_->dac_indices[channel], index + 1u);
}

void CpoRunObserver::noteAdc(uint32_t channel, uint32_t index, uint32_t code) {
  if (channel >= CPO_ADC_COUNT || index >= CPO_MAX_LANES_SUMMARY)
    return;
  adc_[channel][index] = static_cast<uint16_t>(code);
  series_->adc_indices[channel] = std::max(series_->adc_indices[channel], index + 1u);
}

void CpoRunObserver::advanced(uint64_t count) {
  cycle_ += count;
  const int state = design_.linkState();
  const bool changed = state != state_;
  if (changed && state >= 0 && series_->n_states < CPO_SERIES_STATES_MAX) {
    series_->state_cycle[series_->n_states] = cycle_;
    series_->state[series_->n_states++] = static_cast<uint8_t>(state);
  }
  state_ = state;
  noteCmis();
  if (cycle_ >= next_sample_ && series_->points < CPO_SERIES_MAX - 1) // the last: the end
    sample();
  progress(changed && state >= 0); // a clock read per span of cycles: cheap beside the span
}

// A change of CMIS's states (and the states at cycle 0) into the series.
void CpoRunObserver::noteCmis() {
  CpoCmisStates now;
  if (!design_.cmisStates(&now) || (cmis_seen_ && now == cmis_))
    return;
  cmis_ = now;
  cmis_seen_ = true;
  cpo_series_t &s = *series_;
  if (s.n_cmis == CPO_SERIES_CMIS_MAX) {
    s.cmis_dropped++;
    return;
  }
  s.cmis_cycle[s.n_cmis] = cycle_;
  s.cmis_module[s.n_cmis] = now.module;
  static_assert(sizeof s.cmis_dp[0] <= sizeof now.dp, "the series' lanes fit");
  std::copy(now.dp, now.dp + sizeof s.cmis_dp[0], s.cmis_dp[s.n_cmis]);
  s.n_cmis++;
}

void CpoRunObserver::sample() {
  cpo_series_t &s = *series_;
  const uint32_t p = s.points++;
  s.cycle[p] = cycle_;
  s.locked[p] = 0;
  for (uint32_t l = 0; l < s.host_lanes && l < CPO_MAX_LANES_SUMMARY; l++) {
    s.bits[p][l] = design_.laneBits(l);
    s.errors[p][l] = design_.laneErrors(l);
    s.locked[p] |= static_cast<uint64_t>(design_.laneLocked(l)) << l;
  }
  s.streaming[p] = inner_.streaming ? inner_.streaming(inner_.self) : ~uint64_t{0};
  static_assert(sizeof s.adc[p] == sizeof adc_ && sizeof s.dac[p] == sizeof dac_, "alike");
  std::copy(&adc_[0][0], &adc_[0][0] + sizeof adc_ / sizeof adc_[0][0], &s.adc[p][0][0]);
  std::copy(&dac_[0][0], &dac_[0][0] + sizeof dac_ / sizeof dac_[0][0], &s.dac[p][0][0]);
  next_sample_ = (cycle_ / interval_ + 1) * interval_;
}

// A line a second, and one at once when the link changes state.
void CpoRunObserver::progress(bool state_changed) {
  if (!out_)
    return;
  const uint64_t now = s_now_us();
  if (!state_changed && now - last_us_ < 1000000u)
    return;
  last_us_ = now;
  const double cycle_s = static_cast<double>(cfg_.symbols_per_cycle) /
                         static_cast<double>(cfg_.baud_hz ? cfg_.baud_hz : 1);
  char sim[32], total[32];
  s_time(sim, sizeof sim, static_cast<double>(cycle_) * cycle_s);
  s_time(total, sizeof total, static_cast<double>(cfg_.total_cycles) * cycle_s);
  if (state_changed) {
    fprintf(out_, "cpoemu: cycle %llu (%s): D2D %s\n", static_cast<unsigned long long>(cycle_), sim,
            s_state_name(state_));
    fflush(out_);
    return;
  }
  const double wall = static_cast<double>(now - start_us_) * 1e-6;
  const double rate = wall > 0 ? static_cast<double>(cycle_) / wall : 0;
  const double left =
      rate > 0 ? static_cast<double>(cfg_.total_cycles - cycle_) / rate : 0; // seconds of wall
  char link[48] = "";
  if (state_ >= 0)
    snprintf(link, sizeof link, ", D2D %s", s_state_name(state_));
  fprintf(
      out_, "cpoemu: cycle %llu/%llu (%.0f%%), %s of %s simulated, %.3g cycles/s, ETA %.0f s%s\n",
      static_cast<unsigned long long>(cycle_), static_cast<unsigned long long>(cfg_.total_cycles),
      100.0 * static_cast<double>(cycle_) / static_cast<double>(cfg_.total_cycles), sim, total,
      rate, left, link);
  fflush(out_);
}

const cpo_series_t *CpoRunObserver::finish(uint64_t cycles) {
  cycle_ = cycles;
  if (series_->points == 0 || series_->cycle[series_->points - 1] != cycles)
    sample();
  return series_;
}
