#pragma once
// `medcore train tabular` and `medcore evaluate tabular`: main.cpp owns the `train` and
// `evaluate` commands and hands them here, so other engines can add their own subcommands.
#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace medcore::ml {

struct TabularCli;
std::shared_ptr<TabularCli> add_tabular_commands(CLI::App* train, CLI::App* evaluate);
// The exit status of the selected tabular command, or nullopt when none was selected.
std::optional<int> run_tabular_command(const TabularCli& cli);

}  // namespace medcore::ml
