// The rtl role: the verilated design the run's lane counts choose, the bridge server and the
// synchroniser.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "designs.h"
#include "roles.h"
#include "run_observer.h"
#include "sc_design.h"
#include "timeline_rtl.h"
#include "timeline_run.h"
#include "trace_file.h"
#include "verdict.h"

std::unique_ptr<CpoDesign> cpo_design_create(const cpo_design_info_t *d,
                                             const cpo_design_trace_t *trace,
                                             uint32_t cycles_per_us_q16) {
#define CPO_DESIGN(row, kind, host, media, word)                                                   \
  if (std::strcmp(d->name, #row) == 0)                                                             \
    return cpo_design_create_##row(trace, cycles_per_us_q16);
#include "cpo_designs.inc"
#undef CPO_DESIGN
  return nullptr;
}

// The design for the run's lanes, or null (said why in @p sum) if this build has none.
static const cpo_design_info_t *s_design(const cpo_run_opts_t *o, cpo_run_summary_t *sum) {
  const cpo_design_info_t *d = cpo_run_design(o, sum->error, sizeof sum->error);
  if (d)
    return d;
  sum->status = CPO_ERR_CONFIG_MISMATCH;
  fprintf(stderr, "cpoemu[rtl] error: %s\n", sum->error);
  return nullptr;
}

// Bind the bridge server, if the run has one, into @p srv and report its endpoint on the ready
// descriptor; false (said why in @p sum) if it cannot bind. A direct run binds too when it has an
// endpoint: for its host, or to refuse by name a model or a host that tries to join (a silent
// endpoint would leave them guessing).
static bool s_bind(const cpo_run_opts_t *o, cpo_server_t **srv, cpo_run_summary_t *sum) {
  if (o->direct_loopback && !o->with_host && !o->allow_attach && !o->endpoint[0])
    return true;
  cpo_bridge_cfg_t bc{};
  bc.endpoint = o->endpoint;
  bc.role = CPO_ROLE_RTL;
  bc.config = o->config;
  bc.timeout_ms = o->timeout_ms;
  bc.context = o->context;
  bc.curve = o->curve;
  bc.refused_roles = (o->direct_loopback ? 1u << CPO_ROLE_MODEL : 0u) |
                     (!o->with_host && !o->allow_attach ? 1u << CPO_ROLE_HOST : 0u);
  cpo_status_t rc = cpo_server_bind(&bc, srv, sum->error, sizeof sum->error);
  if (rc != CPO_OK) {
    sum->status = rc;
    fprintf(stderr, "cpoemu[rtl] error: %s\n", sum->error);
    return false;
  }
  if (o->ready_fd >= 0) {
    dprintf(o->ready_fd, "%s\n", cpo_server_endpoint(*srv));
    close(o->ready_fd);
  }
  return true;
}

// The run's summary from the synchroniser's result @p r (status @p rc) and the design's lanes.
static void s_summarize(const cpo_run_opts_t *o, CpoDesign &design, cpo_status_t rc,
                        const cpo_sync_result_t &r, cpo_run_summary_t *sum) {
  const cpo_config_t &cfg = o->config;
  sum->status = rc;
  sum->cycles = r.cycles;
  sum->sim_time_s =
      static_cast<double>(r.cycles) * cfg.symbols_per_cycle / static_cast<double>(cfg.baud_hz);
  sum->wall_s = r.wall_s;
  sum->model_wait_s = r.model_wait_s;
  sum->event_hash = r.hash.h;
  sum->reg_accesses = r.reg_accesses;
  sum->quanta = r.quanta;
  sum->dac_writes = r.dac_writes;
  sum->adc_samples = r.adc_samples;
  sum->lanes = design.hostLanes();
  for (uint32_t l = 0; l < sum->lanes && l < CPO_MAX_LANES_SUMMARY; l++) {
    sum->bits[l] = design.laneBits(l);
    sum->errors[l] = design.laneErrors(l);
    sum->locked[l] = design.laneLocked(l);
  }
  // Interrupted: here by a signal, or the model was (it ends the session saying so).
  sum->interrupted =
      rc != CPO_OK && ((o->stop && *o->stop) || std::strstr(r.error, CPO_INTERRUPTED_TEXT));
}

// End the session (the final BYE and its answers first: the peers' last detaches are on the
// record) and close the server.
static void s_end_session(cpo_server_t **srv, cpo_status_t rc, const cpo_sync_result_t &r,
                          cpo_run_summary_t *sum) {
  if (*srv) {
    cpo_server_end(*srv, r.cycles, static_cast<int16_t>(rc),
                   rc == CPO_OK ? "run complete" : r.error);
    uint32_t n = cpo_server_peer_events(*srv, sum->peer_events, CPO_PEER_EVENTS_MAX);
    sum->n_peer_events = n < CPO_PEER_EVENTS_MAX ? n : CPO_PEER_EVENTS_MAX;
    sum->report_lanes = cpo_server_model_report(*srv, sum->report);
  }
  cpo_server_close(srv, r.cycles, static_cast<int16_t>(rc),
                   rc == CPO_OK ? "run complete" : r.error);
}

extern "C" int cpo_role_rtl(const cpo_run_opts_t *o, cpo_run_summary_t *sum) {
  std::memset(sum, 0, sizeof *sum);
  const cpo_design_info_t *info = s_design(o, sum);
  if (!info)
    return 2;
  cpo_design_trace_t trace{};
  trace.path = o->trace_path;
  if (trace.path) { // real time stamps from the run's clock, over the window it asks for
    cpo_trace_window_t w{};
    (void)cpo_trace_window_parse(o->trace_window[0] ? o->trace_window : "all", &w);
    cpo_trace_fs_per_half_cycle(&o->config, &trace.fs_num, &trace.fs_den);
    cpo_trace_window_cycles(&w, &o->config, &trace.first_cycle, &trace.end_cycle);
    // not past the run: the end-of-run reads (timeline_rtl's probe) clock the design on
    trace.end_cycle = std::min<uint64_t>(trace.end_cycle, o->config.total_cycles);
  }
  std::unique_ptr<CpoDesign> made =
      o->harness == CPO_HARNESS_SYSTEMC
          ? cpo_systemc_design_create(info, &trace, cpo_design_cycles_per_us_q16(&o->config),
                                      sum->error, sizeof sum->error)
          : cpo_design_create(info, &trace, cpo_design_cycles_per_us_q16(&o->config));
  if (!made) {
    sum->status = CPO_ERR_CONFIG_MISMATCH;
    fprintf(stderr, "cpoemu[rtl] error: %s\n", sum->error);
    return 2;
  }
  CpoDesign &design = *made;
  cpo_board_t board = o->board;
  if (cpo_role_tx_tap_scale(o, &board.tx_tap_scale_q16, sum->error, sizeof sum->error) != CPO_OK) {
    sum->status = CPO_ERR_INVALID_ARG;
    fprintf(stderr, "cpoemu[rtl] error: %s\n", sum->error);
    return 2;
  }
  design.setBoard(board);
  cpo_timeline_t tl;
  if (cpo_timeline_for_run(o, &tl, sum->error, sizeof sum->error) != CPO_OK) {
    sum->status = CPO_ERR_INVALID_ARG;
    fprintf(stderr, "cpoemu[rtl] error: %s\n", sum->error);
    return 2;
  }
  // the engine's: the timeline's writes, the lanes' up cycle, the D2D state at the end
  std::unique_ptr<TimelineDesign> timeline;
  if (info->kind == CPO_DESIGN_ENGINE)
    timeline = std::make_unique<TimelineDesign>(design, tl, info->media_lanes);
  cpo_server_t *srv = nullptr;
  if (!s_bind(o, &srv, sum))
    return 2;
  // the observer (progress, series) reads the design behind the timeline's writes
  CpoRunObserver observer(design, timeline ? timeline->ops() : design.ops(), o->config,
                          o->quiet ? nullptr : stderr);
  cpo_design_ops_t ops = observer.ops();
  cpo_sync_opts_t so{};
  so.direct_loopback = o->direct_loopback;
  so.expect_host = o->with_host;
  so.progress = nullptr; // the observer's, with simulated time and the link's state
  so.stop = o->stop;
  cpo_sync_result_t r;
  cpo_status_t rc = cpo_sync_run(srv, &o->config, &ops, &so, &r);
  s_summarize(o, design, rc, r, sum);
  sum->all_up_cycle = UINT64_MAX;
  if (timeline && rc == CPO_OK)
    timeline->probe(sum, cpo_verdict_wants_cmis(o));
  sum->series = observer.finish(r.cycles);
  if (sum->interrupted)
    snprintf(r.error, sizeof r.error, "%s at cycle %llu", CPO_INTERRUPTED_TEXT,
             static_cast<unsigned long long>(r.cycles));
  s_end_session(&srv, rc, r, sum);
  if (rc != CPO_OK) {
    snprintf(sum->error, sizeof sum->error, "%s", r.error);
    if (sum->interrupted)
      return 3;
    fprintf(stderr, "cpoemu[rtl] error: stopped at cycle %llu: %s\n",
            static_cast<unsigned long long>(r.cycles), r.error);
    return 3;
  }
  // the snapshot's BER per lane, on a link of its own after the session: nothing of the run moves
  // (none for a --direct run: no optics, so its lanes' BER is not the snapshot's to compare)
  sum->snapshot_known = !o->direct_loopback && sum->lanes <= CPO_MAX_LANES_SUMMARY &&
                        cpo_role_snapshot_ber(o, sum->ber_snapshot, sum->lanes) == CPO_OK;
  cpo_verdict_expect(o, sum);
  return sum->expectations_met ? 0 : 1;
}
