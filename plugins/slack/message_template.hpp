// Message templates of the Slack sink: literal text with {fact} placeholders (run facts)
// and {items[N].field.path} placeholders (values of the first dataset items).
//
// Syntax: "{" name "}" is a placeholder; "{{" and "}}" are a literal brace. A fact name is
// one of kFacts; an item placeholder is items[N] (N in 0..kMaxItemIndex) followed by zero
// or more ".segment" (segment: [A-Za-z0-9_$-]+; a number indexes an array). Parsing fails
// (std::invalid_argument, naming the option and the placeholder) on anything else, which is
// what makes `sinkhub check-config` reject an unknown placeholder.
//
// Substituted values are escaped for Slack mrkdwn; the literal text of the template is the
// operator's and is not (it may contain links like <https://x|y> and emoji codes).
#pragma once

#include <Poco/Dynamic/Var.h>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace slack {

inline constexpr const char* kFacts[] = {"runId",        "actorId",    "actorName", "taskId",    "status",
                                         "eventType",    "itemCount",  "datasetId", "startedAt", "finishedAt",
                                         "durationSecs", "consoleUrl", "datasetUrl"};
inline constexpr std::size_t kMaxItemIndex = 99;
inline constexpr std::size_t kMaxTemplateBytes = 20000;

using Facts = std::map<std::string, std::string>;  // fact name -> raw (unescaped) value

// Looks up a dotted path in a parsed item; "" when absent. Strings as they are, numbers and
// booleans as JSON writes them, objects and arrays as compact JSON, null as "".
std::string item_value(const Poco::Dynamic::Var& item, const std::vector<std::string>& path);
// Splits "a.b.0" into segments; false if a segment is empty or has other characters.
bool parse_path(std::string_view text, std::vector<std::string>& out);

class MessageTemplate {
 public:
  MessageTemplate() = default;
  // `option` names the configuration key in error messages.
  static MessageTemplate parse(std::string_view text, const std::string& option);

  // The rendered text: facts and item values mrkdwn-escaped. items[k] absent -> "".
  std::string render(const Facts& facts, const std::vector<Poco::Dynamic::Var>& items) const;
  // How many leading items the placeholders read (max index + 1; 0 if none).
  std::size_t items_needed() const { return items_needed_; }
  // Whether a {fact} placeholder with this name appears.
  bool uses(const std::string& fact) const;

 private:
  struct Part {
    enum Kind { Literal, Fact, Item } kind = Literal;
    std::string text;  // literal text or fact name
    std::size_t index = 0;
    std::vector<std::string> path;
  };
  std::vector<Part> parts_;
  std::size_t items_needed_ = 0;
};

}  // namespace slack
