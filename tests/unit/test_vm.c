/* test_vm.c - placeholder being written */
#include "t.h"
static void test_none(void) {}
T_MAIN(test_none)
