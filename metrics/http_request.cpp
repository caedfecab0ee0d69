#include "metrics/http_request.h"

#include <algorithm>

namespace p2psip::metrics {

namespace {

bool is_tchar(char c) {  // RFC 9110 §5.6.2 token characters
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_target_char(char c) {  // visible ASCII, no blanks or controls
  return c > 0x20 && c < 0x7f;
}

const char* reason_of(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

}  // namespace

std::optional<std::size_t> head_end(std::string_view buffer) {
  // The first empty line: "\n" followed by "\r\n" or "\n".
  for (std::size_t i = buffer.find('\n'); i != std::string_view::npos; i = buffer.find('\n', i + 1)) {
    if (i + 1 < buffer.size() && buffer[i + 1] == '\n') return i + 2;
    if (i + 2 < buffer.size() && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') return i + 3;
  }
  return std::nullopt;
}

Expected<HttpRequest, HttpResponse> parse_request(std::string_view head) {
  std::string_view line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return unexpected(error_response(400));
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), is_tchar) || target.empty() ||
      !std::all_of(target.begin(), target.end(), is_target_char)) {
    return unexpected(error_response(400));
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return unexpected(error_response(400));
  }
  if (version[5] != '1') return unexpected(error_response(505));
  if (method != "GET" && method != "HEAD") return unexpected(error_response(405));
  HttpRequest request;
  request.method = std::string(method);
  request.path = std::string(target.substr(0, target.find('?')));
  return request;
}

std::size_t eviction_victim(const std::vector<bool>& answering) {
  auto waiting = std::find(answering.begin(), answering.end(), false);
  return waiting != answering.end() ? static_cast<std::size_t>(waiting - answering.begin()) : 0;
}

HttpResponse error_response(int status) {
  HttpResponse r;
  r.status = status;
  r.reason = reason_of(status);
  r.content_type = "text/plain; charset=utf-8";
  r.body = r.reason + "\n";
  return r;
}

std::string serialize(const HttpResponse& response, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + response.reason +
                    "\r\nContent-Type: " + response.content_type +
                    "\r\nContent-Length: " + std::to_string(response.body.size()) +
                    "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  if (response.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

}  // namespace p2psip::metrics
