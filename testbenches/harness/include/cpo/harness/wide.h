/* Lane words in Verilator's wide ports (VlWide: 32-bit words, bit 0 first) or any array of
 * 32-bit words: entry i of a packed [n][bits] vector is bits [i*bits +: bits], bits <= 64. */
#ifndef CPO_HARNESS_WIDE_H
#define CPO_HARNESS_WIDE_H

#include <cstdint>

namespace cpo::harness {

template <typename W> uint64_t laneGet(const W &wide, uint32_t index, uint32_t bits) {
  uint64_t v = 0;
  for (uint32_t done = 0; done < bits;) {
    const uint32_t bit = index * bits + done, shift = bit % 32;
    const uint32_t n = bits - done < 32 - shift ? bits - done : 32 - shift;
    const uint32_t mask = n == 32 ? 0xFFFFFFFFu : (1u << n) - 1u;
    v |= static_cast<uint64_t>((static_cast<uint32_t>(wide[bit / 32]) >> shift) & mask) << done;
    done += n;
  }
  return v;
}

template <typename W> void laneSet(W &wide, uint32_t index, uint32_t bits, uint64_t value) {
  const uint32_t first = index * bits, first_shift = first % 32;
  if (first_shift + bits <= 32 && bits < 32) { /* within one word (a converter code): one store */
    const uint32_t mask = ((1u << bits) - 1u) << first_shift;
    const uint32_t part = static_cast<uint32_t>(value) << first_shift;
    wide[first / 32] = (static_cast<uint32_t>(wide[first / 32]) & ~mask) | (part & mask);
    return;
  }
  for (uint32_t done = 0; done < bits;) {
    const uint32_t bit = index * bits + done, shift = bit % 32;
    const uint32_t n = bits - done < 32 - shift ? bits - done : 32 - shift;
    const uint32_t mask = (n == 32 ? 0xFFFFFFFFu : (1u << n) - 1u) << shift;
    const uint32_t part = static_cast<uint32_t>(value >> done) << shift;
    wide[bit / 32] = (static_cast<uint32_t>(wide[bit / 32]) & ~mask) | (part & mask);
    done += n;
  }
}

} // namespace cpo::harness

#endif
