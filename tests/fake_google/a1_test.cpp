// A1 notation as Sheets reads and prints it.
#include <gtest/gtest.h>

#include "a1.hpp"
#include "field_mask.hpp"

namespace a1 = sinkhub::fake::google::a1;
using sinkhub::fake::google::FieldMask;

TEST(A1, ColumnsAreBase26WithoutZeroUpToZZZ) {
  EXPECT_EQ(a1::column_letters(0), "A");
  EXPECT_EQ(a1::column_letters(25), "Z");
  EXPECT_EQ(a1::column_letters(26), "AA");
  EXPECT_EQ(a1::column_letters(18277), "ZZZ");
  EXPECT_EQ(a1::column_index("aa"), 26);
  EXPECT_EQ(a1::column_index("ZZZ"), 18277);
  EXPECT_EQ(a1::column_index("AAAA"), -1);
}

TEST(A1, QuotedTitlesUnescapeDoubledQuotes) {
  const auto r = a1::parse("'It''s a tab'!A1:C");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "It's a tab");
  EXPECT_EQ(r->start_row, 0);
  EXPECT_EQ(r->end_col, 3);
  EXPECT_EQ(r->end_row, -1);  // open-ended: to the bottom of the grid
  const auto whole = a1::parse("'My Sheet'");
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->whole_sheet);
  EXPECT_EQ(whole->title, "My Sheet");
}

TEST(A1, RangesColumnsRowsAndReversedCorners) {
  auto r = a1::parse("Sheet1!B2:A1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start_row, 0);
  EXPECT_EQ(r->start_col, 0);
  EXPECT_EQ(r->end_row, 2);
  EXPECT_EQ(r->end_col, 2);
  r = a1::parse("A:C");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_title);
  EXPECT_EQ(r->end_row, -1);
  EXPECT_EQ(r->end_col, 3);
  r = a1::parse("Data!2:3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start_row, 1);
  EXPECT_EQ(r->end_row, 3);
  EXPECT_EQ(r->end_col, -1);
  r = a1::parse("$B$7");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->single_cell);
}

TEST(A1, WhatSheetsCannotParse) {
  // ("A0" without a '!' is no cell, so it reads as a sheet title: unknown titles fail later.)
  for (const char* bad : {"", "Sheet1!", "Sheet1!B", "Sheet1!2", "Sheet1!A0:B2", "'unterminated", "'x'y", "!A1",
                          "Sheet1!A1:2B", "Sheet1!1:C"})
    EXPECT_FALSE(a1::parse(bad)) << bad;
}

TEST(A1, ACellLookingTitleIsACellUnlessQuoted) {
  const auto cell = a1::parse("CRM26");
  ASSERT_TRUE(cell);
  EXPECT_FALSE(cell->has_title);  // column CRM, row 26 of the first visible sheet
  const auto title = a1::parse("'CRM26'");
  ASSERT_TRUE(title);
  EXPECT_EQ(title->title, "CRM26");
}

TEST(A1, PrintedTitlesAreQuotedWhenTheyAreNotPlainIdentifiers) {
  EXPECT_EQ(a1::quote_title("Sheet1"), "Sheet1");
  EXPECT_EQ(a1::quote_title("Leads"), "Leads");
  EXPECT_EQ(a1::quote_title("My Sheet"), "'My Sheet'");
  EXPECT_EQ(a1::quote_title("Jon's Data"), "'Jon''s Data'");
  EXPECT_EQ(a1::quote_title("A1"), "'A1'");
  EXPECT_EQ(a1::quote_title("R1C1"), "'R1C1'");
  EXPECT_EQ(a1::format("Jon's Data", 0, 0, 1000, 26), "'Jon''s Data'!A1:Z1000");
  EXPECT_EQ(a1::format("Sheet1", 4, 2, 5, 3), "Sheet1!C5");
}

TEST(FieldMaskSyntax, DotsSlashesParenthesesAndWildcards) {
  auto m = FieldMask::parse("sheets(properties(sheetId,title)),spreadsheetId");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->normalize("Spreadsheet"), "");
  EXPECT_TRUE(m->touches("sheets.properties.title"));
  EXPECT_FALSE(m->touches("sheets.data"));
  m = FieldMask::parse("sheets/properties,sheets.developer_metadata");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->normalize("Spreadsheet"), "");
  EXPECT_TRUE(m->touches("sheets.developerMetadata"));  // snake_case accepted, normalized
  m = FieldMask::parse("sheets.nope");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->normalize("Spreadsheet"), "sheets.nope");
  EXPECT_FALSE(FieldMask::parse("sheets(properties"));
  EXPECT_FALSE(FieldMask::parse("a,,b"));
  EXPECT_TRUE(FieldMask::parse("*")->selects_everything());
}
