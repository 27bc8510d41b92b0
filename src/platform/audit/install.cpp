#include "platform/audit/install.hpp"

#include "platform/app/installer.hpp"
#include "platform/audit/audit.hpp"

namespace medcore::audit {

void install(Installer& in) { mount_audit(in.router, in.app); }

}  // namespace medcore::audit
