#include "cpo/event_hash.h"

/* A multiply-xorshift mix per 64-bit word: cheap enough to run on every RX word at full
 * simulation speed, and any change in any word changes the result with overwhelming
 * probability. Not cryptographic: it fingerprints runs, it does not authenticate them. */
#define MIX_MUL 0x9E3779B97F4A7C15ull

static inline uint64_t s_mix(uint64_t h, uint64_t w) {
  h ^= w;
  h *= MIX_MUL;
  return h ^ (h >> 32);
}

void cpo_event_hash_init(cpo_event_hash_t *eh) {
  eh->h = 0xCBF29CE484222325ull;
}

void cpo_event_hash_words(cpo_event_hash_t *eh, const uint64_t *words, size_t n) {
  uint64_t h = eh->h;
  for (size_t i = 0; i < n; i++)
    h = s_mix(h, words[i]);
  eh->h = h;
}

void cpo_event_hash_event(cpo_event_hash_t *eh, uint64_t cycle, cpo_event_kind_t kind, uint64_t a,
                          uint64_t b) {
  uint64_t h = s_mix(eh->h, 0xE7E7E7E7ull ^ (uint64_t)kind); /* separates events from words */
  h = s_mix(h, cycle);
  h = s_mix(h, a);
  eh->h = s_mix(h, b);
}
