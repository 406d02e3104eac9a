// The sinkhub executable: everything lives in sinkhub_core; this only hands over argv.
#include "cli/commands.hpp"

int main(int argc, char** argv) { return sinkhub::cli::run(argc, argv); }
