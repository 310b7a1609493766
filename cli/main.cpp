// cradle: the command line. See run_cli().
#include <exception>
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
    try {
        return cradle::run_cli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
    } catch (const std::exception& error) {
        // Failures are Results; whatever still throws (std::bad_alloc, a library's exception)
        // ends here with a message and the error status rather than with abort().
        std::cerr << "cradle: " << error.what() << "\n";
        return 2;
    }
}
