// Any bytes as the start of a connection to the metrics port: head_end() finds where a head
// ends (within the buffer), parse_request() accepts it or gives the answer to send, and every
// answer serialises to one status line with a Content-Length that matches its body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/http_request.h"

namespace {

void check_answer(const p2psip::metrics::HttpResponse& r, bool head_only) {
  std::string bytes = p2psip::metrics::serialize(r, head_only);
  auto end = bytes.find("\r\n\r\n");
  if (bytes.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) __builtin_trap();
  std::string_view body = std::string_view(bytes).substr(end + 4);
  if (head_only ? !body.empty() : body != r.body) __builtin_trap();
  auto cl = bytes.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n");
  if (cl == std::string::npos || cl > end) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace p2psip::metrics;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto end = head_end(input);
  if (!end) return 0;
  if (*end == 0 || *end > input.size()) __builtin_trap();
  auto request = parse_request(input.substr(0, *end));
  if (request) {
    if (request->method != "GET" && request->method != "HEAD") __builtin_trap();
    if (request->path.find('?') != std::string::npos) __builtin_trap();
    check_answer(error_response(404), request->method == "HEAD");
  } else {
    int s = request.error().status;
    if (s != 400 && s != 405 && s != 505 && s != 431) __builtin_trap();
    check_answer(request.error(), false);
  }
  return 0;
}
