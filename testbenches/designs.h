/* The verilated designs this build can run (the table CPO_DESIGNS in testbenches/CMakeLists.txt:
 * name, host lanes, media lanes) and the choice of one by a run's lane counts. */
#ifndef CPO_DESIGNS_H
#define CPO_DESIGNS_H

#include <stddef.h>
#include <stdint.h>

#include "cpo/sync.h"

#ifdef __cplusplus
#include <memory>
extern "C" {
#endif

typedef struct {
  const char *name;
  uint32_t host_lanes;  /* the ASIC side: traffic generators and checkers */
  uint32_t media_lanes; /* the optical side: the lanes that cross the bridge to the model */
} cpo_design_info_t;

size_t cpo_designs_count(void);
const cpo_design_info_t *cpo_designs_at(size_t i);
/** The design with these lane counts, or NULL (then @p why names the ones there are). */
const cpo_design_info_t *cpo_designs_find(uint32_t host_lanes, uint32_t media_lanes, char *why,
                                          size_t why_len);

#ifdef __cplusplus
}

/** A verilated design behind the synchroniser's design interface. */
class CpoDesign {
public:
  virtual ~CpoDesign() = default;
  virtual cpo_design_ops_t ops() = 0;
  virtual uint32_t hostLanes() const = 0;
  virtual uint64_t laneBits(uint32_t host_lane) const = 0;
  virtual uint64_t laneErrors(uint32_t host_lane) const = 0;
  virtual bool laneLocked(uint32_t host_lane) const = 0;
};

/** Each row's maker: cpo_design_create_<name>(trace_path or nullptr). */
#define CPO_DESIGN(name, host, media)                                                              \
  std::unique_ptr<CpoDesign> cpo_design_create_##name(const char *trace_path);
#include "cpo_designs.inc"
#undef CPO_DESIGN

/** Make design @p d. */
std::unique_ptr<CpoDesign> cpo_design_create(const cpo_design_info_t *d, const char *trace_path);
#endif

#endif
