#include "engines/vision/skin_data.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

#include "engines/ml/csv.hpp"
#include "engines/vision/skin_classes.hpp"

namespace medcore::vision {

namespace {
std::size_t column(const ml::CsvRow& header, const std::string& name, const std::string& file) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw std::runtime_error(file + ": no column '" + name + "'");
}
}  // namespace

std::vector<LabelledImage> read_labelled_images(const std::string& images_dir, const std::string& split_file,
                                                const std::string& metadata_file, const std::string& only_split) {
  const auto meta = ml::parse_csv(ml::read_file(metadata_file));
  if (meta.empty()) throw std::runtime_error(metadata_file + ": empty");
  const auto m_image = column(meta[0], "image_id", metadata_file);
  const auto m_lesion = column(meta[0], "lesion_id", metadata_file);
  const auto m_dx = column(meta[0], "dx", metadata_file);
  struct Meta {
    std::string lesion_id;
    int label;
  };
  std::unordered_map<std::string, Meta> by_image;
  for (std::size_t r = 1; r < meta.size(); ++r) {
    const auto& row = meta[r];
    if (row.size() <= std::max({m_image, m_lesion, m_dx})) throw std::runtime_error(metadata_file + ": short row " + std::to_string(r + 1));
    const auto label = skin_class_of(row[m_dx]);
    if (!label) throw std::runtime_error(metadata_file + ": unknown diagnosis '" + row[m_dx] + "'");
    by_image[row[m_image]] = {row[m_lesion], *label};
  }

  const auto split = ml::parse_csv(ml::read_file(split_file));
  if (split.empty()) throw std::runtime_error(split_file + ": empty");
  const auto s_split = column(split[0], "split", split_file);
  const auto s_image = column(split[0], "image_id", split_file);
  std::vector<LabelledImage> out;
  for (std::size_t r = 1; r < split.size(); ++r) {
    const auto& row = split[r];
    if (row.size() <= std::max(s_split, s_image)) throw std::runtime_error(split_file + ": short row " + std::to_string(r + 1));
    if (!only_split.empty() && row[s_split] != only_split) continue;
    const auto it = by_image.find(row[s_image]);
    if (it == by_image.end()) throw std::runtime_error(split_file + ": image '" + row[s_image] + "' is not in the metadata");
    out.push_back({row[s_image], it->second.lesion_id, row[s_split], it->second.label,
                   (std::filesystem::path(images_dir) / (row[s_image] + ".jpg")).string()});
  }
  return out;
}

DatasetPaths dataset_paths(const std::string& dir) {
  const std::filesystem::path d(dir);
  return {(d / "images_200x150").string(), (d / "dermamnist_split_info.csv").string(),
          (d / "HAM10000_metadata.csv").string()};
}

}  // namespace medcore::vision
