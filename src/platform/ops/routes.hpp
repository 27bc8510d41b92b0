#pragma once
// Operator endpoints: liveness, readiness, Prometheus metrics, and the OpenAPI document.
#include "platform/app/app.hpp"
#include "platform/http/router.hpp"

namespace medcore::ops {
void mount_ops(http::Router& router, App& app);
}
