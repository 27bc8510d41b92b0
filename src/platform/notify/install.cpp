#include "platform/notify/install.hpp"

#include <memory>

#include "platform/app/installer.hpp"
#include "platform/notify/delivery.hpp"
#include "platform/notify/routes.hpp"

namespace medcore::notify {

void install(Installer& in) {
  mount_notify(in.router, in.app);
  // Mail delivery runs on its own thread, never on the HTTP pools (MEDCORE_BACKGROUND).
  if (!in.runs_background_work()) return;
  auto mail = std::make_shared<DeliveryWorker>(in.app);
  in.on_start([mail] { mail->start(); });
  in.on_stop([mail] { mail->stop(); });
}

}  // namespace medcore::notify
