/* What the rtl role watches while a run goes on, without touching what it computes: the progress
 * line (simulated time, cycles per second, the time left, the D2D link's state as it changes)
 * and the run over time for plots (cpo_series_t). It sits between the synchroniser and the
 * design (its design ops call the design's), reading the design's outputs only. */
#ifndef CPO_RUN_OBSERVER_H
#define CPO_RUN_OBSERVER_H

#include <cstdint>
#include <cstdio>

#include "designs.h"
#include "ops_decorator.h"
#include "roles.h"

class CpoRunObserver : public CpoOpsDecorator {
public:
  /** Watch @p design over @p cfg's run, its bus reached through @p inner (the design's ops, or a
   * wrapper's around them); progress lines to @p progress (or nowhere: nullptr). */
  CpoRunObserver(CpoDesign &design, cpo_design_ops_t inner, const cpo_config_t &cfg,
                 FILE *progress);
  /** The ops to give the synchroniser: the design's, watched. */
  cpo_design_ops_t ops();
  /** The last point (at @p cycles, the run's end) and the series. */
  const cpo_series_t *finish(uint64_t cycles);

private:
  void advanced(uint64_t count);
  void noteDac(uint32_t channel, uint32_t index, uint32_t code);
  void noteAdc(uint32_t channel, uint32_t index, uint32_t code);
  void sample();
  void noteCmis();
  void progress(bool state_changed);

  CpoDesign &design_;
  const cpo_config_t &cfg_;
  FILE *out_;
  uint64_t cycle_ = 0, interval_, next_sample_ = 0;
  uint64_t start_us_, last_us_;
  int state_ = -2;
  CpoCmisStates cmis_{}; // as last seen (a design without CMIS: never noted)
  bool cmis_seen_ = false;
  uint16_t adc_[CPO_ADC_COUNT][CPO_MAX_LANES_SUMMARY] = {};
  uint16_t dac_[CPO_DAC_COUNT][CPO_MAX_LANES_SUMMARY] = {};
  cpo_series_t *series_;
};

#endif
