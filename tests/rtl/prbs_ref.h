// Reference PRBS model for the RTL tests, written from D2D.md's polynomials and independent
// of the RTL: a plain bit-serial recurrence b[k] = XOR over terms x^t of b[k - t].
#ifndef CPO_TESTS_RTL_PRBS_REF_H
#define CPO_TESTS_RTL_PRBS_REF_H

#include <cstdint>
#include <vector>

namespace prbs_ref {

struct Poly {
  unsigned code; // CTRL.POLY / prbs_poly_e value
  unsigned degree;
  std::vector<unsigned> taps; // exponents t >= 1 of the polynomial's terms
  const char *name;
};

// D2D.md: x^7+x^6+1, x^9+x^5+1, x^13+x^12+x^2+x+1, x^15+x^14+1, x^23+x^18+1, x^31+x^28+1.
inline const std::vector<Poly> &polys() {
  static const std::vector<Poly> p = {
      {0, 7, {7, 6}, "PRBS7"},     {1, 9, {9, 5}, "PRBS9"},     {2, 13, {13, 12, 2, 1}, "PRBS13"},
      {3, 15, {15, 14}, "PRBS15"}, {4, 23, {23, 18}, "PRBS23"}, {5, 31, {31, 28}, "PRBS31"},
  };
  return p;
}

// The bit the recurrence predicts at index k of bits (k >= degree).
inline int predict(const Poly &p, const std::vector<uint8_t> &bits, size_t k) {
  int b = 0;
  for (unsigned t : p.taps)
    b ^= bits[k - t];
  return b;
}

// A free-running generator: state = the last `degree` bits, oldest first.
class Gen {
public:
  // seed bit i (i < degree) is the i-th oldest of the bits before the first output; a seed
  // with no bit set below the degree becomes all ones (as in cpo_prbs_gen).
  Gen(const Poly &p, uint32_t seed) : p_(p) {
    for (unsigned i = 0; i < p.degree; i++)
      hist_.push_back((seed >> i) & 1u);
    bool any = false;
    for (uint8_t b : hist_)
      any = any || b;
    if (!any)
      for (auto &b : hist_)
        b = 1;
  }
  int next_bit() {
    size_t k = hist_.size();
    int b = predict(p_, hist_, k);
    hist_.push_back(static_cast<uint8_t>(b));
    if (hist_.size() > 4096)
      hist_.erase(hist_.begin(), hist_.end() - 64);
    return b;
  }
  uint64_t next_word(unsigned width) {
    uint64_t w = 0;
    for (unsigned j = 0; j < width; j++)
      w |= static_cast<uint64_t>(next_bit()) << j;
    return w;
  }

private:
  const Poly &p_;
  std::vector<uint8_t> hist_;
};

} // namespace prbs_ref

#endif
