#include "platform/ops/install.hpp"

#include "platform/app/installer.hpp"
#include "platform/ops/routes.hpp"

namespace medcore::ops {

void install(Installer& in) { mount_ops(in.router, in.app); }

}  // namespace medcore::ops
