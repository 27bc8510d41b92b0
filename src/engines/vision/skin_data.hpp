#pragma once
// A labelled folder of lesion images laid out like the shared HAM10000 copy: a split file
// (split,index,image_id — the DermaMNIST order), the HAM10000 metadata (lesion_id, image_id, dx, …)
// and the images as IMAGE_ID.jpg in one folder. Pure: reads CSV text, decodes nothing.
#include <optional>
#include <string>
#include <vector>

namespace medcore::vision {

struct LabelledImage {
  std::string image_id;
  std::string lesion_id;
  std::string split;  // train / val / test
  int label = 0;      // index into skin_class_codes
  std::string path;
};

// Rows of the split file whose split is `only_split` (all rows when empty), in file order.
// Throws std::runtime_error for unreadable files, unknown image ids or diagnoses.
std::vector<LabelledImage> read_labelled_images(const std::string& images_dir, const std::string& split_file,
                                                const std::string& metadata_file,
                                                const std::string& only_split = "");

// The shared layout: DIR/images_200x150, DIR/dermamnist_split_info.csv, DIR/HAM10000_metadata.csv.
struct DatasetPaths {
  std::string images_dir, split_file, metadata_file;
};
DatasetPaths dataset_paths(const std::string& dir);

}  // namespace medcore::vision
