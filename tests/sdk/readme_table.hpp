// Checks that a plugin's README holds the option table its options table renders (one
// declaration: the table; the README copies it). Used by the file, s3 and slack tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace sinkhub_test {

inline ::testing::AssertionResult ReadmeHasOptionTable(const std::string& readme_path, const std::string& table) {
  std::ifstream in(readme_path, std::ios::binary);
  if (!in) return ::testing::AssertionFailure() << "cannot read " << readme_path;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find(table) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << readme_path << " does not hold the option table the code declares; "
                                       << "replace its table with:\n\n" << table;
}

}  // namespace sinkhub_test
