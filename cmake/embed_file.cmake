# Writes IN as a C++ string constant `medcore::embedded::openapi_json` into OUT.
file(READ ${IN} CONTENT HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${CONTENT}")
file(WRITE ${OUT} "#include <string_view>\nnamespace medcore::embedded {\nstatic const unsigned char data[] = {${BYTES} 0};\nstd::string_view openapi_json() { return {reinterpret_cast<const char*>(data), sizeof(data) - 1}; }\n}\n")
