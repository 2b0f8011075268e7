// The rtl side of a run's timeline (timeline.h): a design whose bus also makes the timeline's
// register writes at their cycles, which finds the cycle from which every host lane stays
// locked, and which reads each D2D module's state at both ends once the run is over.
#ifndef CPO_TIMELINE_RTL_H
#define CPO_TIMELINE_RTL_H

#include <cstdint>
#include <vector>

#include "designs.h"
#include "ops_decorator.h"
#include "roles.h"

class TimelineDesign : public CpoOpsDecorator {
public:
  /** @p design (an engine design, outliving this) with @p tl's rtl-side events (resolved). */
  TimelineDesign(CpoDesign &design, const cpo_timeline_t &tl, uint32_t media_lanes);
  /** The design's operations, with the timeline's writes on its bus. */
  cpo_design_ops_t ops();
  /** After the run: the lanes' up cycle, the writes made and every D2D end into @p sum; with
   *  @p cmis, the CMIS module state and every lane's data-path state and latched flags too. */
  void probe(cpo_run_summary_t *sum, bool cmis);

private:
  struct Write {
    uint64_t cycle;
    uint32_t addr, data;
  };
  void add(uint64_t cycle, uint32_t addr, uint32_t data);
  bool writeDue() const;
  void startWrite();
  void pollWrite();
  bool lookAtLanes();
  uint64_t clockAfterRun(bool skip);
  bool access(bool write, uint32_t addr, uint32_t *value);
  bool read(uint32_t addr, uint32_t *value);
  void probeCmis(cpo_cmis_end_summary_t *c);
  void step(uint32_t count, const uint64_t *rx, uint64_t *tx);
  void busStart(bool write, uint32_t addr, uint32_t wdata);
  bool busDone(uint32_t *rdata, bool *slverr);
  uint64_t nextEvent() const;
  bool settled() const;
  void skip(uint64_t count);

  CpoDesign &design_;
  uint32_t lanes_;
  std::vector<Write> writes_;
  size_t next_ = 0;
  uint64_t cycle_ = 0;
  bool writing_ = false;      // one of ours is in the bus port
  bool host_in_port_ = false; // the host's is
  bool host_waiting_ = false; // the host's waits for ours
  bool host_write_ = false;
  uint32_t host_addr_ = 0, host_wdata_ = 0;
  uint32_t ctrl_[2][2]; // each module's A2O and O2A CTRL as the timeline set them
  uint32_t els_enable_; // CMIS page 1Ah byte 220 as the timeline set it
  uint64_t up_cycle_ = UINT64_MAX;
  uint64_t lane_up_[CPO_MAX_LANES_SUMMARY];
  uint64_t writes_done_ = 0, slverrs_ = 0;
};

#endif
