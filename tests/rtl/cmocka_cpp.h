// cmocka from C++: the headers it expects first, then cmocka itself.
#ifndef CPO_TESTS_RTL_CMOCKA_CPP_H
#define CPO_TESTS_RTL_CMOCKA_CPP_H
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
extern "C" {
#include <cmocka.h>
}
#endif
