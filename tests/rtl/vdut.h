// Minimal harness for a verilated test wrapper with clk_i/rst_ni and an APB3 target port.
#ifndef CPO_TESTS_RTL_VDUT_H
#define CPO_TESTS_RTL_VDUT_H

#include <cstdint>
#include <memory>

#include "verilated.h"

template <typename Top>
class VDut {
 public:
  VDut() : ctx_(new VerilatedContext), top_(new Top(ctx_.get(), "top")) {
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->eval();
    tick();
    top_->rst_ni = 1;
    top_->eval();
  }
  ~VDut() { top_->final(); }
  Top &top() { return *top_; }
  Top *operator->() { return top_.get(); }

  // One clock cycle; inputs set before the call are sampled at its rising edge.
  void tick() {
    top_->clk_i = 0;
    top_->eval();
    top_->clk_i = 1;
    top_->eval();
    ctx_->timeInc(1);
  }
  void run(unsigned n) {
    for (unsigned i = 0; i < n; i++) tick();
  }
  bool apb_write(uint16_t addr, uint32_t data) {
    top_->psel_i = 1;
    top_->penable_i = 0;
    top_->pwrite_i = 1;
    top_->paddr_i = addr;
    top_->pwdata_i = data;
    tick();
    top_->penable_i = 1;
    top_->eval();
    bool err = top_->pslverr_o || !top_->pready_o;
    tick();
    top_->psel_i = top_->penable_i = top_->pwrite_i = 0;
    return err;
  }
  uint32_t apb_read(uint16_t addr, bool *slverr = nullptr) {
    top_->psel_i = 1;
    top_->penable_i = 0;
    top_->pwrite_i = 0;
    top_->paddr_i = addr;
    tick();
    top_->penable_i = 1;
    top_->eval();
    uint32_t data = top_->prdata_o;
    if (slverr) *slverr = top_->pslverr_o || !top_->pready_o;
    tick();
    top_->psel_i = top_->penable_i = 0;
    return data;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
};

#endif
