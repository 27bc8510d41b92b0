#pragma once
// A small CSV reader for the training data: UTF-8 BOM, CRLF or LF, a missing final newline,
// and double-quoted fields (with "" escapes) are all accepted. Pure: it parses text.
#include <string>
#include <string_view>
#include <vector>

namespace medcore::ml {

using CsvRow = std::vector<std::string>;

// Every non-empty line as a row of fields (whitespace around fields is trimmed).
std::vector<CsvRow> parse_csv(std::string_view text);

// The whole file; throws std::runtime_error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace medcore::ml
