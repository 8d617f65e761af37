// A module for the unit tests of core/module: one entry point that proves the right
// module was loaded and called.
extern "C" int graflow_test_module_answer(int x) { return x * 6; }
