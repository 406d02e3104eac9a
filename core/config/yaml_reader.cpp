// YAML into the config tree, built from yaml-cpp's parser events rather than YAML::Load: the
// tree is built as the file is read, so every limit (config/limits.hpp) is checked before the
// memory is spent. yaml-cpp shares an aliased node instead of copying it, which lets an alias
// contain itself (a cycle that any walk of YAML::Node recurses into forever) and lets 300 bytes
// of nested aliases stand for 10^9 nodes; here an alias is a copy whose cost is known up front.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <unordered_set>

#include "config/error.hpp"
#include "config/limits.hpp"
#include "config/tree.hpp"

namespace sinkhub::config {

namespace {

int line_of(const YAML::Mark& m) { return m.is_null() ? 0 : m.line + 1; }

// Stops the build at the first limit crossed; the partial tree is dropped.
struct Refused {
  int line;
  std::string message;
};

// What a subtree costs, to charge it again for every alias that copies it.
struct Cost {
  std::size_t nodes = 0, bytes = 0, height = 0;
};

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::vector<Diagnostic>& diags) : diags_(diags) {}

  Node take_root() { return std::move(root_); }
  int first_line() const { return first_line_; }

  void OnDocumentStart(const YAML::Mark& m) override { first_line_ = line_of(m); }
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    Node n;
    n.line = line_of(m);
    leaf(std::move(n), anchor, 0);
  }

  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    Node n;
    n.kind = Node::Kind::Scalar;
    n.scalar = value;
    n.quoted = tag != "?";  // "?" marks a plain scalar, whose type YAML resolves
    n.line = line_of(m);
    leaf(std::move(n), anchor, value.size());
  }

  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw Refused{line_of(m), "YAML alias to an unknown anchor"};
    Anchor& a = it->second;
    if (a.open)
      throw Refused{line_of(m), "recursive YAML alias *" + a.name + ": it is inside the node anchored as &" + a.name +
                                    " (line " + std::to_string(a.line) + ")"};
    charge(a.cost, line_of(m), "*" + a.name);
    attach(Node(a.node), a.cost.height);
  }

  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(Node::Kind::List, m, anchor);
  }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(Node::Kind::Map, m, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapEnd() override { close(); }

 private:
  struct Anchor {
    std::string name;
    int line = 0;
    bool open = true;  // its node is still being read: an alias to it would contain itself
    Node node;
    Cost cost;
  };
  // A list or map being read.
  struct Frame {
    Node node;
    YAML::anchor_t anchor = 0;
    Cost at_open;       // totals when it started, so its own cost is the difference at the end
    std::size_t height = 1;
    bool have_key = false, key_ok = false;
    std::string key;
    int key_line = 0;
    std::unordered_set<std::string> keys;  // duplicate check in O(1): 200,000 keys stay linear
  };

  void charge(const Cost& c, int line, const std::string& what) {
    if (stack_.size() + c.height > limits::kDepth)
      throw Refused{line, what + " nests deeper than " + std::to_string(limits::kDepth) + " levels"};
    if (c.nodes > limits::kNodes - total_.nodes)
      throw Refused{line, what + " makes the config more than " + std::to_string(limits::kNodes) +
                              " keys and values (YAML aliases expanded)"};
    if (c.bytes > limits::kTextBytes - total_.bytes)
      throw Refused{line, what + " makes the config text more than " + std::to_string(limits::kTextBytes) +
                              " bytes (YAML aliases expanded)"};
    total_.nodes += c.nodes;
    total_.bytes += c.bytes;
  }

  void begin_anchor(YAML::anchor_t anchor, int line) {
    if (anchor == 0) return;
    Anchor& a = anchors_[anchor];
    a.name = anchor_name_.empty() ? std::to_string(anchor) : anchor_name_;
    a.line = line;
    anchor_name_.clear();
  }

  // The anchored node is kept as a copy for its aliases; the copy is charged too, so nested
  // anchors cannot multiply memory past the limits.
  void store(Anchor& a, const Node& n, const Cost& cost) {
    charge(Cost{cost.nodes, cost.bytes, 0}, n.line, "&" + a.name);
    a.open = false;
    a.node = n;
    a.cost = cost;
  }

  void leaf(Node n, YAML::anchor_t anchor, std::size_t bytes) {
    charge(Cost{1, bytes, 0}, n.line, "this value");
    if (anchor != 0) {
      begin_anchor(anchor, n.line);
      store(anchors_[anchor], n, Cost{1, bytes, 0});
    }
    attach(std::move(n), 0);
  }

  void open(Node::Kind kind, const YAML::Mark& m, YAML::anchor_t anchor) {
    charge(Cost{1, 0, 1}, line_of(m), "this " + std::string(kind == Node::Kind::Map ? "map" : "list"));
    begin_anchor(anchor, line_of(m));
    Frame f;
    f.node.kind = kind;
    f.node.line = line_of(m);
    f.anchor = anchor;
    f.at_open = total_;
    f.at_open.nodes -= 1;  // the collection itself is part of its cost
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.anchor != 0)
      store(anchors_[f.anchor], f.node, Cost{total_.nodes - f.at_open.nodes, total_.bytes - f.at_open.bytes, f.height});
    attach(std::move(f.node), f.height);
  }

  void attach(Node n, std::size_t height) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return;
    }
    Frame& f = stack_.back();
    f.height = std::max(f.height, height + 1);
    if (f.node.is_list()) {
      f.node.items.push_back(std::move(n));
    } else if (!f.have_key) {
      f.have_key = true;
      f.key_ok = n.is_scalar();
      if (!f.key_ok) diags_.push_back({n.line, "map keys must be plain strings"});
      f.key = std::move(n.scalar);
      f.key_line = n.line;
    } else {
      f.have_key = false;
      if (!f.key_ok) return;
      if (!f.keys.insert(f.key).second)
        diags_.push_back({f.key_line, "duplicate key '" + f.key + "'"});
      else
        f.node.fields.emplace_back(std::move(f.key), std::move(n));
    }
  }

  std::vector<Diagnostic>& diags_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchor> anchors_;
  std::string anchor_name_;
  Cost total_;
  Node root_;
  int first_line_ = 0;
};

// A second document would be silently ignored (YAML::Load reads the first): refuse it.
void refuse_second_document(YAML::Parser& parser, std::vector<Diagnostic>& diags) {
  std::vector<Diagnostic> ignored;
  TreeBuilder rest(ignored);
  if (parser.HandleNextDocument(rest))
    diags.push_back({rest.first_line(), "a config file holds one YAML document: remove this second one ('---')"});
}

}  // namespace

Node parse_yaml(const std::string& text, const std::string& file) {
  std::vector<Diagnostic> diags;
  Node root;
  if (text.size() > limits::kFileBytes) diags.push_back({1, "the config file is larger than " + std::to_string(limits::kFileBytes) + " bytes"});
  try {
    if (diags.empty()) {
      std::istringstream in(text);
      YAML::Parser parser(in);
      TreeBuilder builder(diags);
      parser.HandleNextDocument(builder);
      root = builder.take_root();
      refuse_second_document(parser, diags);
    }
  } catch (const Refused& r) {
    diags.push_back({r.line, r.message});
  } catch (const YAML::Exception& e) {
    diags.push_back({e.mark.is_null() ? 0 : e.mark.line + 1, "YAML syntax error: " + e.msg});
  }
  if (diags.empty() && !root.is_map() && !root.is_null())
    diags.push_back({root.line, "the top level must be a map of sections"});
  if (!diags.empty()) throw ConfigError(file, std::move(diags));
  if (root.is_null()) root.kind = Node::Kind::Map;
  return root;
}

}  // namespace sinkhub::config
