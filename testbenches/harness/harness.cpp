/* cpo_harness: the APB3 master's protocol and the program's arguments (see sim.h, bus.h). */
#include <cstring>

#include "cpo/harness/args.h"
#include "cpo/harness/bus.h"

namespace cpo::harness {

namespace {
int s_argc = 0;
char **s_argv = nullptr;
} // namespace

void setArgs(int argc, char **argv) {
  s_argc = argc;
  s_argv = argv;
}

bool hasArg(const char *arg) {
  for (int i = 1; i < s_argc; i++)
    if (std::strcmp(s_argv[i], arg) == 0)
      return true;
  return false;
}

int argCount() {
  return s_argc;
}
char **argValues() {
  return s_argv;
}

bool Apb3Master::start(bool write, uint32_t addr, uint32_t wdata) {
  if (phase_ != Phase::Idle)
    return false;
  drive_ = Apb3Drive{true, false, write, addr, wdata};
  answer_ = Apb3Answer{};
  answered_ = false;
  waits_ = 0;
  phase_ = Phase::Setup;
  return true;
}

void Apb3Master::sample(const Apb3Answer &answer) {
  if (phase_ != Phase::Access)
    return;
  answer_ = answer;
  answered_ = answer.ready;
}

void Apb3Master::edge() {
  if (phase_ == Phase::Setup) { // the setup phase lasts one cycle
    drive_.enable = true;
    phase_ = Phase::Access;
    return;
  }
  if (phase_ != Phase::Access)
    return;
  if (answered_) { // the transfer completes at the edge that sees PREADY
    status_ = answer_.slverr ? CPO_ERR_BUS : CPO_OK;
  } else if (max_wait_ == kWaitForever || ++waits_ <= max_wait_) {
    return;
  } else {
    status_ = CPO_ERR_TIMEOUT;
    timeouts_++;
  }
  drive_.sel = drive_.enable = drive_.write = false;
  phase_ = Phase::Done;
}

bool Apb3Master::take(cpo_status_t *status, uint32_t *rdata) {
  if (phase_ != Phase::Done)
    return false;
  *status = status_;
  *rdata = answer_.rdata;
  phase_ = Phase::Idle;
  return true;
}

} // namespace cpo::harness
