#pragma once
// `medcore ai ask` (one question, the answer JSON on stdout) and `medcore ai bench` (offline
// advice latency). main.cpp registers the `ai` command here like `train` / `evaluate`.
#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace medcore::ai {

struct AiCli;
std::shared_ptr<AiCli> add_ai_commands(CLI::App* app);
// The exit status of the selected ai command, or nullopt when none was selected.
std::optional<int> run_ai_command(const AiCli& cli);

}  // namespace medcore::ai
