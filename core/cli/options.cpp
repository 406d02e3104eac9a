#include "cli/options.hpp"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include <iostream>

namespace sinkhub::cli {

void print_help(const std::string& command, const std::string& summary, const Poco::Util::OptionSet& options) {
  Poco::Util::HelpFormatter help(options);
  help.setUnixStyle(true);
  help.setCommand("sinkhub " + command);
  help.setUsage("[OPTIONS]");
  help.setHeader(summary);
  help.setWidth(100);
  help.format(std::cout);
  std::cout << std::endl;
}

bool parse_options(const std::string& command, const std::string& summary, Poco::Util::OptionSet& options,
                   const std::vector<std::string>& args, Parsed& out) {
  options.addOption(Poco::Util::Option("help", "h", "show this help and exit"));
  Poco::Util::OptionProcessor proc(options);
  proc.setUnixStyle(true);
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      std::string arg = args[i];
      // Accept "--opt value" as well as Poco's "--opt=value".
      if (arg.rfind("--", 0) == 0 && arg.find('=') == std::string::npos && i + 1 < args.size()) {
        const std::string long_name = arg.substr(2);
        for (const auto& opt : options)
          if (opt.fullName() == long_name && opt.takesArgument()) arg += "=" + args[++i];
      }
      std::string name, value;
      if (!proc.process(arg, name, value)) throw Poco::Util::UnknownOptionException(arg);
      out.values[name] = value;
      if (name == "help") out.help = true;
    }
    if (out.help) {
      print_help(command, summary, options);
      return true;
    }
    proc.checkRequired();
  } catch (const Poco::Util::OptionException& e) {
    std::cerr << "sinkhub " << command << ": " << e.displayText() << "\n"
              << "Try 'sinkhub " << command << " --help'.\n";
    return false;
  }
  return true;
}

}  // namespace sinkhub::cli
