#pragma once
// `medcore train skin` and `medcore evaluate skin` (main.cpp owns `train` and `evaluate`).
#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace medcore::vision {

struct SkinCli;
std::shared_ptr<SkinCli> add_skin_commands(CLI::App* train, CLI::App* evaluate);
// The exit status of the selected skin command, or nullopt when none was selected.
std::optional<int> run_skin_command(const SkinCli& cli);

}  // namespace medcore::vision
