/* A decorator of a design's operations (cpo_design_ops_t): a class that sits between the
 * synchroniser and a design (the scenario's timeline, the run's observer) derives from
 * CpoOpsDecorator, takes forwarding() (every op the inner design has, calling the inner one,
 * with self = the decorator) and replaces only the ops it changes, reaching the design through
 * inner(). An op the inner design lacks stays NULL, so the synchroniser sees the same design.
 * adc_set and adc_set_many go together: the synchroniser calls adc_set_many when there is one,
 * and forwarding()'s goes straight to the inner design, so a decorator that replaces adc_set
 * must replace adc_set_many too (run_observer.cpp does), or it never sees a code. */
#ifndef CPO_OPS_DECORATOR_H
#define CPO_OPS_DECORATOR_H

#include "cpo/sync.h"

class CpoOpsDecorator {
public:
  CpoOpsDecorator(const CpoOpsDecorator &) = delete;
  CpoOpsDecorator &operator=(const CpoOpsDecorator &) = delete;

  /** The inner design's ops. */
  const cpo_design_ops_t &inner() const {
    return inner_;
  }

protected:
  explicit CpoOpsDecorator(cpo_design_ops_t inner) : inner_(inner) {}
  ~CpoOpsDecorator() = default;

  /** The decorator behind an op's self (what forwarding() sets). */
  template <typename D> static D *self(void *p) {
    return static_cast<D *>(static_cast<CpoOpsDecorator *>(p));
  }

  /** Every op the inner design has, forwarded to it; self is this decorator. */
  cpo_design_ops_t forwarding() {
    const cpo_design_ops_t &in = inner_;
    cpo_design_ops_t o{};
    o.self = this;
    o.step = [](void *p, uint32_t count, const uint64_t *rx, uint64_t *tx) {
      in_of(p).step(in_of(p).self, count, rx, tx);
    };
    o.bus_start = [](void *p, bool write, uint32_t addr, uint32_t wdata) {
      in_of(p).bus_start(in_of(p).self, write, addr, wdata);
    };
    o.bus_done = [](void *p, uint32_t *rdata, bool *slverr) {
      return in_of(p).bus_done(in_of(p).self, rdata, slverr);
    };
    if (in.dac_preset)
      o.dac_preset = [](void *p, uint16_t channel, uint16_t index, uint32_t code) {
        return in_of(p).dac_preset(in_of(p).self, channel, index, code);
      };
    if (in.adc_set)
      o.adc_set = [](void *p, uint16_t channel, uint16_t index, uint32_t code) {
        return in_of(p).adc_set(in_of(p).self, channel, index, code);
      };
    if (in.adc_set)
      o.adc_set_many = [](void *p, const cpo_analog_write_t *w, uint32_t n, bool *ok) {
        setMany(in_of(p), w, n, ok);
      };
    if (in.dac_take)
      o.dac_take = [](void *p, cpo_analog_write_t *out, uint32_t max) {
        return in_of(p).dac_take(in_of(p).self, out, max);
      };
    if (in.streaming)
      o.streaming = [](void *p) { return in_of(p).streaming(in_of(p).self); };
    if (in.skip)
      o.skip = [](void *p, uint64_t count) { in_of(p).skip(in_of(p).self, count); };
    if (in.settled)
      o.settled = [](void *p) { return in_of(p).settled(in_of(p).self); };
    if (in.next_event)
      o.next_event = [](void *p) { return in_of(p).next_event(in_of(p).self); };
    return o;
  }

  /** ADC codes to @p in in one call: its adc_set_many, or its adc_set for each (as the
   *  synchroniser does), so a batch crosses every decorator in one call. */
  static void setMany(const cpo_design_ops_t &in, const cpo_analog_write_t *w, uint32_t n,
                      bool *ok) {
    if (in.adc_set_many) {
      in.adc_set_many(in.self, w, n, ok);
      return;
    }
    for (uint32_t i = 0; i < n; i++)
      ok[i] = in.adc_set(in.self, w[i].channel, w[i].index, w[i].code);
  }

  cpo_design_ops_t inner_;

private:
  static const cpo_design_ops_t &in_of(void *p) {
    return static_cast<CpoOpsDecorator *>(p)->inner_;
  }
};

#endif
