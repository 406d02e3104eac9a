#include "file_options.hpp"

#include "key_template.hpp"

namespace sinkhub_file {

namespace opt = sinkhub::options;

const opt::Table<Options>& options_table() {
  static const opt::Table<Options> table{
      opt::text("dir", &Options::dir)
          .required()
          .not_empty()
          .check([](const std::string& d) {
            for (const char c : d)
              if (static_cast<unsigned char>(c) < 0x20) throw std::invalid_argument("control characters are not allowed");
          })
          .doc("Root directory, created by open(). Nothing is ever written outside it."),
      opt::text("path", &Options::path)
          .defaults("{actorId}/{runId}.jsonl")
          .check(sinkhub_kit::check_template)
          .doc("File path below `dir`. Placeholders: `{eventType}`, `{runId}`, `{actorId}`, `{taskId}`, "
               "`{datasetId}`, `{date}` (UTC `YYYY-MM-DD` of the event, stable across retries). Absolute "
               "templates, unknown placeholders and empty, `.`, `..` or dot-leading segments are refused."),
      opt::text("format", &Options::format)
          .one_of({"jsonl", "json"})
          .defaults("jsonl")
          .doc("`jsonl`: the items byte for byte as Apify returned them, one per line. `json`: one array, "
               "`\"[\\n\" item \",\\n\" item … \"\\n]\\n\"` (`\"[]\\n\"` when empty)."),
      opt::flag("gzip", &Options::gzip)
          .defaults(false)
          .doc("Compress: the file is a sequence of gzip members (one per batch), which `gzip -dc`, `zcat` "
               "and zlib read as one stream. Name the file `….gz` yourself in `path`."),
  };
  return table;
}

Options parse_options(std::string_view options_json) {
  Options o = options_table().parse(options_json);
  while (o.dir.size() > 1 && o.dir.back() == '/') o.dir.pop_back();
  return o;
}

}  // namespace sinkhub_file
