// The shape of core/: its folders include each other without a cycle, so the code reads like
// the data path (http -> webhook -> ledger -> delivery -> plugin) and every folder can be
// understood from the ones below it. A new #include that closes a cycle fails here, naming it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// folder -> folder it includes -> one file that does (for the message)
using Graph = std::map<std::string, std::map<std::string, std::string>>;

const fs::path kCore = fs::path(SINKHUB_SOURCE_DIR) / "core";

// The include graph between the folders of core/ ("ledger" -> "config", ...).
Graph folder_graph() {
  std::set<std::string> folders;
  for (const auto& e : fs::directory_iterator(kCore))
    if (e.is_directory()) folders.insert(e.path().filename().string());
  const std::regex include(R"re(^\s*#\s*include\s*"([a-z_]+)/[^"]+")re");
  Graph g;
  for (const auto& e : fs::recursive_directory_iterator(kCore)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".cpp" && ext != ".hpp" && ext != ".h") continue;
    const fs::path rel = fs::relative(e.path(), kCore);
    const std::string from = rel.begin()->string();
    std::ifstream in(e.path());
    std::smatch m;
    for (std::string line; std::getline(in, line);)
      if (std::regex_search(line, m, include) && folders.count(m[1]) && m[1] != from)
        g[from].emplace(m[1], rel.string());
    g[from];  // every folder is a node, also one that includes nothing
  }
  return g;
}

// A cycle as "a -> b (a/x.hpp) -> a (b/y.cpp)", or nullopt.
std::optional<std::string> find_cycle(const Graph& g) {
  std::map<std::string, int> state;  // 0 unvisited, 1 on the path, 2 done
  std::vector<std::string> path;
  std::optional<std::string> found;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    path.push_back(n);
    const auto it = g.find(n);
    if (it != g.end())
      for (const auto& [next, file] : it->second) {
        if (found) break;
        if (state[next] == 1) {
          std::string text;
          for (auto p = std::find(path.begin(), path.end(), next); p != path.end(); ++p) {
            const auto to = std::next(p) == path.end() ? next : *std::next(p);
            text += *p + " -> " + to + " (" + g.at(*p).at(to) + ")  ";
          }
          found = text;
        } else if (state[next] == 0) {
          visit(next);
        }
      }
    path.pop_back();
    state[n] = 2;
  };
  for (const auto& [n, edges] : g)
    if (!found && state[n] == 0) visit(n);
  return found;
}

TEST(Architecture, TheCycleFinderFindsCycles) {
  Graph g;
  g["http"]["webhook"] = "http/endpoint.cpp";
  g["webhook"]["config"] = "webhook/intake.hpp";
  g["config"] = {};
  EXPECT_FALSE(find_cycle(g).has_value());
  g["config"]["http"] = "config/config.cpp";
  const auto cycle = find_cycle(g);
  ASSERT_TRUE(cycle.has_value());
  EXPECT_NE(cycle->find("config -> http (config/config.cpp)"), std::string::npos) << *cycle;
  Graph self_loop_free;
  self_loop_free["a"]["b"] = "a/x.hpp";
  self_loop_free["b"]["a"] = "b/y.hpp";
  EXPECT_TRUE(find_cycle(self_loop_free).has_value());
}

TEST(Architecture, CoreFoldersIncludeEachOtherWithoutACycle) {
  const Graph g = folder_graph();
  ASSERT_GE(g.size(), 10u) << "core/ not found under " << kCore;
  const auto cycle = find_cycle(g);
  EXPECT_FALSE(cycle.has_value()) << "include cycle between core/ folders: " << *cycle;
}

// The leaves everything may use: they use nothing of core/ themselves.
TEST(Architecture, SharedTypesAndHelpersAreLeaves) {
  const Graph g = folder_graph();
  for (const char* leaf : {"model", "util", "observe"}) {
    ASSERT_TRUE(g.count(leaf)) << leaf;
    for (const auto& [to, file] : g.at(leaf)) ADD_FAILURE() << leaf << "/ includes " << to << "/ (" << file << ")";
  }
}

// The data path, http -> webhook -> ledger -> delivery -> plugin, never reaches back: a stage
// knows only what it hands work to, and the ledger, where intake leaves events and delivery
// finds them, knows no stage at all.
TEST(Architecture, TheDataPathNeverReachesBack) {
  const Graph g = folder_graph();
  const std::map<std::string, std::vector<std::string>> never = {
      {"webhook", {"http"}},
      {"ledger", {"http", "webhook", "delivery", "plugin"}},
      {"delivery", {"http", "webhook"}},
      {"plugin", {"http", "webhook", "ledger", "delivery"}},
  };
  for (const auto& [from, forbidden] : never)
    for (const auto& to : forbidden)
      if (g.count(from) && g.at(from).count(to))
        ADD_FAILURE() << from << "/ includes " << to << "/ (" << g.at(from).at(to) << ")";
}

}  // namespace
