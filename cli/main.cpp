#include "app.hpp"

#include <iostream>

int main(int argc, char** argv) { return graflow::cli::run(argc, argv, std::cout, std::cerr); }
