/* readme_example_test.c - runs the README's C API example (readme_example.c) as a test. */
#include "t.h"
#define main readme_main
#include "readme_example.c"
#undef main

static void test_readme_example(void)
{
	T_EQ(readme_main(), 0);
}

T_MAIN(test_readme_example)
