/* The table of verilated designs; see designs.h. */
#include "designs.h"

#include <stdio.h>

static const cpo_design_info_t s_designs[] = {
#define CPO_DESIGN(name_, kind_, host, media, word)                                                \
  {.name = #name_,                                                                                 \
   .kind = CPO_DESIGN_##kind_,                                                                     \
   .host_lanes = host,                                                                             \
   .media_lanes = media,                                                                           \
   .word_bits = word},
#include "cpo_designs.inc"
#undef CPO_DESIGN
};
#define N_DESIGNS (sizeof s_designs / sizeof s_designs[0])

size_t cpo_designs_count(void) {
  return N_DESIGNS;
}

const cpo_design_info_t *cpo_designs_at(size_t i) {
  return i < N_DESIGNS ? &s_designs[i] : NULL;
}

static const char *const s_kind_names[] = {
    [CPO_DESIGN_ENGINE] = "engine", [CPO_DESIGN_LANES] = "lanes"};

const cpo_design_info_t *cpo_designs_find(cpo_design_kind_t kind, uint32_t host_lanes,
                                          uint32_t media_lanes, char *why, size_t why_len) {
  for (size_t i = 0; i < N_DESIGNS; i++)
    if (s_designs[i].kind == kind && s_designs[i].host_lanes == host_lanes &&
        s_designs[i].media_lanes == media_lanes)
      return &s_designs[i];
  size_t n = (size_t)snprintf(why, why_len,
                              "no verilated %s design has %u host lanes over %u media lanes; this "
                              "build has",
                              s_kind_names[kind], host_lanes, media_lanes);
  for (size_t i = 0; i < N_DESIGNS && n < why_len; i++)
    n += (size_t)snprintf(why + n, why_len - n, "%s %s (%s, %u host / %u media lanes)",
                          i ? "," : "", s_designs[i].name, s_kind_names[s_designs[i].kind],
                          s_designs[i].host_lanes, s_designs[i].media_lanes);
  return NULL;
}
