# Writes IN as a C++ function `std::string_view medcore::embedded::NAME()` into OUT
# (NAME defaults to openapi_json).
if(NOT DEFINED NAME)
  set(NAME openapi_json)
endif()
file(READ ${IN} CONTENT HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${CONTENT}")
file(WRITE ${OUT} "#include <string_view>\nnamespace medcore::embedded {\nstatic const unsigned char data[] = {${BYTES} 0};\nstd::string_view ${NAME}() { return {reinterpret_cast<const char*>(data), sizeof(data) - 1}; }\n}\n")
